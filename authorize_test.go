package squareoauth_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/squareoauth/squareoauth"
	"golang.org/x/oauth2"
)

func TestAuthorizeURLEnvironments(t *testing.T) {
	t.Parallel()
	tests := []struct{ baseURL, want string }{
		{"", "https://connect.squareup.com/oauth2/authorize"},
		{squareoauth.ProductionURL, "https://connect.squareup.com/oauth2/authorize"},
		{squareoauth.SandboxURL, "https://connect.squareupsandbox.com/oauth2/authorize"},
		{"http://127.0.0.1:8080/square-proxy", "http://127.0.0.1:8080/square-proxy/oauth2/authorize"},
		{"https://proxy.example.com/sq/", "https://proxy.example.com/sq/oauth2/authorize"},
	}
	for _, tt := range tests {
		got, err := newClient(t, tt.baseURL).AuthorizeURL(squareoauth.AuthorizeOptions{State: "s"})
		if err != nil {
			t.Fatal(err)
		}
		if base, _, _ := strings.Cut(got, "?"); base != tt.want {
			t.Errorf("BaseURL %q: got %q; want %q", tt.baseURL, base, tt.want)
		}
	}
}

func TestAuthorizeURLParameters(t *testing.T) {
	t.Parallel()
	c := newClient(t, squareoauth.SandboxURL)
	verifier := oauth2.GenerateVerifier()
	challenge := oauth2.S256ChallengeFromVerifier(verifier)
	no := false
	const state = "st&te=with/+?%#"
	got, err := c.AuthorizeURL(squareoauth.AuthorizeOptions{
		Scopes:        []string{"MERCHANT_PROFILE_READ", "PAYMENTS_WRITE"},
		State:         state,
		Locale:        "fr-CA",
		Session:       &no,
		CodeChallenge: challenge,
		RedirectURI:   "https://app.example.com/callback?x=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"client_id":      {testClientID},
		"scope":          {"MERCHANT_PROFILE_READ PAYMENTS_WRITE"},
		"state":          {state},
		"locale":         {"fr-CA"},
		"session":        {"false"},
		"code_challenge": {challenge},
		"redirect_uri":   {"https://app.example.com/callback?x=1"},
	}
	if got := u.Query(); got.Encode() != want.Encode() {
		t.Errorf("query: got %q; want %q", got.Encode(), want.Encode())
	}
	if strings.Contains(u.RawQuery, " ") || !strings.Contains(u.RawQuery, "scope=MERCHANT_PROFILE_READ+PAYMENTS_WRITE") {
		t.Errorf("raw query %q: want the scopes space-separated and encoded", u.RawQuery)
	}
	if strings.Contains(got, testClientSecret) {
		t.Errorf("the authorize URL carries the client secret: %s", got)
	}

	minimal, err := c.AuthorizeURL(squareoauth.AuthorizeOptions{State: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if want := squareoauth.SandboxURL + "/oauth2/authorize?client_id=" + testClientID + "&state=abc"; minimal != want {
		t.Errorf("minimal: got %q; want %q", minimal, want)
	}
}

func TestAuthorizeURLRefusesBadOptions(t *testing.T) {
	t.Parallel()
	c := newClient(t, "")
	tests := []struct {
		name  string
		opts  squareoauth.AuthorizeOptions
		field string
	}{
		{"empty state", squareoauth.AuthorizeOptions{}, "AuthorizeOptions.State"},
		{"state with newline", squareoauth.AuthorizeOptions{State: "a\nb"}, "AuthorizeOptions.State"},
		{"unknown locale", squareoauth.AuthorizeOptions{State: "s", Locale: "de-DE"}, "AuthorizeOptions.Locale"},
		{"scope with space", squareoauth.AuthorizeOptions{State: "s", Scopes: []string{"A B"}}, "AuthorizeOptions.Scopes"},
		{"empty scope", squareoauth.AuthorizeOptions{State: "s", Scopes: []string{""}}, "AuthorizeOptions.Scopes"},
		{"relative redirect", squareoauth.AuthorizeOptions{State: "s", RedirectURI: "/cb"}, "AuthorizeOptions.RedirectURI"},
		{"challenge with space", squareoauth.AuthorizeOptions{State: "s", CodeChallenge: "a b"}, "AuthorizeOptions.CodeChallenge"},
	}
	for _, tt := range tests {
		_, err := c.AuthorizeURL(tt.opts)
		var ie *squareoauth.InputError
		if !errors.As(err, &ie) || ie.Field != tt.field {
			t.Errorf("%s: got %v; want an *InputError for %s", tt.name, err, tt.field)
		}
	}
}

func TestParseCallback(t *testing.T) {
	t.Parallel()
	const (
		code  = "sq0cgb-CANARY-callback-code"
		state = "CANARY-state-0123456789"
	)
	tests := []struct {
		name          string
		query         string
		expectedState string
		wantCode      string
		wantField     string // *InputError field
		wantCallback  *squareoauth.CallbackError
	}{
		{"valid", "code=" + code + "&state=" + state, state, code, "", nil},
		{"wrong state", "code=" + code + "&state=" + state + "x", state, "", "callback state", nil},
		{"state prefix only", "code=" + code + "&state=" + state[:5], state, "", "callback state", nil},
		{"missing state", "code=" + code, state, "", "callback state", nil},
		{"empty state on both sides", "code=" + code + "&state=", "", "", "callback state", nil},
		{"empty expected state", "code=" + code + "&state=" + state, "", "", "callback state", nil},
		{"missing code", "state=" + state, state, "", "callback code", nil},
		{"seller declined", "error=access_denied&error_description=user_denied&state=" + state, state, "", "",
			&squareoauth.CallbackError{Code: "access_denied", Description: "user_denied"}},
		{"refusal without a state", "error=access_denied&error_description=user_denied", state, "", "",
			&squareoauth.CallbackError{Code: "access_denied", Description: "user_denied"}},
		{"refusal with a forged state", "error=access_denied&error_description=user_denied&state=" + state + "x", state, "", "callback state", nil},
		{"forged description with a newline", "error=x&error_description=a%0Alevel%3DERROR", state, "", "",
			&squareoauth.CallbackError{Code: "x", Description: "a\nlevel=ERROR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := squareoauth.ParseCallback(q, tt.expectedState)
			if got != tt.wantCode {
				t.Errorf("code: got %q; want %q", got, tt.wantCode)
			}
			var ie *squareoauth.InputError
			var ce *squareoauth.CallbackError
			switch {
			case tt.wantField != "":
				if !errors.As(err, &ie) || ie.Field != tt.wantField {
					t.Errorf("got %v; want an *InputError for %s", err, tt.wantField)
				}
			case tt.wantCallback != nil:
				if !errors.As(err, &ce) || *ce != *tt.wantCallback {
					t.Errorf("got %v; want %+v", err, tt.wantCallback)
				}
				if strings.ContainsAny(err.Error(), "\n\r") {
					t.Errorf("Error() %q carries a line break from the redirect", err)
				}
			case err != nil:
				t.Errorf("unexpected error %v", err)
			}
			assertNoSecrets(t, err, code, state)
		})
	}
}

// TestAuthorizeURLIsAccepted checks the SDK's own authorize URL, with every
// option set, against the fake's authorize page, and its ParseCallback
// against the redirect the page sends.
func TestAuthorizeURLIsAccepted(t *testing.T) {
	t.Parallel()
	for _, deny := range []bool{false, true} {
		t.Run(fmt.Sprintf("deny=%v", deny), func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			c := f.client
			f.fake.DenyConsent(deny)
			verifier := oauth2.GenerateVerifier()
			session := false
			const redirect = "https://app.example/square/callback?tenant=7"
			u, err := c.AuthorizeURL(squareoauth.AuthorizeOptions{
				Scopes:        []string{"PAYMENTS_READ", "ORDERS_READ"},
				State:         "state-0001",
				Locale:        "fr-CA",
				Session:       &session,
				CodeChallenge: oauth2.S256ChallengeFromVerifier(verifier),
				RedirectURI:   redirect,
			})
			if err != nil {
				t.Fatal(err)
			}
			browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := browser.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc, err := resp.Location()
			if err != nil {
				t.Fatalf("status %d, Location: %v", resp.StatusCode, err)
			}
			if !strings.HasPrefix(loc.String(), redirect+"&") {
				t.Errorf("Location got %q; want it to extend %q", loc, redirect)
			}

			code, err := squareoauth.ParseCallback(loc.Query(), "state-0001")
			if deny {
				var ce *squareoauth.CallbackError
				if !errors.As(err, &ce) || ce.Code != "access_denied" || ce.Description != "user_denied" {
					t.Errorf("ParseCallback error got %v; want a *CallbackError access_denied user_denied", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCallback: %v", err)
			}
			tok, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
				GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code, CodeVerifier: verifier, RedirectURI: redirect,
			})
			if err != nil {
				t.Fatalf("ObtainToken: %v", err)
			}
			if tok.RefreshTokenExpiresAt == "" {
				t.Errorf("RefreshTokenExpiresAt got %q; want a PKCE refresh token's expiry", tok.RefreshTokenExpiresAt)
			}
			st, err := c.RetrieveTokenStatus(t.Context(), tok.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"PAYMENTS_READ", "ORDERS_READ"}; !slices.Equal(st.Scopes, want) {
				t.Errorf("Scopes got %q; want %q", st.Scopes, want)
			}
		})
	}
}
