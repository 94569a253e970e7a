package squareoauth_test

import (
	"errors"
	"net/url"
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
