package squareoauth_test

// Token and ObtainTokenResponse.Token: what a stored token holds.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
)

func TestObtainTokenResponseToken(t *testing.T) {
	t.Parallel()
	good := squareoauth.ObtainTokenResponse{AccessToken: "EAAA-a", RefreshToken: "EQAA-r", MerchantID: "M1234567",
		ExpiresAt: "2025-04-03T18:31:06Z", RefreshTokenExpiresAt: "2025-06-02T18:31:06+02:00", ShortLived: true}
	tok, err := good.Token()
	if err != nil {
		t.Fatal(err)
	}
	want := squareoauth.Token{AccessToken: "EAAA-a", RefreshToken: "EQAA-r", MerchantID: "M1234567",
		ExpiresAt:             time.Date(2025, 4, 3, 18, 31, 6, 0, time.UTC),
		RefreshTokenExpiresAt: time.Date(2025, 6, 2, 16, 31, 6, 0, time.UTC), ShortLived: true}
	if tok.AccessToken != want.AccessToken || tok.RefreshToken != want.RefreshToken || tok.MerchantID != want.MerchantID ||
		!tok.ExpiresAt.Equal(want.ExpiresAt) || !tok.RefreshTokenExpiresAt.Equal(want.RefreshTokenExpiresAt) || !tok.ShortLived {
		t.Errorf("got %+v; want %+v", tok, want)
	}
	for _, bad := range []squareoauth.ObtainTokenResponse{
		{AccessToken: "EAAA-a", ExpiresAt: ""},
		{AccessToken: "EAAA-a", ExpiresAt: "next tuesday"},
		{AccessToken: "EAAA-a", ExpiresAt: "2025-04-03 18:31:06"},
		{AccessToken: "EAAA-a", ExpiresAt: "2025-04-03T18:31:06Z", RefreshTokenExpiresAt: "soon"},
	} {
		if _, err := bad.Token(); err == nil {
			t.Errorf("Token() of %+v: got no error; want one for the unparsable time", bad)
		}
	}
}

func TestTokenPrintsNoSecrets(t *testing.T) {
	t.Parallel()
	tok := squareoauth.Token{AccessToken: "EAAA-CANARY-access", RefreshToken: "EQAA-CANARY-refresh", MerchantID: "M1234567"}
	assertNoSecrets(t, tok, tok.AccessToken, tok.RefreshToken)
	assertNoSecrets(t, &tok, tok.AccessToken, tok.RefreshToken)
	// Inside a slice fmt still calls String; slog's JSON handler uses
	// encoding/json there, which by design stays complete.
	list := []squareoauth.Token{tok}
	for _, form := range []string{fmt.Sprint(list), fmt.Sprintf("%+v", list), fmt.Sprintf("%#v", list), fmt.Sprintf("%s", list)} {
		if strings.Contains(form, tok.AccessToken) || strings.Contains(form, tok.RefreshToken) {
			t.Errorf("[]Token prints a secret: %q", form)
		}
	}
}
