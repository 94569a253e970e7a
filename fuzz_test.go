package squareoauth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/squareoauth/squareoauth"
)

// FuzzParseCallback feeds arbitrary redirect queries and session states to
// ParseCallback: it must never panic, return a code only with a nil error,
// succeed only when the query's state is the expected, non-empty one, and
// never quote the code or the state in an error.
func FuzzParseCallback(f *testing.F) {
	f.Add("code=sq0cgb-AUTHCODE123&state=STATE-1234567890&response_type=code", "STATE-1234567890")
	f.Add("code=sq0cgb-AUTHCODE123&state=STATE-1234567890", "STATE-0987654321")
	f.Add("code=sq0cgb-AUTHCODE123&state=STATE-1234567890", "")
	f.Add("code=sq0cgb-AUTHCODE123&state=", "")
	f.Add("code=&state=STATE-1234567890", "STATE-1234567890")
	f.Add("state=STATE-1234567890&state=OTHER-STATE-0000&code=a&code=b", "OTHER-STATE-0000")
	f.Add("error=access_denied&error_description=user_denied&state=STATE-1234567890", "STATE-1234567890")
	f.Add("code=%ZZ;state=;&&==", "")
	// More seeds are in testdata/fuzz/FuzzParseCallback.

	f.Fuzz(func(t *testing.T, rawQuery, expectedState string) {
		query, _ := url.ParseQuery(rawQuery) // keeps the pairs that parse
		code, err := squareoauth.ParseCallback(query, expectedState)

		if err != nil && code != "" {
			t.Fatalf("code %q returned with error %v", code, err)
		}
		if err == nil {
			switch state := query.Get("state"); {
			case expectedState == "":
				t.Fatalf("accepted with an empty expected state")
			case state != expectedState:
				t.Fatalf("accepted state %q, expected %q", state, expectedState)
			case code == "" || code != query.Get("code"):
				t.Fatalf("code %q, query's code %q", code, query.Get("code"))
			}
			return
		}
		var callbackErr *squareoauth.CallbackError
		var inputErr *squareoauth.InputError
		if !errors.As(err, &callbackErr) && !errors.As(err, &inputErr) {
			t.Fatalf("error %T %v is neither a *CallbackError nor an *InputError", err, err)
		}
		// A *CallbackError quotes the redirect's error and error_description
		// (control characters masked), as documented: it may show a state
		// only where the sender put one in those. Its text is what it quotes.
		quoted := ""
		if callbackErr != nil {
			quoted = callbackErr.Error()
		}
		for _, secret := range []struct{ name, v string }{
			{"code", query.Get("code")},
			{"state", query.Get("state")},
			{"expected state", expectedState},
		} {
			if len(secret.v) < 8 || strings.Contains(quoted, secret.v) {
				continue
			}
			if strings.Contains(err.Error(), secret.v) {
				t.Errorf("error %q quotes the %s", err, secret.name)
			}
		}
	})
}

// authServer answers every call with success and records the Authorization
// headers of each request it gets.
type authServer struct {
	*httptest.Server
	mu   sync.Mutex
	auth [][]string // per request, every Authorization header value
}

func newAuthServer(t testing.TB) *authServer {
	s := &authServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auth = append(s.auth, r.Header.Values("Authorization"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/oauth2/revoke":
			_, _ = w.Write([]byte(`{"success":true}`))
		case "/oauth2/token/status":
			_, _ = w.Write([]byte(`{"scopes":[]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// take returns the headers recorded since the last take.
func (s *authServer) take() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	got := s.auth
	s.auth = nil
	return got
}

// FuzzCredential feeds arbitrary application secrets and access tokens to
// New, RevokeToken and RetrieveTokenStatus: what is accepted goes out as
// exactly one Authorization header of exactly "Client <secret>" or
// "Bearer <token>"; what is refused is an *InputError that sends nothing and
// does not quote the value.
func FuzzCredential(f *testing.F) {
	// More seeds, the injection attempts among them, are in
	// testdata/fuzz/FuzzCredential.
	for _, s := range []string{
		"sq0csp-abcdefghijklmnopqrstuvwxyz0123456789",
		"EAAAl-token_value.With~Odd+Chars/=:",
		"x",
		"bEaReR EAAAtoken",
		"Client sq0csp-secret",
		"\u00e9\u00e8\u4e16\u754c-secret",
		strings.Repeat("s", 1025),
	} {
		f.Add(s)
	}
	srv := newAuthServer(f)

	f.Fuzz(func(t *testing.T, s string) {
		ctx := t.Context()
		long := len(s) >= 8
		// checkRefused checks a refusal of s and that it sent nothing.
		checkRefused := func(call string, err error) {
			t.Helper()
			var inputErr *squareoauth.InputError
			if !errors.As(err, &inputErr) {
				t.Fatalf("%s(%q): error %T %v is not an *InputError", call, s, err, err)
			}
			if long && strings.Contains(err.Error(), s) {
				t.Errorf("%s: error %q quotes the value", call, err)
			}
			if sent := srv.take(); len(sent) != 0 {
				t.Errorf("%s refused %q but sent %d requests", call, s, len(sent))
			}
		}
		// checkSent checks that every request carried exactly one
		// Authorization header, want.
		checkSent := func(call, want string) {
			t.Helper()
			sent := srv.take()
			if len(sent) == 0 {
				t.Fatalf("%s(%q) succeeded without a request", call, s)
			}
			for _, got := range sent {
				if len(got) != 1 || got[0] != want {
					t.Errorf("%s(%q): Authorization headers %q, want exactly [%q]", call, s, got, want)
				}
			}
			checkAcceptable(t, call, s)
		}

		// s as the application secret.
		c, err := squareoauth.New(squareoauth.Config{ClientID: "sq0idp-x", ClientSecret: s, BaseURL: srv.URL})
		if err != nil {
			checkRefused("New", err)
		} else {
			if s != "" {
				checkAcceptable(t, "New", s)
			}
			_, err := c.RevokeToken(ctx, squareoauth.RevokeTokenRequest{AccessToken: "EAAA-valid-token"})
			if err != nil {
				checkRefused("RevokeToken", err)
			} else {
				checkSent("RevokeToken", "Client "+s)
			}
		}

		// s as the access token.
		c, err = squareoauth.New(squareoauth.Config{ClientID: "sq0idp-x", BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.RetrieveTokenStatus(ctx, s); err != nil {
			checkRefused("RetrieveTokenStatus", err)
		} else {
			checkSent("RetrieveTokenStatus", "Bearer "+s)
		}
	})
}

// checkAcceptable fails unless s, which call accepted, is a bare credential:
// visible ASCII only, no auth scheme in front.
func checkAcceptable(t *testing.T, call, s string) {
	t.Helper()
	if i := strings.IndexFunc(s, func(r rune) bool { return r < '!' || r > '~' }); i >= 0 {
		t.Errorf("%s accepted %q, which has a character other than visible ASCII at byte %d", call, s, i)
	}
	lower := strings.ToLower(s)
	if strings.HasPrefix(lower, "bearer ") || strings.HasPrefix(lower, "client ") {
		t.Errorf("%s accepted %q, which starts with an auth scheme", call, s)
	}
}
