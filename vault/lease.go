package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// The lease: a seller's refresh is taken by writing lease_owner and
// lease_until (by the database's clock) in one short statement, never by
// a transaction or lock held across the request to Square. A holder that
// dies blocks the others until lease_until, no longer.

// pollEvery is how often a caller waiting for another instance's refresh
// looks at the row.
const pollEvery = 25 * time.Millisecond

// claim takes the lease on the row as read (same version). false means
// another instance took it or changed the row first.
func (v *Vault) claim(ctx context.Context, r *row) (bool, error) {
	res, err := v.db.ExecContext(ctx, v.sql.claim, r.merchantID, v.owner, v.cfg.Lease.Milliseconds(), r.version)
	if err != nil {
		return false, fmt.Errorf("vault: taking the refresh of seller %q: %w", r.merchantID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// release gives a lease back without changing the token.
func (v *Vault) release(ctx context.Context, r *row) {
	if _, err := v.db.ExecContext(ctx, v.sql.release, r.merchantID, r.version, v.owner); err != nil {
		// Harmless: the lease expires by itself.
		v.cfg.Logger.Warn("vault: releasing a lease failed", "merchant_id", r.merchantID, "error", err)
	}
}

// wait polls the row until its version moves past version (another
// instance wrote it), its lease ends, or ctx ends.
func (v *Vault) wait(ctx context.Context, merchantID string, version int64) error {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("vault: waiting for another instance's refresh of seller %q: %w", merchantID, ctx.Err())
		case <-t.C:
		}
		var seen, until, now int64
		err := v.db.QueryRowContext(ctx, v.sql.poll, merchantID).Scan(&seen, &until, &now)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil // deleted: the caller's next read says so
		case err != nil:
			return fmt.Errorf("vault: waiting for another instance's refresh of seller %q: %w", merchantID, err)
		case seen != version || until <= now:
			return nil
		}
	}
}
