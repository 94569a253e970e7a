package squareoauthtest_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
)

// TestStartAndClose runs the server outside a test's control, as a program
// or an Example does: Close reports what Square would have refused.
func TestStartAndClose(t *testing.T) {
	t.Parallel()
	for _, bad := range []bool{false, true} {
		srv, err := squareoauthtest.Start()
		if err != nil {
			t.Fatal(err)
		}
		c := newClient(t, srv.Config())
		exchange(t, c, srv.Authorize(seller))
		if bad {
			resp, err := http.Post(srv.URL+"/oauth2/token", "application/json", strings.NewReader(`{"client_id":"x","grant_type":"password"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		v := srv.Violations()
		err = srv.Close()
		switch {
		case !bad && (err != nil || len(v) > 0):
			t.Errorf("clean run: Close got %v, Violations %q; want nil and none", err, v)
		case bad && (len(v) != 1 || err == nil || !strings.Contains(err.Error(), "INVALID_ENUM_VALUE (field grant_type)") || !strings.Contains(err.Error(), v[0])):
			t.Errorf("bad request: Close got %v, Violations %q; want the grant_type violation in both", err, v)
		}
		if again := srv.Close(); fmt.Sprint(again) != fmt.Sprint(err) {
			t.Errorf("second Close got %v; want the same as the first, %v", again, err)
		}
		if _, err := http.Get(srv.URL + "/oauth2/token"); err == nil {
			t.Errorf("server still answers after Close")
		}
	}
}

// TestCloseEndsDelays: a delayed answer whose caller gave up without
// closing the connection (a TokenSource's detached refresh, or here a
// request with no deadline) must not hold Close, or the test's cleanup,
// for the Delay, an hour here. The client's own timeout is 30 seconds, so
// a Close back within 20 returned because the server ended the delay.
func TestCloseEndsDelays(t *testing.T) {
	t.Parallel()
	for _, viaCleanup := range []bool{false, true} {
		var srv *squareoauthtest.Server
		tb := &recordingTB{TB: t}
		if viaCleanup {
			srv = squareoauthtest.NewServer(tb)
		} else {
			var err error
			if srv, err = squareoauthtest.Start(); err != nil {
				t.Fatal(err)
			}
		}
		srv.InjectFault("/oauth2/token", squareoauthtest.Fault{Delay: time.Hour})
		c := newClient(t, srv.Config())
		failed := make(chan error, 1)
		go func() {
			_, err := refresh(context.Background(), c, "EQAA-some-refresh-token")
			failed <- err
		}()
		for srv.Hits("/oauth2/token") == 0 {
			time.Sleep(time.Millisecond) // until the request waits in its Delay
		}

		closed := make(chan struct{})
		go func() {
			if viaCleanup {
				tb.finish()
			} else {
				_ = srv.Close()
			}
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(20 * time.Second):
			t.Fatalf("cleanup=%v: closing the server still waits for a delayed answer", viaCleanup)
		}
		if err := <-failed; err == nil {
			t.Errorf("cleanup=%v: the delayed call succeeded; want the connection's loss", viaCleanup)
		}
	}
}

func TestIssueMigrationToken(t *testing.T) {
	t.Parallel()
	srv := squareoauthtest.NewServer(t)
	c := newClient(t, srv.Config())
	legacy := srv.IssueMigrationToken(seller)
	for range 2 { // repeatable while the legacy token is valid
		tok, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
			GrantType:      squareoauth.GrantTypeMigrationToken,
			MigrationToken: legacy,
		})
		if err != nil {
			t.Fatalf("migration: %v", err)
		}
		if tok.MerchantID != seller || tok.RefreshToken == "" {
			t.Fatalf("migration got merchant %q, refresh token set %v; want %q and a refresh token", tok.MerchantID, tok.RefreshToken != "", seller)
		}
		if _, err := c.RetrieveTokenStatus(t.Context(), tok.AccessToken); err != nil {
			t.Errorf("status of the migrated token: %v", err)
		}
	}
}

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
