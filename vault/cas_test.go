package vault

import (
	"context"
	"net/http"
	"testing"
	"time"

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
		cfg := f.config()
		cfg.Client = f.clientOver(t, hook, 0)
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

// Guarantee 4: a refusal that comes after the row moved on is not final.
// An instance whose lease ran out sends the PKCE refresh token another
// instance has meanwhile spent in its own refresh; Square refuses it, and
// the seller is still active with the other instance's token, which is
// what the late instance hands out.
func TestLateRefusalYieldsToNewerRefresh(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		late := f.open(t, dsn, f.config())
		other := f.open(t, dsn, f.config())
		ctx := context.Background()
		const m = "MLLATEREFUS1"
		makeDue(t, other, f.connectPKCE(t, other, m))
		r, err := late.load(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		old, err := late.token(r)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := other.Token(ctx, m)
		if err != nil || fresh.RefreshToken == old.RefreshToken {
			t.Fatalf("the other instance's refresh: %v, %v", fresh, err)
		}
		r.leasedAt = time.Now() // as if its lease were still running
		got, o, err := late.refreshHeld(ctx, late.db, r, old)
		if err != nil || o == outcomeReauthorize || !sameToken(got, fresh) {
			t.Errorf("late refresh = %v, %v, %v; want the other instance's token", got, o, err)
		}
		if s, err := late.Seller(ctx, m); err != nil || s.State != StateActive {
			t.Errorf("Seller = %v, %v; want it active", s, err)
		}
	})
}
