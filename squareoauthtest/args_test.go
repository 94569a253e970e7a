package squareoauthtest_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth/squareoauthtest"
)

// fatalTB records the first Fatal and ends the calling goroutine, as
// package testing does.
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatal(args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprint(args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func (f *fatalTB) Cleanup(func()) {} // the real test closes the server below

// TestBadArguments: a mistake in a test's arguments is refused where it is
// made, naming the argument and the rule, and changes nothing.
func TestBadArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(srv *squareoauthtest.Server)
		want []string
	}{
		{"short merchant ID", func(s *squareoauthtest.Server) { s.Authorize("seller1") },
			[]string{"Authorize: argument merchantID", `"seller1" has 7 characters`, "8 to 191"}},
		{"merchant ID of 192 characters", func(s *squareoauthtest.Server) { s.Authorize(strings.Repeat("M", 192)) },
			[]string{"Authorize: argument merchantID", "has 192 characters"}},
		{"two scopes in one", func(s *squareoauthtest.Server) { s.Authorize(seller, "PAYMENTS_READ ORDERS_READ") },
			[]string{"Authorize: argument scopes", "scopes[0]", "space"}},
		{"empty scope", func(s *squareoauthtest.Server) { s.Authorize(seller, "PAYMENTS_READ", "") },
			[]string{"Authorize: argument scopes", "scopes[1] is empty"}},
		{"PKCE merchant", func(s *squareoauthtest.Server) { s.AuthorizePKCE("M1", strings.Repeat("c", 43)) },
			[]string{"AuthorizePKCE: argument merchantID"}},
		{"hex challenge", func(s *squareoauthtest.Server) { s.AuthorizePKCE(seller, "abc+/=") },
			[]string{"AuthorizePKCE: argument codeChallenge", "base64url", "RFC 7636"}},
		{"migration merchant", func(s *squareoauthtest.Server) { s.IssueMigrationToken("") },
			[]string{"IssueMigrationToken: argument merchantID", "has 0 characters"}},
		{"consent merchant", func(s *squareoauthtest.Server) { s.SetConsent("short") },
			[]string{"SetConsent: argument merchantID"}},
		{"expire merchant", func(s *squareoauthtest.Server) { s.ExpireAccessTokens("short") },
			[]string{"ExpireAccessTokens: argument merchantID"}},
		{"revoke merchant", func(s *squareoauthtest.Server) { s.RevokeAll("short") },
			[]string{"RevokeAll: argument merchantID"}},
		{"plain http redirect", func(s *squareoauthtest.Server) { s.SetRedirectURL("http://app.example/cb") },
			[]string{"SetRedirectURL: argument u", "plain http"}},
		{"negative Advance", func(s *squareoauthtest.Server) { s.Advance(-time.Hour) },
			[]string{"Advance: argument d", "negative"}},
		{"fault for an unknown path", func(s *squareoauthtest.Server) {
			s.InjectFault("/oauth2/tokens", squareoauthtest.Fault{Status: 503})
		}, []string{"InjectFault: path \"/oauth2/tokens\"", "/oauth2/token, "}},
		{"fault status", func(s *squareoauthtest.Server) { s.InjectFault("/oauth2/token", squareoauthtest.Fault{Status: 42}) },
			[]string{"InjectFault: Status 42"}},
		{"drop with a body", func(s *squareoauthtest.Server) {
			s.InjectFault("/oauth2/token", squareoauthtest.Fault{Drop: true, Body: []byte("x")})
		}, []string{"InjectFault: Drop", "no Status, Header, Body"}},
		{"after handling on the page", func(s *squareoauthtest.Server) {
			s.InjectFault("/oauth2/authorize", squareoauthtest.Fault{Status: 502, AfterHandling: true})
		}, []string{"InjectFault: AfterHandling"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Through t.Fatal for NewServer.
			tb := &fatalTB{TB: t}
			srv := squareoauthtest.NewServer(tb)
			t.Cleanup(func() { _ = srv.Close() })
			done := make(chan struct{})
			go func() {
				defer close(done)
				tt.call(srv)
			}()
			<-done
			checkMessage(t, "Fatal", tb.msg, tt.want)
			if srv.Hits("/oauth2/token") != 0 || len(srv.Violations()) != 0 {
				t.Errorf("the refused call reached the server")
			}

			// By a panic for Start.
			started, err := squareoauthtest.Start()
			if err != nil {
				t.Fatal(err)
			}
			defer started.Close()
			func() {
				defer func() { checkMessage(t, "panic", fmt.Sprint(recover()), tt.want) }()
				tt.call(started)
			}()
		})
	}

	// The good counterparts pass.
	srv := squareoauthtest.NewServer(t)
	srv.SetConsent("")
	srv.SetRedirectURL("")
	srv.SetRedirectURL("http://127.0.0.1:8080/cb")
	srv.Advance(0)
	srv.InjectFault("/oauth2/authorize", squareoauthtest.Fault{Drop: true})
	srv.Authorize(strings.Repeat("M", 191), "PAYMENTS_READ")
}

func checkMessage(t *testing.T, how, got string, want []string) {
	t.Helper()
	if !strings.HasPrefix(got, "squareoauthtest: ") {
		t.Errorf("%s got %q; want a squareoauthtest message", how, got)
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s got %q; want it to contain %q", how, got, w)
		}
	}
}
