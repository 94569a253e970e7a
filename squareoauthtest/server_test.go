package squareoauthtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
)

const seller = "MLSELLER0001"

// newClient is what a user writes: the public client on the server's Config.
func newClient(t *testing.T, cfg squareoauth.Config) *squareoauth.Client {
	t.Helper()
	c, err := squareoauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// exchange trades a code for tokens, failing the test on an error.
func exchange(t *testing.T, c *squareoauth.Client, code string) *squareoauth.ObtainTokenResponse {
	t.Helper()
	tok, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code})
	if err != nil {
		t.Fatalf("ObtainToken: %v", err)
	}
	return tok
}

func refresh(ctx context.Context, c *squareoauth.Client, refreshToken string) (*squareoauth.ObtainTokenResponse, error) {
	return c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeRefreshToken, RefreshToken: refreshToken})
}

// wantSquareError checks that err is a *squareoauth.Error with the status
// and code.
func wantSquareError(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	var e *squareoauth.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error got %v (%T); want a *squareoauth.Error", what, err, err)
	}
	if e.StatusCode != status || !e.HasCode(code) {
		t.Errorf("%s: error got %d %q; want %d with code %q", what, e.StatusCode, e.Error(), status, code)
	}
}

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

func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	srv := squareoauthtest.NewServer(t)
	c := newClient(t, srv.Config())
	ctx := t.Context()

	tok := exchange(t, c, srv.Authorize(seller, "PAYMENTS_READ", "ORDERS_READ"))
	if tok.MerchantID != seller {
		t.Errorf("MerchantID got %q; want %q", tok.MerchantID, seller)
	}
	st, err := c.RetrieveTokenStatus(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("RetrieveTokenStatus: %v", err)
	}
	if want := []string{"PAYMENTS_READ", "ORDERS_READ"}; !slices.Equal(st.Scopes, want) {
		t.Errorf("Scopes got %q; want %q", st.Scopes, want)
	}
	if st.ClientID != srv.ClientID || st.MerchantID != seller {
		t.Errorf("status got client %q merchant %q; want %q %q", st.ClientID, st.MerchantID, srv.ClientID, seller)
	}

	next, err := refresh(ctx, c, tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if next.AccessToken == tok.AccessToken {
		t.Errorf("refresh returned the old access token %q", next.AccessToken)
	}

	_, err = c.RevokeToken(ctx, squareoauth.RevokeTokenRequest{AccessToken: next.AccessToken})
	if err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	_, err = c.RetrieveTokenStatus(ctx, tok.AccessToken)
	wantSquareError(t, "status after revoke", err, http.StatusUnauthorized, "UNAUTHORIZED")
}

// TestSellerActions changes Square's side behind the client's back, as time
// and sellers do, and checks what the client then sees.
func TestSellerActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		act       func(srv *squareoauthtest.Server)
		refreshOK bool
	}{
		{"ExpireAccessTokens", func(srv *squareoauthtest.Server) { srv.ExpireAccessTokens(seller) }, true},
		{"Advance past 30 days", func(srv *squareoauthtest.Server) { srv.Advance(30*24*time.Hour + time.Minute) }, true},
		{"RevokeAll", func(srv *squareoauthtest.Server) { srv.RevokeAll(seller) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := squareoauthtest.NewServer(t)
			c := newClient(t, srv.Config())
			tok := exchange(t, c, srv.Authorize(seller, "PAYMENTS_READ"))
			other := exchange(t, c, srv.Authorize("MLOTHERSELLER2"))

			tt.act(srv)

			_, err := c.RetrieveTokenStatus(t.Context(), tok.AccessToken)
			wantSquareError(t, "status", err, http.StatusUnauthorized, "UNAUTHORIZED")

			next, err := refresh(t.Context(), c, tok.RefreshToken)
			if tt.refreshOK {
				if err != nil {
					t.Fatalf("refresh: %v", err)
				}
				if _, err := c.RetrieveTokenStatus(t.Context(), next.AccessToken); err != nil {
					t.Errorf("status of the refreshed token: %v", err)
				}
			} else {
				wantSquareError(t, "refresh", err, http.StatusBadRequest, "BAD_REQUEST")
			}

			// Another seller is affected only by the clock.
			_, err = c.RetrieveTokenStatus(t.Context(), other.AccessToken)
			if tt.name == "Advance past 30 days" {
				wantSquareError(t, "other seller's status", err, http.StatusUnauthorized, "UNAUTHORIZED")
			} else if err != nil {
				t.Errorf("other seller's status: %v", err)
			}
		})
	}
}

