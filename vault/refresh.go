package vault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/squareoauth/squareoauth"
)

// outcome is what one refresh attempt came to, for RefreshDue's Report.
type outcome int

const (
	outcomeNone        outcome = iota // nothing sent: fresh, backing off, or refreshed by another
	outcomeRefreshed                  // this instance refreshed and stored the token
	outcomeFailed                     // a passing failure, or the new token could not be stored
	outcomeReauthorize                // the seller must authorize again
)

const (
	// firstRetry is the backoff after the first passing failure; it
	// doubles with every further one, up to maxRetry.
	firstRetry = 30 * time.Second
	maxRetry   = time.Hour
)

func backoff(failures int64) time.Duration {
	d := firstRetry
	for i := int64(0); i < failures && d < maxRetry; i++ {
		d *= 2
	}
	return min(d, maxRetry)
}

// refresh brings a seller's token up to date across instances: read the
// row; if fresh (or backing off), done; if another instance holds the
// lease, wait for its write or its lease's end and read again; otherwise
// take the lease on the row as read and refresh.
func (v *Vault) refresh(ctx context.Context, merchantID string) (squareoauth.Token, outcome, error) {
	for {
		r, err := v.load(ctx, merchantID)
		if err != nil {
			return squareoauth.Token{}, outcomeFailed, err
		}
		tok, done, err := v.fromRow(r, time.Now())
		switch {
		case done && err != nil && errors.Is(err, ErrReauthorize):
			return tok, outcomeReauthorize, err
		case done && err != nil:
			return tok, outcomeFailed, err
		case done:
			return tok, outcomeNone, nil
		case r.leaseUntil > r.dbNow:
			if err := v.wait(ctx, merchantID, r.version); err != nil {
				return squareoauth.Token{}, outcomeFailed, err
			}
			continue
		}
		took, err := v.claim(ctx, r)
		if err != nil {
			return squareoauth.Token{}, outcomeFailed, err
		}
		if took {
			return v.refreshHeld(ctx, v.db, r, tok)
		}
	}
}

// refreshHeld refreshes the token of a row whose lease this instance holds
// and which is unchanged since it was read, and writes the outcome through
// w with a compare-and-set on the version read.
func (v *Vault) refreshHeld(ctx context.Context, w execer, r *row, tok squareoauth.Token) (squareoauth.Token, outcome, error) {
	now := time.Now()
	if tok.RefreshToken == "" || (!tok.RefreshTokenExpiresAt.IsZero() && !now.Before(tok.RefreshTokenExpiresAt)) {
		if usable(tok, now) { // hand it out until it expires, never refresh with nothing
			_, err := w.ExecContext(ctx, v.sql.deferRefresh, r.merchantID, r.version, toMS(tok.ExpiresAt.Add(-expiryDelta)))
			if err != nil {
				return tok, outcomeFailed, fmt.Errorf("vault: storing seller %q: %w", r.merchantID, err)
			}
			return tok, outcomeNone, nil
		}
		reason := "the access token expired and there is no refresh token"
		if tok.RefreshToken != "" {
			reason = "the access token and the PKCE refresh token expired"
		}
		return v.markReauthorize(ctx, w, r, reason, nil)
	}

	call, cancel := context.WithTimeout(ctx, v.cfg.Lease*3/4)
	next, err := v.cfg.Client.Refresh(call, tok)
	cancel()
	var refusal *squareoauth.RefreshError
	switch {
	case err == nil:
		return v.store(ctx, w, r, next)
	case errors.As(err, &refusal):
		return v.markReauthorize(ctx, w, r, err.Error(), err)
	case next.RefreshToken != "":
		// Square issued tokens it could not date: store the new refresh
		// token (with PKCE the old one is spent) and retry later.
		st, sealErr := v.sealToken(next, false)
		if sealErr != nil {
			return tok, outcomeFailed, errors.Join(err, sealErr)
		}
		if _, dbErr := w.ExecContext(ctx, v.sql.keepRefreshToken, r.merchantID, r.version,
			st.keyID, st.sealed, st.expiresAt, st.refreshAt, st.rtExpiresAt, st.shortLived,
			backoff(r.failures).Milliseconds(), err.Error()); dbErr != nil {
			return tok, outcomeFailed, v.keep(r.merchantID, &pendingWrite{st: st, version: r.version, err: errors.Join(err, dbErr)})
		}
		return tok, outcomeFailed, fmt.Errorf("vault: refreshing seller %q: %w", r.merchantID, err)
	}
	// A passing failure: every instance backs off until retry_at.
	v.cfg.Logger.Warn("vault: refresh failed; retrying later", "merchant_id", r.merchantID,
		"retry_in", backoff(r.failures), "error", err)
	if _, dbErr := w.ExecContext(ctx, v.sql.failed, r.merchantID, r.version, backoff(r.failures).Milliseconds(), err.Error()); dbErr != nil {
		err = errors.Join(err, dbErr)
	}
	if usable(tok, now) {
		return tok, outcomeFailed, nil
	}
	return squareoauth.Token{}, outcomeFailed, fmt.Errorf("vault: seller %q's access token expired and refreshing it failed: %w", r.merchantID, err)
}

// store writes a refreshed token before anyone gets it: with PKCE the
// refresh token it replaces is spent. A failed write keeps it in memory.
func (v *Vault) store(ctx context.Context, w execer, r *row, next squareoauth.Token) (squareoauth.Token, outcome, error) {
	st, err := v.sealToken(next, true)
	if err != nil {
		return squareoauth.Token{}, outcomeFailed, err
	}
	landed, err := v.writeRefreshed(ctx, w, r.merchantID, r.version, st)
	if err != nil {
		return squareoauth.Token{}, outcomeFailed, v.keep(r.merchantID, &pendingWrite{st: st, version: r.version, err: err})
	}
	if !landed {
		// A Save or a revocation landed during the request: it outranks
		// this refresh. Hand out what is stored now.
		cur, err := v.load(ctx, r.merchantID)
		if err != nil {
			return squareoauth.Token{}, outcomeFailed, err
		}
		tok, _, err := v.fromRow(cur, time.Now())
		return tok, outcomeNone, err
	}
	v.cfg.Logger.Debug("vault: refreshed", "merchant_id", r.merchantID, "expires_at", next.ExpiresAt)
	return next, outcomeRefreshed, nil
}

// markReauthorize records that the seller must authorize again, wiping its
// tokens, so that no instance sends another request for it.
func (v *Vault) markReauthorize(ctx context.Context, w execer, r *row, reason string, cause error) (squareoauth.Token, outcome, error) {
	v.cfg.Logger.Error("vault: the seller must authorize again", "merchant_id", r.merchantID, "reason", reason)
	rerr := &reauthorizeError{merchantID: r.merchantID, reason: reason, cause: cause}
	if _, err := w.ExecContext(ctx, v.sql.reauthorize, r.merchantID, r.version, reason); err != nil {
		return squareoauth.Token{}, outcomeReauthorize, errors.Join(rerr, fmt.Errorf("vault: recording it failed: %w", err))
	}
	return squareoauth.Token{}, outcomeReauthorize, rerr
}
