package vault

import (
	"context"
	"errors"
	"testing"

	"github.com/squareoauth/squareoauth"
)

// A code-flow refresh needs the client secret. An instance whose Client
// lacks it (a deployment missing a setting) sends no refresh for a
// code-flow seller and, above all, does not wipe the seller's tokens as if
// Square had refused them: it is a passing failure of that instance, and
// an instance with the secret still refreshes the seller.
func TestCodeFlowRefreshWithoutSecret(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		good := f.open(t, dsn, f.config())
		ccfg := f.srv.Config()
		ccfg.ClientSecret = ""
		client, err := squareoauth.New(ccfg)
		if err != nil {
			t.Fatal(err)
		}
		cfg := f.config()
		cfg.Client = client
		bad := f.open(t, dsn, cfg)
		ctx := context.Background()
		const m = "MLNOSECRET01"
		tok := makeDue(t, good, f.connect(t, good, m))
		before := f.srv.Hits(tokenPath)
		got, err := bad.Token(ctx, m)
		if errors.Is(err, ErrReauthorize) {
			t.Fatalf("Token without a client secret: %v; want the seller kept", err)
		}
		if err == nil && got.AccessToken != tok.AccessToken {
			t.Errorf("Token = %v; want the current token", got)
		}
		if hits := f.srv.Hits(tokenPath) - before; hits != 0 {
			t.Errorf("%d ObtainToken requests without the client secret, want none", hits)
		}
		if s, err := good.Seller(ctx, m); err != nil || s.State != StateActive || s.KeyID == "" {
			t.Fatalf("Seller = %v, %v; want it active with its tokens", s, err)
		}
		if rep, err := good.RefreshDue(ctx, 0); err != nil || rep.Refreshed != 1 {
			t.Errorf("RefreshDue with the secret = %+v, %v; want the seller refreshed", rep, err)
		}
	})
}