func TestPKCE(t *testing.T) {
	t.Parallel()
	srv := squareoauthtest.NewServer(t)
	cfg := srv.Config()
	cfg.ClientSecret = "" // a PKCE application holds no secret
	c := newClient(t, cfg)
	verifier := oauth2.GenerateVerifier()
	code := srv.AuthorizePKCE(seller, oauth2.S256ChallengeFromVerifier(verifier), "ITEMS_READ")
	tok, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code, CodeVerifier: verifier,
	})
	if err != nil {
		t.Fatalf("ObtainToken: %v", err)
	}
	next, err := refresh(t.Context(), c, tok.RefreshToken)
	if err != nil {
		t.Fatalf("PKCE refresh: %v", err)
	}
	if next.RefreshToken == tok.RefreshToken {
		t.Errorf("PKCE refresh token got %q again; want a new one", next.RefreshToken)
	}
	_, err = refresh(t.Context(), c, tok.RefreshToken)
	wantSquareError(t, "reused PKCE refresh token", err, http.StatusBadRequest, "BAD_REQUEST")
}

func TestInjectFault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fault  squareoauthtest.Fault
		status int
		code   string
	}{
		{"HTML 502 from a proxy", squareoauthtest.Fault{Status: 502, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte("<html>Bad gateway</html>")}, 502, ""},
		// A Retry-After beyond the client's MaxDelay ends its retries at once.
		{"rate limited", squareoauthtest.Fault{Status: 429, Header: http.Header{"Content-Type": {"application/json"}, "Retry-After": {"3600"}},
			Body: []byte(`{"errors":[{"category":"RATE_LIMIT_ERROR","code":"RATE_LIMITED"}]}`)}, 429, "RATE_LIMITED"},
		{"empty 503 after a delay", squareoauthtest.Fault{Status: 503, Delay: 20 * time.Millisecond}, 503, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := squareoauthtest.NewServer(t)
			c := newClient(t, srv.Config())
			code := srv.Authorize(seller)
			srv.InjectFault("/oauth2/token", tt.fault)

			_, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code})
			var e *squareoauth.Error
			if !errors.As(err, &e) {
				t.Fatalf("error got %v (%T); want a *squareoauth.Error", err, err)
			}
			if e.StatusCode != tt.status {
				t.Errorf("StatusCode got %d; want %d", e.StatusCode, tt.status)
			}
			if tt.code != "" && !e.HasCode(tt.code) {
				t.Errorf("error got %q; want code %q", e.Error(), tt.code)
			}
			if got := srv.Hits("/oauth2/token"); got != 1 {
				t.Errorf("Hits got %d; want 1 (no retry)", got)
			}
			// The fault stood in for Square: the code is still good.
			exchange(t, c, code)
		})
	}
	// An answer lost on its way back: Square spent the code, and the
	// client, which cannot know, must not send it again.
	for _, after := range []bool{false, true} {
		t.Run(fmt.Sprintf("dropped connection, AfterHandling %v", after), func(t *testing.T) {
			t.Parallel()
			srv := squareoauthtest.NewServer(t)
			c := newClient(t, srv.Config())
			code := srv.Authorize(seller)
			srv.InjectFault("/oauth2/token", squareoauthtest.Fault{Drop: true, AfterHandling: after})
			_, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code})
			var e *squareoauth.Error
			if err == nil || errors.As(err, &e) {
				t.Fatalf("error got %v; want a lost connection, not an answer", err)
			}
			if got := srv.Hits("/oauth2/token"); got != 1 {
				t.Errorf("Hits got %d; want 1 (the body was sent: no retry)", got)
			}
			_, err = c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code})
			if spent := err != nil; spent != after {
				t.Errorf("the code spent = %v (%v); want %v", spent, err, after)
			}
		})
	}
	t.Run("a stalled answer ends with the caller's deadline", func(t *testing.T) {
		t.Parallel()
		srv := squareoauthtest.NewServer(t)
		c := newClient(t, srv.Config())
		srv.InjectFault("/oauth2/token/status", squareoauthtest.Fault{Delay: time.Minute})
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := c.RetrieveTokenStatus(ctx, "EAAAsome-token-0001")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error got %v; want %v", err, context.DeadlineExceeded)
		}
	})
}

