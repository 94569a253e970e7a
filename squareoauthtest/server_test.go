package squareoauthtest_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
)

func TestNewServer(t *testing.T) {
	t.Parallel()
	a, b := squareoauthtest.NewServer(t), squareoauthtest.NewServer(t)
	for _, srv := range []*squareoauthtest.Server{a, b} {
		if !strings.HasPrefix(srv.ClientID, "sq0idp-") || len(srv.ClientID) < 20 {
			t.Errorf("ClientID got %q; want sq0idp-… of at least 20 characters", srv.ClientID)
		}
		if !strings.HasPrefix(srv.ClientSecret, "sq0csp-") || len(srv.ClientSecret) < 40 {
			t.Errorf("ClientSecret got %q; want sq0csp-… of at least 40 characters", srv.ClientSecret)
		}
		if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
			t.Errorf("URL got %q; want a loopback http URL", srv.URL)
		}
		want := squareoauth.Config{ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, BaseURL: srv.URL}
		if got := srv.Config(); got != want {
			t.Errorf("Config got %+v; want %+v", got, want)
		}
	}
	if a.ClientID == b.ClientID || a.ClientSecret == b.ClientSecret || a.URL == b.URL {
		t.Errorf("two servers share credentials or a URL: %q %q", a.ClientID, b.ClientID)
	}
}

func TestRequestsAndHits(t *testing.T) {
	t.Parallel()
	srv := squareoauthtest.NewServer(t)
	c := newClient(t, srv.Config())
	tok := exchange(t, c, srv.Authorize(seller))
	if _, err := c.RetrieveTokenStatus(t.Context(), tok.AccessToken); err != nil {
		t.Fatal(err)
	}

	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("Requests got %d; want 2", len(reqs))
	}
	tests := []struct {
		req        squareoauthtest.Request
		path, auth string
		body       string // a substring; "" means no body
	}{
		{reqs[0], "/oauth2/token", "", `"client_id":"` + srv.ClientID + `"`},
		{reqs[1], "/oauth2/token/status", "Bearer " + tok.AccessToken, ""},
	}
	for _, tt := range tests {
		if tt.req.Method != http.MethodPost || tt.req.Path != tt.path {
			t.Errorf("request got %s %q; want POST %q", tt.req.Method, tt.req.Path, tt.path)
		}
		if got := tt.req.Header.Get("Authorization"); got != tt.auth {
			t.Errorf("%s Authorization got %q; want %q", tt.path, got, tt.auth)
		}
		if got := string(tt.req.Body); (tt.body == "") != (got == "") || !strings.Contains(got, tt.body) {
			t.Errorf("%s body got %q; want one containing %q", tt.path, got, tt.body)
		}
	}
	reqs[0].Header.Set("Authorization", "edited")
	reqs[0].Body[0] = 'X'
	if again := srv.Requests()[0]; again.Header.Get("Authorization") != "" || again.Body[0] != '{' {
		t.Errorf("editing a returned Request changed the record: %q %q", again.Header.Get("Authorization"), again.Body)
	}
	for path, want := range map[string]int{"/oauth2/token": 1, "/oauth2/token/status": 1, "/oauth2/revoke": 0} {
		if got := srv.Hits(path); got != want {
			t.Errorf("Hits(%q) got %d; want %d", path, got, want)
		}
	}
}

// TestViolationsFailTheTest proves that code breaking Square's rules fails
// the test that started the server, even when it coped with the answer.
func TestViolationsFailTheTest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, srv *squareoauthtest.Server)
		want string // "" means no Errorf at all
	}{
		{"well-behaved client", func(t *testing.T, srv *squareoauthtest.Server) {
			c := newClient(t, srv.Config())
			exchange(t, c, srv.Authorize(seller))
		}, ""},
		{"malformed Square-Version", func(t *testing.T, srv *squareoauthtest.Server) {
			c := newClient(t, srv.Config())
			version := func(_ context.Context, req *http.Request) error {
				req.Header.Set("Square-Version", "2025-8-20")
				return nil
			}
			resp, err := c.Raw().ObtainTokenWithResponse(t.Context(), squareoauth.ObtainTokenRequest{
				ClientID: srv.ClientID, ClientSecret: srv.ClientSecret,
				GrantType: squareoauth.GrantTypeAuthorizationCode, Code: srv.Authorize(seller),
			}, version)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode() != http.StatusBadRequest {
				t.Errorf("status got %d; want %d", resp.StatusCode(), http.StatusBadRequest)
			}
		}, `Square-Version "2025-8-20" is not a YYYY-MM-DD date`},
		{"unknown grant type beside the secret", func(t *testing.T, srv *squareoauthtest.Server) {
			c := newClient(t, srv.Config())
			_, err := c.Raw().ObtainTokenWithResponse(t.Context(), squareoauth.ObtainTokenRequest{
				ClientID: srv.ClientID, ClientSecret: srv.ClientSecret, GrantType: "password"})
			if err != nil {
				t.Fatal(err)
			}
		}, "INVALID_ENUM_VALUE (field grant_type)"},
		{"Authorization header on /oauth2/token passes, as at Square", func(t *testing.T, srv *squareoauthtest.Server) {
			c := newClient(t, srv.Config())
			bearer := func(_ context.Context, req *http.Request) error {
				req.Header.Set("Authorization", "Bearer EAAAsome-token-0001")
				req.Header.Del("Square-Version")
				return nil
			}
			resp, err := c.Raw().ObtainTokenWithResponse(t.Context(), squareoauth.ObtainTokenRequest{
				ClientID: srv.ClientID, ClientSecret: srv.ClientSecret,
				GrantType: squareoauth.GrantTypeAuthorizationCode, Code: srv.Authorize(seller),
			}, bearer)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode() != http.StatusOK {
				t.Errorf("status got %d; want %d", resp.StatusCode(), http.StatusOK)
			}
		}, ""},
		{"unsupported locale on the authorize page", func(t *testing.T, srv *squareoauthtest.Server) {
			srv.SetRedirectURL("https://app.example/callback")
			resp, err := http.Get(srv.URL + "/oauth2/authorize?client_id=" + url.QueryEscape(srv.ClientID) + "&locale=en-GB")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}, `locale "en-GB"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := &recordingTB{TB: t}
			srv := squareoauthtest.NewServer(tb)
			tt.run(t, srv)
			errs := tb.finish()
			switch {
			case tt.want == "" && len(errs) > 0:
				t.Errorf("Errorf calls got %q; want none", errs)
			case tt.want != "" && !slices.ContainsFunc(errs, func(s string) bool { return strings.Contains(s, tt.want) }):
				t.Errorf("Errorf calls got %q; want one containing %q", errs, tt.want)
			}
			for _, e := range errs {
				if strings.Contains(e, srv.ClientSecret) {
					t.Errorf("Errorf message %q quotes the client secret", e)
				}
			}
			// Closed by the cleanup: nothing listens any more.
			if _, err := http.Get(srv.URL + "/oauth2/token"); err == nil {
				t.Errorf("server still answers after the cleanup")
			}
		})
	}
}
