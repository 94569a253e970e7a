package vault

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Writes grouped in one transaction each get their own result, and one
// failing write fails only itself.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		ctx := context.Background()
		for i := range 4 {
			makeDue(t, v, f.connect(t, v, fmt.Sprintf("MLGROUP%05d", i)))
		}
		const n = 6
		g := &groupCommit{db: v.db, reqs: make(chan *groupWrite, n), max: n, writer: noLock{}}
		results := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				query, args := v.sql.deferRefresh, []any{fmt.Sprintf("MLGROUP%05d", i), int64(2), int64(1)} // version 2: Connect, then makeDue
				if i == 5 {
					query = `UPDATE no_such_table SET x = 1`
				}
				res, err := g.ExecContext(ctx, query, args...)
				if errs[i] = err; err == nil {
					results[i], _ = res.RowsAffected()
				}
			})
		}
		for len(g.reqs) < n { // all queued before the first commit: one group
			time.Sleep(time.Millisecond)
		}
		g.wg.Go(g.run)
		wg.Wait()
		g.close()
		for i := range n {
			want := map[bool]int64{true: 1, false: 0}[i < 4]
			if i == 5 {
				if errs[i] == nil {
					t.Error("the bad write succeeded")
				}
				continue
			}
			if errs[i] != nil || results[i] != want {
				t.Errorf("write %d: %d rows, %v; want %d", i, results[i], errs[i], want)
			}
		}
		if s, _ := v.Seller(ctx, "MLGROUP00000"); s.RefreshAt.UnixMilli() != 1 {
			t.Errorf("a grouped write did not land: RefreshAt %v", s.RefreshAt)
		}
	})
}
