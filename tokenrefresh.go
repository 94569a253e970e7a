package squareoauth

import (
	"context"
	"fmt"
	"time"
)

// This file exposes, for stores that keep tokens outside a TokenSource
// (such as the vault module), the two decisions a TokenSource makes: when a
// token is due, and how one refresh request is made and judged.

// RefreshAt is when a TokenSource with the default margin would refresh t:
// once fewer than 23 days are left of a 30-day token, or 6 hours of a
// short-lived one, following Square's advice to renew access tokens every
// 7 days or less.
func (t Token) RefreshAt() time.Time {
	return (&TokenSource{margin: -1}).snapshot(t).refreshAt
}

// HasClientSecret reports whether c was configured with a client secret,
// which RevokeToken needs.
func (c *Client) HasClientSecret() bool { return c.clientSecret != "" }

// Refresh makes one refresh_token request for tok, exactly as a TokenSource
// does, and returns the new Token: a PKCE refresh token (one with a
// RefreshTokenExpiresAt) is sent without the client secret so that Square
// rotates it, a short-lived token stays short-lived, and a code-flow answer
// without a refresh token keeps tok's. Refresh keeps no state and does not
// retry after Square may have acted.
//
// A *RefreshError means the seller must authorize again: Square refused the
// refresh with its own error, the stored token is malformed, or tok has no
// refresh token or its refresh token expired (then nothing is sent). Any
// other error is passing (network, 5xx, 429, an answer without Square's
// errors). When Square answered with tokens it could not date, the error is
// returned with a Token holding the new refresh token, which must be stored:
// with PKCE the old one is spent.
func (c *Client) Refresh(ctx context.Context, tok Token) (Token, error) {
	if reason := cannotRefresh(tok, time.Now()); reason != "" {
		return Token{}, &RefreshError{reason: reason}
	}
	pkce := !tok.RefreshTokenExpiresAt.IsZero()
	resp, err := c.obtainToken(ctx, ObtainTokenRequest{
		GrantType:    GrantTypeRefreshToken,
		RefreshToken: tok.RefreshToken,
		ShortLived:   tok.ShortLived,
	}, !pkce, tok.AccessToken)
	if err != nil {
		if refused(err) {
			return Token{}, &RefreshError{err: err}
		}
		return Token{}, fmt.Errorf("squareoauth: refreshing the token: %w", err)
	}
	next, err := resp.Token()
	if err != nil {
		kept := tok
		if resp.RefreshToken != "" {
			kept.RefreshToken = resp.RefreshToken
		}
		return kept, err
	}
	if next.RefreshToken == "" {
		next.RefreshToken = tok.RefreshToken
		next.RefreshTokenExpiresAt = tok.RefreshTokenExpiresAt
	}
	if next.MerchantID == "" {
		next.MerchantID = tok.MerchantID
	}
	return next, nil
}
