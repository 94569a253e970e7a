package vault

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// staggeredAnswers holds the n-th answer for (n % 8) × 10 ms, so that
// concurrent refreshes end one by one, as they do against Square.
type staggeredAnswers struct{ n *atomic.Int64 }

func (s staggeredAnswers) RoundTrip(req *http.Request) (*http.Response, error) {
	return slowAnswers{delay: time.Duration(s.n.Add(1)%8) * 10 * time.Millisecond}.RoundTrip(req)
}

// RefreshDue claims in batches of at least half its places, not a seller
// at a time as single places free up: every claim is a write, on SQLite a
// commit under the one write lock.
func TestRefreshDueClaimsInBatches(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		var claims atomic.Int64
		cfg := f.config()
		cfg.RefreshConcurrency = 8
		cfg.Client = f.clientOver(t, staggeredAnswers{n: new(atomic.Int64)}, 1)
		v := openCounting(t, dsn, cfg, &claims, "LIMIT") // only claimDue has a LIMIT
		const sellers = 48
		for i := range sellers {
			makeDue(t, v, f.connect(t, v, fmt.Sprintf("MLBATCH%04d", i)))
		}
		rep, err := v.RefreshDue(context.Background(), 0)
		if err != nil || rep.Refreshed != sellers {
			t.Fatalf("RefreshDue = %+v, %v; want %d refreshed", rep, err, sellers)
		}
		// Batches of 4 or more, and the claim that finds none due.
		if got, most := claims.Load(), int64(sellers/4+1); got > most {
			t.Errorf("%d claims for %d sellers, 8 at a time; want at most %d", got, sellers, most)
		}
	})
}

// On SQLite, RefreshDue's writers (claims and group commits) wait for
// one another in process rather than in SQLite's busy handler.
func TestRefreshDueWritersQueueInProcessOnSQLite(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.open(t, engineDSN(t, "sqlite"), f.config())
	makeDue(t, v, f.connect(t, v, "MLWRITER0001"))
	before := f.srv.Hits(tokenPath)
	v.writer.Lock()
	done := make(chan Report, 1)
	go func() {
		rep, err := v.RefreshDue(context.Background(), 0)
		if err != nil {
			t.Error(err)
		}
		done <- rep
	}()
	time.Sleep(300 * time.Millisecond)
	if n := f.srv.Hits(tokenPath) - before; n != 0 {
		t.Errorf("%d requests while another writer of the process held the write turn, want 0", n)
	}
	v.writer.Unlock()
	if rep := <-done; rep.Refreshed != 1 {
		t.Errorf("RefreshDue = %+v, want 1 refreshed", rep)
	}
}
