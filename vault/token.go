package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/squareoauth/squareoauth"
	"golang.org/x/oauth2"
)

// Token returns a seller's stored token, refresh token included, refreshed
// first when it is due. A fresh token costs one database round trip and no
// request to Square.
//
// However many goroutines and processes ask for a due seller at once, one
// of them refreshes it (one request to Square) and all get the new token.
// When an early refresh fails for a passing reason while the access token
// still works, the current token is returned and the refresh is retried
// later, with a backoff every instance shares. errors.Is(err,
// ErrReauthorize) when the seller must authorize again; ErrNotFound for an
// unknown seller.
//
// ctx bounds the caller's wait; a refresh, once sent, runs to its end (at
// most three quarters of Config.Lease) so that a PKCE answer is stored.
func (v *Vault) Token(ctx context.Context, merchantID string) (squareoauth.Token, error) {
	if merchantID == "" {
		return squareoauth.Token{}, inputErr("merchantID", "is empty")
	}
	if err := v.flush(ctx, merchantID); err != nil {
		return squareoauth.Token{}, err
	}
	if tok, ok, err := v.fresh(ctx, merchantID); ok || err != nil {
		return tok, err
	}
	return v.refreshShared(ctx, merchantID)
}

// fresh is Token's hot path, one statement: the token of an active seller
// not yet due. ok is false when there is more to decide (due, backing off,
// not active), which refresh does from the whole row.
func (v *Vault) fresh(ctx context.Context, merchantID string) (tok squareoauth.Token, ok bool, err error) {
	r := row{merchantID: merchantID}
	err = v.hotStmt.QueryRowContext(ctx, merchantID).Scan(&r.state, &r.keyID, &r.sealed,
		&r.expiresAt, &r.refreshAt, &r.rtExpiresAt, &r.shortLived)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return tok, false, fmt.Errorf("%w: %q", ErrNotFound, merchantID)
	case err != nil:
		return tok, false, fmt.Errorf("vault: reading seller %q: %w", merchantID, err)
	case r.state != StateActive || time.Now().UnixMilli() >= r.refreshAt:
		return tok, false, nil
	}
	tok, err = v.token(&r)
	return tok, err == nil, err
}

// fromRow decides a call from the row alone: done is false when the token
// must be refreshed first.
func (v *Vault) fromRow(r *row, now time.Time) (tok squareoauth.Token, done bool, err error) {
	if r.state != StateActive {
		return squareoauth.Token{}, true, &reauthorizeError{merchantID: r.merchantID, reason: r.lastError}
	}
	tok, err = v.token(r)
	if err != nil {
		return squareoauth.Token{}, true, err
	}
	if now.UnixMilli() < r.refreshAt {
		return tok, true, nil
	}
	if r.retryAt > r.dbNow && usable(tok, now) { // backing off after a passing failure
		return tok, true, nil
	}
	return tok, false, nil
}

// refreshShared runs one refresh of merchantID for all of this process's
// callers, detached from ctx so that it ends even if they give up.
func (v *Vault) refreshShared(ctx context.Context, merchantID string) (squareoauth.Token, error) {
	ch := v.flight.DoChan(merchantID, func() (any, error) {
		detached, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*v.cfg.Lease)
		defer cancel()
		tok, _, err := v.refresh(detached, merchantID)
		return tok, err
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return squareoauth.Token{}, res.Err
		}
		return res.Val.(squareoauth.Token), nil
	case <-ctx.Done():
		return squareoauth.Token{}, fmt.Errorf("vault: waiting for the refresh of seller %q: %w", merchantID, ctx.Err())
	}
}

// TokenSource returns an oauth2.TokenSource over Token for one seller, for
// oauth2.NewClient and the libraries built on golang.org/x/oauth2.
func (v *Vault) TokenSource(merchantID string) oauth2.TokenSource {
	return tokenSource{v: v, merchantID: merchantID}
}

type tokenSource struct {
	v          *Vault
	merchantID string
}

// Token implements oauth2.TokenSource. The refresh token stays out: the
// vault refreshes, and an oauth2.Token prints its fields in clear.
func (s tokenSource) Token() (*oauth2.Token, error) {
	tok, err := s.v.Token(context.Background(), s.merchantID)
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: tok.AccessToken, TokenType: "Bearer", Expiry: tok.ExpiresAt}, nil
}
