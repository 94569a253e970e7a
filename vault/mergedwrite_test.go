package vault

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
)

// A group of RefreshDue's token writes goes to the database as one
// statement, and each write still gets its own compare-and-set: a write
// for a version that moved on changes nothing, the others land.
func TestGroupedRefreshWritesOneStatement(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		var n atomic.Int64
		v := openCounting(t, dsn, f.config(), &n, "")
		ctx := context.Background()
		const sellers = 5
		next := make([]squareoauth.Token, sellers)
		for i := range next {
			tok := makeDue(t, v, f.connect(t, v, fmt.Sprintf("MLMERGED%04d", i)))
			tok.AccessToken, tok.RefreshToken = fmt.Sprintf("EAAAnew-%d", i), fmt.Sprintf("EQAAnew-%d", i)
			tok.ExpiresAt = time.Now().Add(30 * 24 * time.Hour).Truncate(time.Millisecond)
			next[i] = tok
		}
		g := newGroupCommit(v.db, v.d, v.sql.refreshed, sellers, 0, v.writeLock())
		landed := make([]bool, sellers)
		errs := make([]error, sellers)
		var wg sync.WaitGroup
		for i, tok := range next {
			wg.Go(func() {
				st, err := v.sealToken(tok, true)
				if err != nil {
					errs[i] = err
					return
				}
				version := int64(2) // Connect, then makeDue
				if i == sellers-1 {
					version = 1 // a write that lost the race
				}
				landed[i], errs[i] = v.writeRefreshed(ctx, g, tok.MerchantID, version, st)
			})
		}
		for len(g.reqs) < sellers { // all queued before the committer starts: one group
			time.Sleep(time.Millisecond)
		}
		before := n.Load()
		g.wg.Go(g.run)
		wg.Wait()
		g.close()
		if got := n.Load() - before; got != 1 {
			t.Errorf("%d statements for a group of %d writes, want 1", got, sellers)
		}
		for i, tok := range next {
			want := i != sellers-1
			if errs[i] != nil || landed[i] != want {
				t.Errorf("write %d: landed %v, %v; want %v", i, landed[i], errs[i], want)
			}
			got, err := v.Token(ctx, tok.MerchantID)
			if err != nil {
				t.Fatal(err)
			}
			if sameToken(got, tok) != want {
				t.Errorf("seller %d holds the new token: %v, want %v", i, !want, want)
			}
		}
	})
}
