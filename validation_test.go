package squareoauth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/squareoauth/squareoauth"
)

// TestNewRejectsBadConfig covers every Config problem New must refuse.
func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	valid := squareoauth.Config{ClientID: testClientID, ClientSecret: testClientSecret}
	tests := []struct {
		name  string
		edit  func(*squareoauth.Config)
		field string
	}{
		{"empty client ID", func(c *squareoauth.Config) { c.ClientID = "" }, "Config.ClientID"},
		{"client ID with space", func(c *squareoauth.Config) { c.ClientID = "sq0idp x" }, "Config.ClientID"},
		{"client ID too long", func(c *squareoauth.Config) { c.ClientID = strings.Repeat("a", 192) }, "Config.ClientID"},
		{"secret with CRLF", func(c *squareoauth.Config) { c.ClientSecret = testClientSecret + "\r\nX-Evil: 1" }, "Config.ClientSecret"},
		{"secret with tab", func(c *squareoauth.Config) { c.ClientSecret = "sq0csp\tabc" }, "Config.ClientSecret"},
		{"secret already prefixed", func(c *squareoauth.Config) { c.ClientSecret = "Client " + testClientSecret }, "Config.ClientSecret"},
		{"secret with Bearer prefix", func(c *squareoauth.Config) { c.ClientSecret = "bearer " + testClientSecret }, "Config.ClientSecret"},
		{"secret too short", func(c *squareoauth.Config) { c.ClientSecret = "x" }, "Config.ClientSecret"},
		{"secret with a zero-width space", func(c *squareoauth.Config) { c.ClientSecret = "sq0csp-\u200bsecret" }, "Config.ClientSecret"},
		{"secret with a byte-order mark", func(c *squareoauth.Config) { c.ClientSecret = "\ufeffsq0csp-secret" }, "Config.ClientSecret"},
		{"client ID with non-ASCII", func(c *squareoauth.Config) { c.ClientID = "sq0idp-é" }, "Config.ClientID"},
		{"URL without a host", func(c *squareoauth.Config) { c.BaseURL = "https:///oauth" }, "Config.BaseURL"},
		{"relative base URL", func(c *squareoauth.Config) { c.BaseURL = "connect.squareup.com" }, "Config.BaseURL"},
		{"plain http to a remote host", func(c *squareoauth.Config) { c.BaseURL = "http://connect.squareup.com" }, "Config.BaseURL"},
		{"plain http to a host named like localhost", func(c *squareoauth.Config) { c.BaseURL = "http://localhost.example.com" }, "Config.BaseURL"},
		{"plain http to a private address", func(c *squareoauth.Config) { c.BaseURL = "http://10.0.0.8:8080" }, "Config.BaseURL"},
		{"ftp scheme", func(c *squareoauth.Config) { c.BaseURL = "ftp://connect.squareup.com" }, "Config.BaseURL"},
		{"user info in URL", func(c *squareoauth.Config) { c.BaseURL = "https://user:" + testClientSecret + "@example.com" }, "Config.BaseURL"},
		{"query in URL", func(c *squareoauth.Config) { c.BaseURL = "https://example.com/?x=1" }, "Config.BaseURL"},
		{"bad Square-Version", func(c *squareoauth.Config) { c.SquareVersion = "2025-8-20" }, "Config.SquareVersion"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.edit(&cfg)
			c, err := squareoauth.New(cfg)
			var ie *squareoauth.InputError
			if !errors.As(err, &ie) || ie.Field != tt.field {
				t.Fatalf("New = %v, %v; want an *InputError for %s", c, err, tt.field)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not name %s", err, tt.field)
			}
			assertNoSecrets(t, err, testClientSecret)
		})
	}
}

// TestPrefixedCredentialIsNamed: a value pasted with its header scheme
// gets an error that says so, not just "whitespace".
func TestPrefixedCredentialIsNamed(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"Bearer EAAA-token", "bearer EAAA-token", "Client sq0csp-x", "CLIENT sq0csp-x"} {
		_, err := squareoauth.New(squareoauth.Config{ClientID: testClientID, ClientSecret: v})
		var ie *squareoauth.InputError
		if !errors.As(err, &ie) || !strings.Contains(ie.Reason, `without a "Bearer " or "Client " prefix`) {
			t.Errorf("secret %q: got %v; want the prefix named", v, err)
		}
	}
}

func TestNewAcceptsGoodConfig(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"", squareoauth.ProductionURL, squareoauth.SandboxURL,
		"https://proxy.example.com/square/", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"} {
		cfg := squareoauth.Config{ClientID: testClientID, BaseURL: base}
		if _, err := squareoauth.New(cfg); err != nil {
			t.Errorf("New with BaseURL %q: %v", base, err)
		}
	}
}

