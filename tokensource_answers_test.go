package squareoauth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// TestObtainTokenResponseTokenTimeForms: the spec promises only "ISO 8601"
// for expires_at; the forms Square could plausibly send are read.
func TestObtainTokenResponseTokenTimeForms(t *testing.T) {
	t.Parallel()
	want := time.Date(2025, 4, 3, 18, 31, 6, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"2025-04-03T18:31:06Z", want},
		{"2025-04-03T18:31:06.123Z", want.Add(123 * time.Millisecond)},
		{"2025-04-03T18:31:06.123456789Z", want.Add(123456789)},
		{"2025-04-03T11:31:06-07:00", want},
		{"2025-04-03T18:31:06+0000", want},
		{"2025-04-03T20:31:06.5+0200", want.Add(500 * time.Millisecond)},
		{"2025-04-03T18:31:06+00", want},
		{"2025-04-03T18:31:06", want},                    // no zone: UTC
		{"2025-04-03T18:31", want.Add(-6 * time.Second)}, // Connect v1's form
	} {
		resp := squareoauth.ObtainTokenResponse{AccessToken: "EAAA-a", ExpiresAt: tt.in, RefreshTokenExpiresAt: tt.in}
		tok, err := resp.Token()
		if err != nil {
			t.Errorf("Token() with %q: %v", tt.in, err)
			continue
		}
		if !tok.ExpiresAt.Equal(tt.want) || !tok.RefreshTokenExpiresAt.Equal(tt.want) {
			t.Errorf("Token() with %q: expires %v, refresh token expires %v; want %v", tt.in, tok.ExpiresAt, tok.RefreshTokenExpiresAt, tt.want)
		}
	}
	for _, bad := range []squareoauth.ObtainTokenResponse{
		{ExpiresAt: "2025-04-03T18:31:06Z"}, // no access token
		{AccessToken: "EAAA-a", ExpiresAt: "2025-04-03"},
		{AccessToken: "EAAA-a", ExpiresAt: "1743705066"},
	} {
		_, err := bad.Token()
		if err == nil {
			t.Errorf("Token() of %+v: got no error", bad)
		} else if bad.ExpiresAt != "" && strings.Contains(err.Error(), bad.ExpiresAt) {
			t.Errorf("error %q quotes the server's value", err)
		}
	}
}

// TestTokenSourceTellsSquareFromGateways: only a 4xx carrying Square's own
// error shape (category and code, or the legacy message and type) ends the
// authorization; what a gateway or proxy says in front of Square passes,
// and the current token is handed out meanwhile.
func TestTokenSourceTellsSquareFromGateways(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		status int
		body   string
		square bool
	}{
		{"API gateway JSON 403", 403, `{"message":"Forbidden"}`, false},
		{"proxy JSON 401", 401, `{"message":"Unauthorized"}`, false},
		{"type alone", 403, `{"type":"forbidden"}`, false},
		{"errors without a code", 403, `{"errors":[{"detail":"blocked by policy"}]}`, false},
		{"code without a category", 403, `{"errors":[{"code":"FORBIDDEN"}]}`, false},
		{"Square's legacy refusal", 400, `{"message":"cannot renew revoked token","type":"bad_request"}`, true},
		{"Square's refusal", 401, `{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"revoked"}]}`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			current := f.token(t, time.Hour)
			ts := f.client.TokenSource(current)
			f.fake.InjectFault(tokenPath, fakesquare.Fault{Status: tt.status, Header: jsonHeader(), Body: []byte(tt.body)})
			before := f.fake.Hits(tokenPath)
			for range 3 {
				got, err := ts.TokenContext(t.Context())
				var re *squareoauth.RefreshError
				if tt.square && !errors.As(err, &re) {
					t.Fatalf("got %v, %v; want a *RefreshError", got, err)
				}
				if !tt.square && (err != nil || got.AccessToken != current.AccessToken) {
					t.Fatalf("got %v, %v; want the current token", got, err)
				}
			}
			if n := f.fake.Hits(tokenPath) - before; n != 1 {
				t.Errorf("refresh requests: got %d; want 1", n)
			}
		})
	}
}
