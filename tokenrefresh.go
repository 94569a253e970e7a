package squareoauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// This file exposes, for stores that keep tokens outside a TokenSource
// (such as the vault module), the two decisions a TokenSource makes: when a
// token is due, and how one refresh request is made and judged.

// Refresh timing. Square advises renewing access tokens every 7 days or
// less, so a 30-day token is refreshed once fewer than 23 days are left, and
// a 24-hour one once less than a quarter of its life is left.
const (
	defaultRefreshMargin    = 23 * 24 * time.Hour
	shortLivedRefreshMargin = 6 * time.Hour
	// expiryDelta treats a token as expired a little early, so that it does
	// not expire on the way to Square.
	expiryDelta = 10 * time.Second
)

// RefreshAt is when a TokenSource with the default margin would refresh t:
// once fewer than 23 days are left of a 30-day token, or 6 hours of a
// short-lived one, following Square's advice to renew access tokens every
// 7 days or less.
func (t Token) RefreshAt() time.Time { return refreshPoint(t, -1) }

// refreshPoint is when tok is due: once margin is left of its life, or by
// its kind's default when margin is negative.
func refreshPoint(tok Token, margin time.Duration) time.Time {
	if margin < 0 {
		margin = defaultRefreshMargin
		if tok.ShortLived {
			margin = shortLivedRefreshMargin
		}
	}
	return tok.ExpiresAt.Add(-max(margin, expiryDelta))
}

// HasClientSecret reports whether c was configured with a client secret,
// which RevokeToken needs.
func (c *Client) HasClientSecret() bool { return c.clientSecret != "" }

// Refresh makes one refresh_token request for tok, exactly as a
// TokenSource does, and returns the new Token: a PKCE refresh token (one
// with a RefreshTokenExpiresAt) is sent without the client secret so that
// Square rotates it, a short-lived token stays short-lived, and a code-flow
// answer without a refresh token keeps tok's (a PKCE one has none: the one
// sent is spent). Refresh keeps no state and does not retry after Square
// may have acted.
//
// A *RefreshError means the seller must authorize again: Square refused the
// refresh with its own error (for a code-flow token, only when Square also
// refuses the access token, asked with RetrieveTokenStatus while it has not
// expired: a refresh refused while the access token works points at the
// application's configuration, not the seller), the stored token is
// malformed, or tok has no refresh token or its refresh token expired (then
// nothing is sent). Any other error may pass: a network failure, a 5xx or
// 429, an answer without Square's error body, a success that cannot be used
// (no access token, an expiry that cannot be read or has passed), or a
// code-flow token given to a Client without a client secret (then nothing
// is sent). When such a success still
// carried a new refresh token, the error comes with tok holding it, which
// must be stored: with PKCE the old one is spent.
func (c *Client) Refresh(ctx context.Context, tok Token) (Token, error) {
	if reason := cannotRefresh(tok, time.Now()); reason != "" {
		return Token{}, &RefreshError{reason: reason}
	}
	// A PKCE refresh token goes without the secret, even when the Client
	// has one: Square then rotates it, as the PKCE flow expects.
	pkce := !tok.RefreshTokenExpiresAt.IsZero()
	if !pkce && c.clientSecret == "" {
		// Square can only refuse it, and the refusal would read as the
		// seller's: the fault is this Client's configuration.
		return Token{}, errors.New("squareoauth: a code-flow refresh token is refreshed with the client secret, and Config.ClientSecret is empty")
	}
	req := ObtainTokenRequest{
		GrantType:    GrantTypeRefreshToken,
		RefreshToken: tok.RefreshToken,
		ShortLived:   tok.ShortLived, // else Square answers with a 30-day token
	}
	if !pkce {
		req.ClientSecret = c.clientSecret
	}
	resp, err := c.obtainToken(ctx, req, tok.AccessToken)
	if err == nil {
		var next Token
		if next, err = successor(tok, resp, time.Now()); err == nil {
			return next, nil
		}
	}
	if refused(err) {
		if !pkce && c.accessStillGranted(ctx, tok) {
			return Token{}, fmt.Errorf("squareoauth: Square refused the refresh but still accepts the access token, so the authorization lives: check Config.ClientSecret and Config.SquareVersion: %w", err)
		}
		return Token{}, &RefreshError{err: err}
	}
	err = fmt.Errorf("squareoauth: refreshing the token: %w", err)
	if resp == nil || resp.RefreshToken == "" || resp.RefreshToken == tok.RefreshToken {
		return Token{}, err
	}
	kept := tok
	kept.RefreshToken = resp.RefreshToken
	// A rotated token whose expiry cannot be read keeps the old expiry,
	// which is earlier.
	if at, parseErr := parseTime(resp.RefreshTokenExpiresAt); parseErr == nil {
		kept.RefreshTokenExpiresAt = at
	}
	return kept, err
}

