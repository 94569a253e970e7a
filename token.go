package squareoauth

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// Token is a seller's OAuth credentials with Square's timestamps parsed.
// Printing a Token with any verb shows neither token; encode it with
// encoding/json (or your own format) to store it.
type Token struct {
	// AccessToken goes in "Authorization: Bearer" to Square's other APIs.
	AccessToken string
	// RefreshToken gets the next access token; with PKCE it is single-use.
	RefreshToken string
	// MerchantID is the seller the tokens act for.
	MerchantID string
	// ExpiresAt is when AccessToken stops working: 30 days after issue, or
	// 24 hours for a short-lived token.
	ExpiresAt time.Time
	// RefreshTokenExpiresAt is when a PKCE refresh token expires (90 days);
	// zero for the code flow, whose refresh tokens do not expire. Store it
	// with the token: TokenSource tells a PKCE refresh token by it, and
	// refreshes one without the client secret so that Square rotates it.
	RefreshTokenExpiresAt time.Time
	// ShortLived is set for a 24-hour access token.
	ShortLived bool
}

// Token converts the answer of ObtainToken into a Token. An answer without
// an access token, or whose expires_at cannot be read as a time (see
// parseTime), is an error naming the field, rather than a Token that would
// look valid or never expire. The field's value is not quoted: a hostile
// answer chooses it.
func (r *ObtainTokenResponse) Token() (Token, error) {
	if r.AccessToken == "" {
		return Token{}, errors.New("squareoauth: the answer has no access_token")
	}
	expires, err := parseTime(r.ExpiresAt)
	if err != nil {
		return Token{}, fmt.Errorf("squareoauth: the answer's expires_at: %w", err)
	}
	tok := Token{
		AccessToken:  r.AccessToken,
		RefreshToken: r.RefreshToken,
		MerchantID:   r.MerchantID,
		ExpiresAt:    expires,
		ShortLived:   r.ShortLived,
	}
	if r.RefreshTokenExpiresAt != "" {
		if tok.RefreshTokenExpiresAt, err = parseTime(r.RefreshTokenExpiresAt); err != nil {
			return Token{}, fmt.Errorf("squareoauth: the answer's refresh_token_expires_at: %w", err)
		}
	}
	return tok, nil
}

// timeLayouts are the timestamp forms parseTime reads. Square documents
// its timestamps as RFC 3339, in UTC ("Z") or with a "±hh:mm" offset
// (https://developer.squareup.com/docs/build-basics/common-data-types/working-with-dates),
// while the OAuth spec only promises ISO 8601. So besides RFC 3339 (with
// or without fractional seconds, which time.Parse accepts after the
// seconds in any layout), the ISO 8601 offsets without a colon ("+0000")
// or without minutes ("+00") are read, and so are the zone-less forms of
// Square's Connect v1 API ("2006-01-02T15:04:05", "2006-01-02T15:04"),
// taken as UTC, as Square's timestamps are: should one be local time in
// the Americas, UTC makes it early, so the token is refreshed early rather
// than late.
var timeLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05Z07",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
}

// parseTime reads one of Square's timestamps (see timeLayouts). A missing
// one is an error, not a zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not an ISO 8601 date and time")
}

// oauth2Token is the Token as golang.org/x/oauth2 wants it, for
// oauth2.NewClient and the libraries built on it. The refresh token stays
// out: this package refreshes, and an oauth2.Token prints it in clear.
func (t Token) oauth2Token() *oauth2.Token {
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer", Expiry: t.ExpiresAt}
}
