package vault

import (
	"context"
	"strings"
	"testing"

	"github.com/squareoauth/squareoauth"
)

// TestWrongClientSecretKeepsSellers: an instance deployed with a wrong
// client secret is refused every refresh, while Square still accepts the
// sellers' access tokens. That is the application's fault, not the
// sellers': they stay active with their tokens, the current token is
// handed out, the refresh backs off like any passing failure, and
// LastError says what to check. Once the secret is right, the next due
// refresh succeeds.
func TestWrongClientSecretKeepsSellers(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		ctx := context.Background()
		const m = "MLMISCONFIG1"
		tok := makeDue(t, v, f.connect(t, v, m))

		cfg := f.srv.Config()
		cfg.ClientSecret = "sq0csp-a-rotated-or-mistyped-secret-0000"
		wrong, err := squareoauth.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		misconfigured := f.open(t, dsn, Config{Client: wrong, Keys: []Key{testKey("k1")}})
		got, err := misconfigured.Token(ctx, m)
		if err != nil || got.AccessToken != tok.AccessToken {
			t.Fatalf("Token = %v, %v; want the current token", got, err)
		}
		s, err := v.Seller(ctx, m)
		if err != nil || s.State != StateActive || s.KeyID == "" || !strings.Contains(s.LastError, "ClientSecret") {
			t.Fatalf("Seller = %v, %v; want active, its tokens kept, and a LastError naming ClientSecret", s, err)
		}
		if rep, err := misconfigured.RefreshDue(ctx, 0); err != nil || rep.Reauthorize != 0 {
			t.Errorf("RefreshDue = %+v, %v; want no seller sent to authorize again", rep, err)
		}
		// The retry is shared: clear it as time would, then refresh with
		// the right secret.
		if _, err := v.db.ExecContext(ctx, "UPDATE squareoauth_sellers SET retry_at = 0"); err != nil {
			t.Fatal(err)
		}
		next, err := v.Token(ctx, m)
		if err != nil || next.AccessToken == tok.AccessToken {
			t.Errorf("Token with the right secret = %v, %v; want a refreshed token", next, err)
		}
	})
}
