package vault

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
)

// Guarantee 8: sellers whose tokens expire together come due at different
// moments, each no later than TokenSource's refresh point (or the
// configured margin) and no more than a day earlier.
func TestRefreshPointJitter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dsn := engineDSN(t, "sqlite")
	v := f.open(t, dsn, f.config())
	margin := f.config()
	margin.RefreshMargin = 10 * 24 * time.Hour
	vm := f.open(t, dsn, margin)
	exp := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Second)
	seen := map[time.Time]bool{}
	for i := range 20 {
		tok := squareoauth.Token{AccessToken: "EAAAjitter-token", RefreshToken: "EQAAjitter-refresh",
			MerchantID: fmt.Sprintf("MLJITTER%04d", i), ExpiresAt: exp}
		for _, c := range []struct {
			v     *Vault
			point time.Time
		}{{vm, exp.Add(-margin.RefreshMargin)}, {v, tok.RefreshAt()}} {
			if err := c.v.Save(context.Background(), tok); err != nil {
				t.Fatal(err)
			}
			s, err := c.v.Seller(context.Background(), tok.MerchantID)
			if err != nil {
				t.Fatal(err)
			}
			if s.RefreshAt.After(c.point) || s.RefreshAt.Before(c.point.Add(-24*time.Hour)) {
				t.Errorf("RefreshAt %v, want within the day before %v", s.RefreshAt, c.point)
			}
		}
		s, _ := v.Seller(context.Background(), tok.MerchantID)
		seen[s.RefreshAt] = true
	}
	if len(seen) < 15 {
		t.Errorf("20 sellers expiring together come due at only %d moments", len(seen))
	}
}

// RefreshDue refreshes at most limit sellers and stops when its context
// ends.
func TestRefreshDueLimitAndContext(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		for i := range 10 {
			makeDue(t, v, f.connect(t, v, fmt.Sprintf("MLLIMIT%05d", i)))
		}
		rep, err := v.RefreshDue(context.Background(), 3)
		if err != nil || rep != (Report{Refreshed: 3}) {
			t.Errorf("RefreshDue(3) = %+v, %v", rep, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if rep, err := v.RefreshDue(ctx, 0); !errors.Is(err, context.Canceled) || rep != (Report{}) {
			t.Errorf("RefreshDue(canceled) = %+v, %v", rep, err)
		}
		if rep, err := v.RefreshDue(context.Background(), 0); err != nil || rep != (Report{Refreshed: 7}) {
			t.Errorf("RefreshDue(0) = %+v, %v", rep, err)
		}
	})
}
