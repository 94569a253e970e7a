package squareoauth

import (
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

// Token converts the answer of ObtainToken into a Token. Square's expires_at
// is an RFC 3339 string; a missing or unparsable one is an error rather than
// a zero time that would look like "never expires".
func (r *ObtainTokenResponse) Token() (Token, error) {
	expires, err := time.Parse(time.RFC3339, r.ExpiresAt)
	if err != nil {
		return Token{}, fmt.Errorf("squareoauth: the answer's expires_at is not an RFC 3339 time")
	}
	tok := Token{
		AccessToken:  r.AccessToken,
		RefreshToken: r.RefreshToken,
		MerchantID:   r.MerchantID,
		ExpiresAt:    expires,
		ShortLived:   r.ShortLived,
	}
	if r.RefreshTokenExpiresAt != "" {
		if tok.RefreshTokenExpiresAt, err = time.Parse(time.RFC3339, r.RefreshTokenExpiresAt); err != nil {
			return Token{}, fmt.Errorf("squareoauth: the answer's refresh_token_expires_at is not an RFC 3339 time")
		}
	}
	return tok, nil
}

// oauth2Token is the Token as golang.org/x/oauth2 wants it, for
// oauth2.NewClient and the libraries built on it. The refresh token stays
// out: this package refreshes, and an oauth2.Token prints it in clear.
func (t Token) oauth2Token() *oauth2.Token {
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer", Expiry: t.ExpiresAt}
}

// String shows the Token without its secrets.
func (t Token) String() string {
	return fmt.Sprintf("squareoauth.Token{AccessToken:%s, RefreshToken:%s, MerchantID:%q, ExpiresAt:%s, RefreshTokenExpiresAt:%s, ShortLived:%t}",
		mark(t.AccessToken), mark(t.RefreshToken), t.MerchantID,
		timeString(t.ExpiresAt), timeString(t.RefreshTokenExpiresAt), t.ShortLived)
}

// GoString is String, for %#v.
func (t Token) GoString() string { return t.String() }

// timeString is RFC 3339, or "none" for the zero time.
func timeString(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.Format(time.RFC3339)
}
