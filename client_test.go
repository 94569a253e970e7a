package squareoauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
	"golang.org/x/oauth2"
)

func TestFullFlow(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()

	tok := f.obtain(t, "MERCHANT_PROFILE_READ", "PAYMENTS_READ")
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.MerchantID != testMerchantID || tok.TokenType != "bearer" {
		t.Fatalf("ObtainToken = %+v; want access and refresh tokens for %s", tok, testMerchantID)
	}

	st, err := f.client.RetrieveTokenStatus(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("RetrieveTokenStatus: %v", err)
	}
	if st.ClientID != testClientID || st.MerchantID != testMerchantID || st.ExpiresAt != tok.ExpiresAt {
		t.Errorf("status = %+v; want client %s, merchant %s, expiry %s", st, testClientID, testMerchantID, tok.ExpiresAt)
	}
	if got, want := strings.Join(st.Scopes, " "), "MERCHANT_PROFILE_READ PAYMENTS_READ"; got != want {
		t.Errorf("scopes = %q; want %q", got, want)
	}

	refreshed, err := f.client.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeRefreshToken, RefreshToken: tok.RefreshToken})
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if refreshed.AccessToken == tok.AccessToken || refreshed.RefreshToken != tok.RefreshToken {
		t.Errorf("code-flow refresh: want a new access token and the same refresh token")
	}

	rv, err := f.client.RevokeToken(ctx, squareoauth.RevokeTokenRequest{AccessToken: refreshed.AccessToken})
	if err != nil || !rv.Success {
		t.Fatalf("RevokeToken = %+v, %v; want success", rv, err)
	}
	for _, access := range []string{tok.AccessToken, refreshed.AccessToken} {
		_, err = f.client.RetrieveTokenStatus(ctx, access)
		if e := asError(t, err); e.StatusCode != http.StatusUnauthorized || !e.HasCode("UNAUTHORIZED") {
			t.Errorf("status after revoke: %v; want 401 UNAUTHORIZED", err)
		}
		assertNoSecrets(t, err, access, testClientSecret)
	}
}

func TestPKCEFlow(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *squareoauth.Config) { c.ClientSecret = "" })
	ctx := t.Context()
	const verifier = "pkce-CANARY-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
	code := f.fake.AuthorizePKCE(testMerchantID, oauth2.S256ChallengeFromVerifier(verifier), "PAYMENTS_READ")

	tok, err := f.client.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code, CodeVerifier: verifier})
	if err != nil {
		t.Fatalf("PKCE exchange: %v", err)
	}
	if tok.RefreshTokenExpiresAt == "" {
		t.Errorf("PKCE token has no refresh_token_expires_at")
	}
	if body := string(f.lastRequest(t).Body); strings.Contains(body, "client_secret") {
		t.Errorf("PKCE exchange sent a client_secret: %s", body)
	}

	rotated, err := f.client.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeRefreshToken, RefreshToken: tok.RefreshToken})
	if err != nil {
		t.Fatalf("PKCE refresh: %v", err)
	}
	if rotated.RefreshToken == tok.RefreshToken {
		t.Errorf("PKCE refresh returned the same refresh token; want a rotated one")
	}
	_, err = f.client.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeRefreshToken, RefreshToken: tok.RefreshToken})
	if e := asError(t, err); e.StatusCode/100 != 4 {
		t.Errorf("reusing a spent PKCE refresh token: %v; want a 4xx *Error", err)
	}
	assertNoSecrets(t, err, tok.RefreshToken, rotated.RefreshToken, verifier)

	// A PKCE-only application cannot revoke: that needs the secret.
	_, err = f.client.RevokeToken(ctx, squareoauth.RevokeTokenRequest{AccessToken: rotated.AccessToken})
	var ie *squareoauth.InputError
	if !errors.As(err, &ie) || ie.Field != "Config.ClientSecret" {
		t.Errorf("RevokeToken without a secret: %v; want an *InputError for Config.ClientSecret", err)
	}
}

func TestMigrationToken(t *testing.T) {
	t.Parallel()
	f := setup(t)
	legacy := f.fake.IssueLegacyToken(testMerchantID)
	tok, err := f.client.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeMigrationToken, MigrationToken: legacy})
	if err != nil || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("migration = %+v, %v; want new access and refresh tokens", tok, err)
	}
}