// accessStillGranted asks Square (RetrieveTokenStatus) whether tok's access
// token still works, after Square refused to refresh it. A refusal ends the
// authorization for good, so it is believed only when Square agrees: a
// revoked authorization fails the status call too, whereas an application
// misconfigured after the seller authorized it (a wrong or rotated client
// secret, a retired Square-Version) is refused the refresh while the access
// token still works, and must not cost every seller its authorization. An
// expired access token cannot tell the two apart, and a status call that
// fails for another reason (network, 5xx) is no refusal. Only a code-flow
// refresh token is asked about: it is multi-use, so refreshing again later
// is harmless, whereas a refused PKCE refresh token must never be sent again.
func (c *Client) accessStillGranted(ctx context.Context, tok Token) bool {
	if !time.Now().Before(tok.ExpiresAt.Add(-expiryDelta)) {
		return false
	}
	_, err := c.RetrieveTokenStatus(ctx, tok.AccessToken)
	var e *Error
	return err == nil || !(errors.As(err, &e) && e.square && e.StatusCode/100 == 4)
}

// successor is the Token an answer to prev's refresh issued, or why the
// answer cannot be used: no access token, an expiry that cannot be read, or
// one already past (handed out, it would fail; refreshed again at once, it
// would send a refresh per call).
func successor(prev Token, resp *ObtainTokenResponse, now time.Time) (Token, error) {
	next, err := resp.Token()
	if err != nil {
		return Token{}, err
	}
	if !now.Before(next.ExpiresAt.Add(-expiryDelta)) {
		return Token{}, errors.New("squareoauth: the answer's expires_at has already passed")
	}
	// The code flow may leave the refresh token out: it does not change.
	// A PKCE one was spent by this refresh, so without a new one the token
	// has none, and is handed out until it expires.
	if next.RefreshToken == "" && prev.RefreshTokenExpiresAt.IsZero() {
		next.RefreshToken = prev.RefreshToken
	}
	if next.MerchantID == "" {
		next.MerchantID = prev.MerchantID
	}
	return next, nil
}

// cannotRefresh says why tok cannot be refreshed at all, or "".
func cannotRefresh(tok Token, now time.Time) string {
	switch {
	case tok.RefreshToken == "":
		return "the access token expired and the token has no refresh token"
	case !tok.RefreshTokenExpiresAt.IsZero() && !now.Before(tok.RefreshTokenExpiresAt):
		return "the refresh token expired"
	}
	return ""
}

// refused reports whether the refresh failed for good: Square itself
// refused it, or the stored refresh token is malformed (an *InputError,
// before anything is sent). Square's refusal is a 4xx other than a timeout
// or a rate limit whose body is in one of Square's own error shapes (see
// decodeErrorBody). Anything else may pass: a bare or HTML 401 or 403 from
// a proxy or a captive portal, an API gateway's {"message":"Forbidden"}, a
// 5xx, a network failure.
func refused(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		s := e.StatusCode
		return s/100 == 4 && s != http.StatusRequestTimeout && s != http.StatusTooManyRequests && e.square
	}
	var ie *InputError
	return errors.As(err, &ie)
}
