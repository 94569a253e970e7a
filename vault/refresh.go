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
	// minSendTime is the least time left of a lease for which a request
	// to Square is still sent.
	minSendTime = 250 * time.Millisecond
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
		case v.cannotRefreshCodeFlow(tok) && usable(tok, time.Now()):
			// Claiming the lease would only release it again: leave the
			// seller to an instance with the secret, without writing the
			// row on every call.
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

// cannotRefreshCodeFlow reports whether tok is a code-flow token and this
// Vault's Client has no client secret, which its refresh needs: without it
// Square refuses, and the refusal would read as the seller's. It says so
// in the log the first time, and not on every call.
func (v *Vault) cannotRefreshCodeFlow(tok squareoauth.Token) bool {
	if tok.RefreshToken == "" || !tok.RefreshTokenExpiresAt.IsZero() || v.cfg.Client.HasClientSecret() {
		return false
	}
	if v.noSecretLogged.CompareAndSwap(false, true) {
		v.cfg.Logger.Error("vault: cannot refresh code-flow tokens: Config.Client has no client secret; sellers are left to instances that have it")
	}
	return true
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

	if v.cannotRefreshCodeFlow(tok) {
		// This instance's configuration is at fault: leave the seller to
		// an instance that has the secret.
		v.release(ctx, r)
		err := fmt.Errorf("vault: seller %q holds a code-flow token, whose refresh needs the client secret, and Config.Client has none", r.merchantID)
		if usable(tok, now) {
			return tok, outcomeFailed, nil
		}
		return squareoauth.Token{}, outcomeFailed, err
	}
	if time.Until(v.sendBy(r)) < minSendTime {
		// Too little of the lease is left for a request: another
		// instance may take it over while the request is under way.
		v.release(ctx, r)
		err := fmt.Errorf("vault: the lease on seller %q ran out before its refresh could be sent", r.merchantID)
		if usable(tok, now) {
			return tok, outcomeFailed, nil
		}
		return squareoauth.Token{}, outcomeFailed, err
	}
	call, cancel := context.WithDeadline(ctx, v.sendBy(r))
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
			backoff(r.failures).Milliseconds(), storable(err.Error())); dbErr != nil {
			return tok, outcomeFailed, v.keep(r.merchantID, &pendingWrite{st: st, version: r.version, err: errors.Join(err, dbErr)})
		}
		return tok, outcomeFailed, fmt.Errorf("vault: refreshing seller %q: %w", r.merchantID, err)
	}
	// A passing failure: every instance backs off until retry_at.
	v.cfg.Logger.Warn("vault: refresh failed; retrying later", "merchant_id", r.merchantID,
		"retry_in", backoff(r.failures), "error", err)
	if _, dbErr := w.ExecContext(ctx, v.sql.failed, r.merchantID, r.version, backoff(r.failures).Milliseconds(), storable(err.Error())); dbErr != nil {
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
		return v.stored(ctx, r.merchantID)
	}
	v.cfg.Logger.Debug("vault: refreshed", "merchant_id", r.merchantID, "expires_at", next.ExpiresAt)
	return next, outcomeRefreshed, nil
}

// markReauthorize records that the seller must authorize again, wiping its
// tokens, so that no instance sends another request for it.
func (v *Vault) markReauthorize(ctx context.Context, w execer, r *row, reason string, cause error) (squareoauth.Token, outcome, error) {
	reason = storable(reason)
	rerr := &reauthorizeError{merchantID: r.merchantID, reason: reason, cause: cause}
	res, err := w.ExecContext(ctx, v.sql.reauthorize, r.merchantID, r.version, reason)
	if err != nil {
		v.cfg.Logger.Error("vault: the seller must authorize again; recording it failed", "merchant_id", r.merchantID, "reason", reason, "error", err)
		return squareoauth.Token{}, outcomeReauthorize, errors.Join(rerr, fmt.Errorf("vault: recording it failed: %w", err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		// The row moved on while the request was out: a Save, a
		// revocation, or another instance's refresh, which spent the
		// refresh token this request was refused for. What is stored now
		// is the answer, not this refusal.
		return v.stored(ctx, r.merchantID)
	}
	v.cfg.Logger.Error("vault: the seller must authorize again", "merchant_id", r.merchantID, "reason", reason)
	return squareoauth.Token{}, outcomeReauthorize, rerr
}

// stored hands out what the row holds now, after a write of this
// instance's lost to a newer one.
func (v *Vault) stored(ctx context.Context, merchantID string) (squareoauth.Token, outcome, error) {
	cur, err := v.load(ctx, merchantID)
	if err != nil {
		return squareoauth.Token{}, outcomeFailed, err
	}
	tok, _, err := v.fromRow(cur, time.Now())
	return tok, outcomeNone, err
}
