package vault

import (
	"context"
	"net/http"
	"testing"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
)

// Guarantee 1 and 4: an instance that read a due seller takes the lease
// only if the row is still as it read it. If another instance refreshed
// the seller meanwhile, or failed and set a backoff, the stale reader
// sends nothing.
func TestStaleReadTakesNoLease(t *testing.T) {
	t.Parallel()
	for _, what := range []string{"refreshed", "backing off"} {
		t.Run(what, func(t *testing.T) {
			t.Parallel()
			bothEngines(t, func(t *testing.T, dsn string) {
				f := newFixture(t)
				cfg := f.config()
				cfg.Client = f.clientWith(t, squareoauth.RetryPolicy{MaxAttempts: 1})
				stale := f.open(t, dsn, cfg)
				other := f.open(t, dsn, cfg)
				ctx := context.Background()
				const m = "MLSTALEREAD1"
				makeDue(t, other, f.connect(t, other, m))
				r, err := stale.load(ctx, m)
				if err != nil {
					t.Fatal(err)
				}
				if what == "backing off" {
					f.srv.InjectFault(tokenPath, squareoauthtest.Fault{Status: http.StatusServiceUnavailable})
				}
				if _, err := other.Token(ctx, m); err != nil {
					t.Fatal(err)
				}
				if took, err := stale.claim(ctx, r); err != nil || took {
					t.Errorf("claim on a stale read = %v, %v; want false", took, err)
				}
			})
		})
	}
}

// Guarantee 1: a Save that lands while a refresh is out outranks it: the
// refreshed token is not written over the new authorization.
func TestSaveDuringRefreshWins(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		hook := &hookTransport{}
		ccfg := f.srv.Config()
		ccfg.HTTPClient = &http.Client{Transport: hook}
		client, err := squareoauth.New(ccfg)
		if err != nil {
			t.Fatal(err)
		}
		cfg := f.config()
		cfg.Client = client
		v := f.open(t, dsn, cfg)
		other := f.open(t, dsn, f.config())
		ctx := context.Background()
		const m = "MLSAVEWINS01"
		makeDue(t, v, f.connect(t, v, m))
		var saved squareoauth.Token
		hook.set(func() { saved = f.connect(t, other, m) })
		got, err := v.Token(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if !sameToken(got, saved) {
			t.Errorf("Token during a Save = %v; want the saved token", got)
		}
		if stored, err := other.Token(ctx, m); err != nil || !sameToken(stored, saved) {
			t.Errorf("stored token = %v, %v; want the saved one", stored, err)
		}
	})
}
