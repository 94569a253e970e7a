package vault

import (
	"context"
	"errors"
	"log/slog"
	"strings"
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
		bad := openWithoutSecret(t, f, dsn, nil)
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

// An instance without the client secret hands out a due code-flow seller's
// working token on every call without taking and releasing the seller's
// lease, and says what is wrong once, not on every call: an application
// calls Token per request, and each call would otherwise write the row
// twice and log an error.
func TestCodeFlowWithoutSecretIsQuietPerCall(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		good := f.open(t, dsn, f.config())
		logs := &syncBuffer{}
		bad := openWithoutSecret(t, f, dsn, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})))
		ctx := context.Background()
		const m = "MLNOSECRET02"
		tok := makeDue(t, good, f.connect(t, good, m))
		for range 20 {
			got, err := bad.Token(ctx, m)
			if err != nil || got.AccessToken != tok.AccessToken {
				t.Fatalf("Token = %v, %v; want the current token", got, err)
			}
		}
		out := string(logs.Bytes())
		if n := strings.Count(out, "\n"); n != 1 || !strings.Contains(out, "client secret") {
			t.Errorf("20 calls logged %d lines, want 1 naming the client secret:\n%s", n, out)
		}
	})
}

// openWithoutSecret opens a vault on dsn whose Client lacks the client
// secret, logging to logger when it is not nil.
func openWithoutSecret(t *testing.T, f *fixture, dsn string, logger *slog.Logger) *Vault {
	t.Helper()
	ccfg := f.srv.Config()
	ccfg.ClientSecret = ""
	client, err := squareoauth.New(ccfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.config()
	cfg.Client = client
	cfg.Logger = logger
	return f.open(t, dsn, cfg)
}