func TestLegacyErrors(t *testing.T) {
	t.Parallel()
	srv := squareoauthtest.NewServer(t)
	c := newClient(t, srv.Config())
	srv.SetLegacyErrors(true)
	_, err := c.RetrieveTokenStatus(t.Context(), "EAAAnever-issued-0001")
	wantSquareError(t, "legacy", err, http.StatusUnauthorized, "unauthorized")
	srv.SetLegacyErrors(false)
	_, err = c.RetrieveTokenStatus(t.Context(), "EAAAnever-issued-0001")
	wantSquareError(t, "v2", err, http.StatusUnauthorized, "UNAUTHORIZED")
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

// callback is what a user's OAuth callback handler saw and did.
type callback struct {
	code, state, errCode, errDescription string
	status                               *squareoauth.RetrieveTokenStatusResponse
	err                                  error
}

// TestBrowserFlow drives the authorize page with a plain http.Client, which
// follows Square's redirect into a user's own callback handler.
func TestBrowserFlow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		viaParam    bool // redirect_uri in the query instead of SetRedirectURL
		consent     string
		deny        bool
		wantErr     string
		wantErrDesc string
		merchantID  string
	}{
		{name: "approved, registered redirect URL", merchantID: squareoauthtest.DefaultMerchantID},
		{name: "approved, redirect_uri", viaParam: true, merchantID: squareoauthtest.DefaultMerchantID},
		{name: "approved by another seller", consent: "MLCONSENTING01", merchantID: "MLCONSENTING01"},
		{name: "denied", deny: true, wantErr: "access_denied", wantErrDesc: "user_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := squareoauthtest.NewServer(t)
			c := newClient(t, srv.Config())
			got := make(chan callback, 1)
			var redirectURI string // repeated in the exchange when the authorize URL named it
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				cb := callback{code: q.Get("code"), state: q.Get("state"), errCode: q.Get("error"), errDescription: q.Get("error_description")}
				if cb.code != "" {
					tok, err := c.ObtainToken(r.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: cb.code, RedirectURI: redirectURI})
					if err == nil {
						cb.status, err = c.RetrieveTokenStatus(r.Context(), tok.AccessToken)
					}
					cb.err = err
				}
				got <- cb
				fmt.Fprint(w, "connected")
			}))
			t.Cleanup(app.Close)

			authorize := srv.URL + "/oauth2/authorize?client_id=" + url.QueryEscape(srv.ClientID) + "&state=xyz&scope=PAYMENTS_READ"
			if tt.viaParam {
				redirectURI = app.URL + "/square/callback"
				authorize += "&redirect_uri=" + url.QueryEscape(redirectURI)
			} else {
				srv.SetRedirectURL(app.URL + "/square/callback")
			}
			if tt.consent != "" {
				srv.SetConsent(tt.consent)
			}
			srv.DenyConsent(tt.deny)

			resp, err := http.Get(authorize)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != "connected" || resp.Request.URL.Path != "/square/callback" {
				t.Fatalf("browser ended at %s with %d %q; want the callback's 200 %q", resp.Request.URL.Path, resp.StatusCode, body, "connected")
			}
			cb := <-got
			if cb.state != "xyz" {
				t.Errorf("state got %q; want %q", cb.state, "xyz")
			}
			if cb.errCode != tt.wantErr || cb.errDescription != tt.wantErrDesc {
				t.Errorf("error got %q %q; want %q %q", cb.errCode, cb.errDescription, tt.wantErr, tt.wantErrDesc)
			}
			if tt.deny {
				if cb.code != "" {
					t.Errorf("denied authorization got code %q; want none", cb.code)
				}
				return
			}
			if cb.err != nil {
				t.Fatalf("callback: %v", cb.err)
			}
			if want := []string{"PAYMENTS_READ"}; !slices.Equal(cb.status.Scopes, want) {
				t.Errorf("Scopes got %q; want %q", cb.status.Scopes, want)
			}
			if cb.status.MerchantID != tt.merchantID {
				t.Errorf("MerchantID got %q; want %q", cb.status.MerchantID, tt.merchantID)
			}
			if got := srv.Hits("/oauth2/authorize"); got != 1 {
				t.Errorf("Hits(/oauth2/authorize) got %d; want 1", got)
			}
		})
	}
}

// recordingTB is the testing.TB a user's test would be, recording Errorf
// calls and holding Cleanup functions until the test runs them.
type recordingTB struct {
	testing.TB // the real test, for anything not overridden

	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

// finish runs the cleanups, last registered first, as package testing does.
func (r *recordingTB) finish() []string {
	r.mu.Lock()
	fs := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for _, f := range slices.Backward(fs) {
		f()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
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

// TestAuthorizeURLIsAccepted checks the SDK's own authorize URL, with every
// option set, against the server's authorize page, and its ParseCallback
// against the redirect the page sends.
func TestAuthorizeURLIsAccepted(t *testing.T) {
	t.Parallel()
	for _, deny := range []bool{false, true} {
		t.Run(fmt.Sprintf("deny=%v", deny), func(t *testing.T) {
			t.Parallel()
			srv := squareoauthtest.NewServer(t)
			c := newClient(t, srv.Config())
			srv.DenyConsent(deny)
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