// TestHeaderRules checks the exact headers each endpoint sends.
func TestHeaderRules(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tok := f.obtain(t)
	obtainReq := f.lastRequest(t)
	if _, err := f.client.RetrieveTokenStatus(t.Context(), tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	statusReq := f.lastRequest(t)
	if _, err := f.client.RevokeToken(t.Context(), squareoauth.RevokeTokenRequest{AccessToken: tok.AccessToken}); err != nil {
		t.Fatal(err)
	}
	revokeReq := f.lastRequest(t)
	f.pkceToken(t, time.Hour) // the Config has a secret; PKCE must not send it
	pkceReq := f.lastRequest(t)

	absent := "(absent)"
	tests := []struct {
		name             string
		req              fakesquare.Request
		path             string
		authorization    string
		contentType      string
		wantBodyClientID bool
		wantBodySecret   bool
	}{
		{"ObtainToken", obtainReq, "/oauth2/token", absent, "application/json", true, true},
		{"ObtainToken with PKCE", pkceReq, "/oauth2/token", absent, "application/json", true, false},
		{"RevokeToken", revokeReq, "/oauth2/revoke", "Client " + testClientSecret, "application/json", true, false},
		{"RetrieveTokenStatus", statusReq, "/oauth2/token/status", "Bearer " + tok.AccessToken, absent, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := func(name string) string {
				if v, ok := tt.req.Header[http.CanonicalHeaderKey(name)]; ok {
					return strings.Join(v, ",")
				}
				return absent
			}
			checks := map[string]string{
				"Authorization":  tt.authorization,
				"Content-Type":   tt.contentType,
				"Square-Version": squareoauth.DefaultSquareVersion,
				"Accept":         "application/json",
				"User-Agent":     "squareoauth-go/" + squareoauth.Version,
			}
			for name, want := range checks {
				if got := header(name); got != want {
					t.Errorf("%s: got %q; want %q", name, got, want)
				}
			}
			if tt.req.Method != http.MethodPost || tt.req.Path != tt.path {
				t.Errorf("request: got %s %s; want POST %s", tt.req.Method, tt.req.Path, tt.path)
			}
			body := string(tt.req.Body)
			if got := strings.Contains(body, `"client_id":"`+testClientID+`"`); got != tt.wantBodyClientID {
				t.Errorf("body %s: has client_id = %v; want %v", body, got, tt.wantBodyClientID)
			}
			if got := strings.Contains(body, testClientSecret); got != tt.wantBodySecret {
				t.Errorf("body %s: has client_secret = %v; want %v", body, got, tt.wantBodySecret)
			}
			if tt.name == "RetrieveTokenStatus" && len(tt.req.Body) != 0 {
				t.Errorf("RetrieveTokenStatus sent a body: %q", body)
			}
		})
	}
}

func TestSquareVersionOverride(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *squareoauth.Config) { c.SquareVersion = "2024-01-18" })
	f.obtain(t)
	if got := f.lastRequest(t).Header.Get("Square-Version"); got != "2024-01-18" {
		t.Errorf("Square-Version: got %q; want %q", got, "2024-01-18")
	}
}

// TestRequestFieldsFromCallerWin checks that a request's own client_id and
// client_secret are not overwritten by the Config's.
func TestRequestFieldsFromCallerWin(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *squareoauth.Config) { c.ClientSecret = "sq0csp-wrong-secret-from-config" })
	_, err := f.client.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
		GrantType:    squareoauth.GrantTypeAuthorizationCode,
		Code:         f.fake.Authorize(testMerchantID),
		ClientSecret: testClientSecret,
	})
	if err != nil {
		t.Fatalf("ObtainToken with the request's own secret: %v", err)
	}
}

func TestRawClientSharesHeaders(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tok := f.obtain(t)
	res, err := f.client.Raw().RetrieveTokenStatusWithResponse(t.Context(), func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode() != http.StatusOK || res.JSON200 == nil || res.JSON200.MerchantID != testMerchantID {
		t.Fatalf("raw status call: %d %s", res.StatusCode(), res.Body)
	}
	if got := f.lastRequest(t).Header.Get("Square-Version"); got != squareoauth.DefaultSquareVersion {
		t.Errorf("raw call Square-Version: got %q; want %q", got, squareoauth.DefaultSquareVersion)
	}
}

func TestConfigAndClientPrintNoSecret(t *testing.T) {
	t.Parallel()
	cfg := squareoauth.Config{ClientID: testClientID, ClientSecret: testClientSecret}
	c, err := squareoauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecrets(t, cfg, testClientSecret)
	assertNoSecrets(t, &cfg, testClientSecret)
	assertNoSecrets(t, c, testClientSecret)
	if s := fmt.Sprint(c); !strings.Contains(s, testClientID) || !strings.Contains(s, "[REDACTED]") {
		t.Errorf("Client prints as %q; want its ClientID and a redaction mark", s)
	}
	if s := fmt.Sprint(&squareoauth.Client{}); !strings.Contains(s, "squareoauth.Client{") {
		t.Errorf("a zero Client prints as %q", s)
	}
}