// TestBadInputSendsNothing drives every call with input it must refuse, and
// checks the error names the field and the fake received nothing.
func TestBadInputSendsNothing(t *testing.T) {
	t.Parallel()
	const (
		code     = "sq0cgb-CANARY-authorization-code"
		refresh  = "EQAA-CANARY-refresh-token-000001"
		access   = "EAAA-CANARY-access-token-0000001"
		verifier = "CANARY-code-verifier-000000000000000000000001"
	)
	noSecret := func(c *squareoauth.Config) { c.ClientSecret = "" }
	obtain := func(req squareoauth.ObtainTokenRequest) func(context.Context, *squareoauth.Client) error {
		return func(ctx context.Context, c *squareoauth.Client) error {
			_, err := c.ObtainToken(ctx, req)
			return err
		}
	}
	revoke := func(req squareoauth.RevokeTokenRequest) func(context.Context, *squareoauth.Client) error {
		return func(ctx context.Context, c *squareoauth.Client) error {
			_, err := c.RevokeToken(ctx, req)
			return err
		}
	}
	status := func(token string) func(context.Context, *squareoauth.Client) error {
		return func(ctx context.Context, c *squareoauth.Client) error {
			_, err := c.RetrieveTokenStatus(ctx, token)
			return err
		}
	}
	const (
		authCode = squareoauth.GrantTypeAuthorizationCode
		refreshG = squareoauth.GrantTypeRefreshToken
		migrate  = squareoauth.GrantTypeMigrationToken
	)
	tests := []struct {
		name  string
		cfg   func(*squareoauth.Config)
		call  func(context.Context, *squareoauth.Client) error
		field string
	}{
		{"no grant type", nil, obtain(squareoauth.ObtainTokenRequest{Code: code}), "ObtainTokenRequest.GrantType"},
		{"unknown grant type", nil, obtain(squareoauth.ObtainTokenRequest{GrantType: "password", Code: code}), "ObtainTokenRequest.GrantType"},
		{"authorization_code without code", nil, obtain(squareoauth.ObtainTokenRequest{GrantType: authCode}), "ObtainTokenRequest.Code"},
		{"code with newline", nil, obtain(squareoauth.ObtainTokenRequest{GrantType: authCode, Code: code + "\n"}), "ObtainTokenRequest.Code"},
		{"code too long", nil, obtain(squareoauth.ObtainTokenRequest{GrantType: authCode, Code: strings.Repeat("c", 192)}), "ObtainTokenRequest.Code"},
		{"code flow with neither secret nor verifier", noSecret, obtain(squareoauth.ObtainTokenRequest{GrantType: authCode, Code: code}), "ObtainTokenRequest.ClientSecret"},
		{"verifier with space", nil, obtain(squareoauth.ObtainTokenRequest{GrantType: authCode, Code: code, CodeVerifier: "a " + verifier}), "ObtainTokenRequest.CodeVerifier"},
		{"request secret with CR", nil, obtain(squareoauth.ObtainTokenRequest{GrantType: authCode, Code: code, ClientSecret: testClientSecret + "\r"}), "ObtainTokenRequest.ClientSecret"},
		{"request client ID with space", nil, obtain(squareoauth.ObtainTokenRequest{GrantType: authCode, Code: code, ClientID: "a b"}), "ObtainTokenRequest.ClientID"},
		{"relative redirect URI", nil, obtain(squareoauth.ObtainTokenRequest{GrantType: authCode, Code: code, RedirectURI: "/callback"}), "ObtainTokenRequest.RedirectURI"},
		{"refresh_token without refresh token", nil, obtain(squareoauth.ObtainTokenRequest{GrantType: refreshG}), "ObtainTokenRequest.RefreshToken"},
		{"refresh token with Bearer prefix", nil, obtain(squareoauth.ObtainTokenRequest{GrantType: refreshG, RefreshToken: "Bearer " + refresh}), "ObtainTokenRequest.RefreshToken"},
		{"refresh token with control char", nil, obtain(squareoauth.ObtainTokenRequest{GrantType: refreshG, RefreshToken: refresh + "\x00"}), "ObtainTokenRequest.RefreshToken"},
		{"empty scope", nil, obtain(squareoauth.ObtainTokenRequest{GrantType: refreshG, RefreshToken: refresh, Scopes: []string{""}}), "ObtainTokenRequest.Scopes"},
		{"migration_token without migration token", nil, obtain(squareoauth.ObtainTokenRequest{GrantType: migrate}), "ObtainTokenRequest.MigrationToken"},
		{"migration_token without secret", noSecret, obtain(squareoauth.ObtainTokenRequest{GrantType: migrate, MigrationToken: access}), "ObtainTokenRequest.ClientSecret"},
		{"revoke without secret", noSecret, revoke(squareoauth.RevokeTokenRequest{AccessToken: access}), "Config.ClientSecret"},
		{"revoke with neither target", nil, revoke(squareoauth.RevokeTokenRequest{}), "RevokeTokenRequest.AccessToken"},
		{"revoke with both targets", nil, revoke(squareoauth.RevokeTokenRequest{AccessToken: access, MerchantID: testMerchantID}), "RevokeTokenRequest.AccessToken"},
		{"revoke token with LF", nil, revoke(squareoauth.RevokeTokenRequest{AccessToken: access + "\nX: y"}), "RevokeTokenRequest.AccessToken"},
		{"revoke only access token by merchant", nil, revoke(squareoauth.RevokeTokenRequest{MerchantID: testMerchantID, RevokeOnlyAccessToken: true}), "RevokeTokenRequest.RevokeOnlyAccessToken"},
		{"status with empty token", nil, status(""), "accessToken"},
		{"status with Bearer prefix", nil, status("Bearer " + access), "accessToken"},
		{"status with non-breaking space", nil, status(access + "\u00a0"), "accessToken"},
		{"status with CRLF", nil, status(access + "\r\nX-Evil: 1"), "accessToken"},
		{"status with space", nil, status("EAAA " + access), "accessToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var edits []func(*squareoauth.Config)
			if tt.cfg != nil {
				edits = append(edits, tt.cfg)
			}
			f := setup(t, edits...)
			err := tt.call(t.Context(), f.client)
			var ie *squareoauth.InputError
			if !errors.As(err, &ie) || ie.Field != tt.field {
				t.Fatalf("got %v; want an *InputError for %s", err, tt.field)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not name %s", err, tt.field)
			}
			if n := len(f.fake.Requests()); n != 0 {
				t.Errorf("the fake received %d requests; want 0", n)
			}
			assertNoSecrets(t, err, code, refresh, access, verifier, testClientSecret)
		})
	}
}
