package vault

import (
	"context"
	"fmt"
	"time"
)

// seenEvent reports whether the webhook event eventID was already handled.
func (v *Vault) seenEvent(ctx context.Context, eventID string) (bool, error) {
	var n int
	if err := v.db.QueryRowContext(ctx, v.sql.seenEvent, eventID).Scan(&n); err != nil {
		return false, fmt.Errorf("vault: looking up webhook event: %w", err)
	}
	return n > 0, nil
}

// revokedReason is the LastError of a seller whose authorization Square
// reported revoked.
const revokedReason = "Square reported the authorization revoked (oauth.authorization.revoked)"

// applyRevocation records the webhook event eventID and, in the same
// transaction, unless revokedAt is earlier than the seller's latest Save
// or Connect (Square retries a delivery for up to 72 hours, so an old
// revocation can arrive after the seller authorized again), wipes the
// seller's tokens and sets StateReauthorize. An event already recorded
// changes nothing; an unknown seller is recorded and nothing else. applied
// reports whether a seller was changed.
func (v *Vault) applyRevocation(ctx context.Context, eventID, merchantID string, revokedAt time.Time) (applied bool, err error) {
	tx, err := v.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("vault: applying a revocation: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, v.sql.recordEvent, eventID)
	if err != nil {
		return false, fmt.Errorf("vault: recording webhook event: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err // already handled
	}
	res, err = tx.ExecContext(ctx, v.sql.revoke, merchantID, revokedReason, revokedAt.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("vault: revoking seller %q: %w", merchantID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("vault: applying a revocation: %w", err)
	}
	if n > 0 {
		v.pending.drop(merchantID)
		v.cfg.Logger.Warn("vault: authorization revoked", "merchant_id", merchantID)
	}
	return n > 0, nil
}
