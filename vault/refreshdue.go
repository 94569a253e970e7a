package vault

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Report counts what one RefreshDue did.
type Report struct {
	Refreshed   int // refreshed and stored
	Failed      int // passing failures (retried later with backoff) and storage errors
	Reauthorize int // sellers found to need a new authorization
}

// RefreshDue refreshes every seller that is due (at most limit of them; 0
// means all), Config.RefreshConcurrency at a time, and reports what
// happened. Several instances may run it at once: each due seller is
// claimed, with a lease, by exactly one of them, and a seller that is not
// due, backing off, or being refreshed elsewhere is left alone. It returns
// early with ctx's error when ctx ends, and with an error when the
// database cannot be read; failures of single sellers are counted, not
// returned.
func (v *Vault) RefreshDue(ctx context.Context, limit int) (Report, error) {
	if limit < 0 {
		return Report{}, inputErr("limit", "is negative")
	}
	results := make(chan outcome, v.cfg.RefreshConcurrency)
	var rep Report
	counted := make(chan struct{})
	go func() {
		defer close(counted)
		for o := range results {
			switch o {
			case outcomeRefreshed:
				rep.Refreshed++
			case outcomeFailed:
				rep.Failed++
			case outcomeReauthorize:
				rep.Reauthorize++
			}
		}
	}()
	writes := newGroupCommit(v.db, v.d, v.sql.refreshed, v.cfg.RefreshConcurrency, v.d.committers, v.writeLock())
	var running sync.WaitGroup
	err := v.claimAll(ctx, limit, func(r *row, done func()) {
		running.Go(func() {
			defer done()
			results <- v.refreshClaimed(ctx, writes, r)
		})
	})
	running.Wait()
	writes.close()
	close(results)
	<-counted
	return rep, err
}

// claimAll claims due sellers and hands each to run, until none is due,
// limit is reached or ctx ends. It claims only as many sellers as there
// are free places among the Config.RefreshConcurrency refreshes, so that
// a claimed seller's request starts at once: a seller left waiting for a
// place would spend its lease waiting. run calls done when the place is
// free again.
func (v *Vault) claimAll(ctx context.Context, limit int, run func(r *row, done func())) error {
	places := make(chan struct{}, v.cfg.RefreshConcurrency)
	free := func() { <-places }
	take := func() bool {
		select {
		case places <- struct{}{}:
			return true
		default:
			return false
		}
	}
	for claimed := 0; limit == 0 || claimed < limit; {
		if err := ctx.Err(); err != nil {
			return err
		}
		want := v.cfg.RefreshConcurrency
		if limit > 0 {
			want = min(want, limit-claimed)
		}
		// Wait for half the places to be free, then take every other
		// free one: each claim is a write (on SQLite, a commit under
		// the one write lock), so claiming a seller at a time as places
		// free would cost about a claim per seller.
		batch := 0
		for minBatch := max(1, min(want, v.cfg.RefreshConcurrency/2)); batch < minBatch; batch++ {
			select {
			case places <- struct{}{}:
			case <-ctx.Done():
				for range batch {
					free()
				}
				return ctx.Err()
			}
		}
		for batch < want && take() {
			batch++
		}
		rows, err := v.claimDue(ctx, batch)
		for range batch - len(rows) {
			free()
		}
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		for _, r := range rows {
			run(r, free)
		}
		claimed += len(rows)
	}
	return nil
}

// writeLock is the lock a background writer holds while it writes:
// Vault.writer where the engine has one write lock, else none.
func (v *Vault) writeLock() sync.Locker {
	if v.d.oneWriter {
		return &v.writer
	}
	return noLock{}
}

type noLock struct{}

func (noLock) Lock()   {}
func (noLock) Unlock() {}

// claimDue takes the lease on up to n due sellers in one statement.
func (v *Vault) claimDue(ctx context.Context, n int) ([]*row, error) {
	l := v.writeLock()
	l.Lock()
	defer l.Unlock()
	leasedAt := time.Now()
	rows, err := v.db.QueryContext(ctx, v.sql.claimDue, v.owner, v.cfg.Lease.Milliseconds(), time.Now().UnixMilli(), n)
	if err != nil {
		return nil, fmt.Errorf("vault: claiming due sellers: %w", err)
	}
	defer rows.Close()
	var out []*row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("vault: claiming due sellers: %w", err)
		}
		r.leasedAt = leasedAt
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("vault: claiming due sellers: %w", err)
	}
	return out, nil
}

// refreshClaimed refreshes one seller RefreshDue claimed, writing through w.
func (v *Vault) refreshClaimed(ctx context.Context, w execer, r *row) outcome {
	tok, err := v.token(r)
	if err != nil {
		v.cfg.Logger.Error("vault: cannot read a due seller", "merchant_id", r.merchantID, "error", err)
		v.release(ctx, r)
		return outcomeFailed
	}
	// Detached, like Token's refreshes: once sent, a refresh is stored.
	detached, cancel := context.WithTimeout(context.WithoutCancel(ctx), v.cfg.Lease)
	defer cancel()
	_, o, err := v.refreshHeld(detached, w, r, tok)
	if err != nil && o != outcomeReauthorize {
		v.cfg.Logger.Warn("vault: background refresh failed", "merchant_id", r.merchantID, "error", err)
	}
	return o
}

// Run calls RefreshDue every interval until ctx ends, and then returns
// ctx's error. A failed round is logged and the next one runs on time.
func (v *Vault) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		return inputErr("every", "must be positive")
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rep, err := v.RefreshDue(ctx, 0)
		if err != nil && ctx.Err() == nil {
			v.cfg.Logger.Error("vault: refreshing due sellers failed", "error", err)
		}
		if rep != (Report{}) {
			v.cfg.Logger.Info("vault: refreshed due sellers", "refreshed", rep.Refreshed, "failed", rep.Failed, "reauthorize", rep.Reauthorize)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
