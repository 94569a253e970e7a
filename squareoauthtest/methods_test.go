package squareoauthtest_test

// Each method of Server reaches the fake Square behind it. What the fake
// then does is tested once, in internal/fakesquare; here one visible
// effect per method is enough.

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
)

func TestMethodsReachTheFake(t *testing.T) {
	t.Parallel()
	t.Run("Authorize", func(t *testing.T) {
		t.Parallel()
		srv := squareoauthtest.NewServer(t)
		c := newClient(t, srv.Config())
		tok := exchange(t, c, srv.Authorize(seller, "PAYMENTS_READ", "ORDERS_READ"))
		st, err := c.RetrieveTokenStatus(t.Context(), tok.AccessToken)
		if err != nil {
			t.Fatalf("RetrieveTokenStatus: %v", err)
		}
		if want := []string{"PAYMENTS_READ", "ORDERS_READ"}; !slices.Equal(st.Scopes, want) {
			t.Errorf("Scopes got %q; want %q", st.Scopes, want)
		}
		if st.ClientID != srv.ClientID || st.MerchantID != seller {
			t.Errorf("status got client %q merchant %q; want %q %q", st.ClientID, st.MerchantID, srv.ClientID, seller)
		}
	})
	t.Run("AuthorizePKCE", func(t *testing.T) {
		t.Parallel()
		srv := squareoauthtest.NewServer(t)
		cfg := srv.Config()
		cfg.ClientSecret = "" // a PKCE application holds no secret
		c := newClient(t, cfg)
		verifier := oauth2.GenerateVerifier()
		tok, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode,
			Code: srv.AuthorizePKCE(seller, oauth2.S256ChallengeFromVerifier(verifier), "ITEMS_READ"), CodeVerifier: verifier})
		if err != nil {
			t.Fatalf("ObtainToken: %v", err)
		}
		if tok.MerchantID != seller || tok.RefreshTokenExpiresAt == "" {
			t.Errorf("got merchant %q, refresh expiry %q; want %q and a PKCE refresh token's expiry", tok.MerchantID, tok.RefreshTokenExpiresAt, seller)
		}
	})
	t.Run("IssueMigrationToken", func(t *testing.T) {
		t.Parallel()
		srv := squareoauthtest.NewServer(t)
		c := newClient(t, srv.Config())
		tok, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
			GrantType: squareoauth.GrantTypeMigrationToken, MigrationToken: srv.IssueMigrationToken(seller)})
		if err != nil {
			t.Fatalf("migration: %v", err)
		}
		if tok.MerchantID != seller || tok.RefreshToken == "" {
			t.Errorf("migration got merchant %q, refresh token set %v; want %q and a refresh token", tok.MerchantID, tok.RefreshToken != "", seller)
		}
	})
	// Square's side changes behind the client's back.
	for _, tt := range []struct {
		name string
		act  func(srv *squareoauthtest.Server)
		// the status call's error for the seller's token, and the refresh's
		status, refresh int
	}{
		{"Advance", func(srv *squareoauthtest.Server) { srv.Advance(30*24*time.Hour + time.Minute) }, http.StatusUnauthorized, 0},
		{"ExpireAccessTokens", func(srv *squareoauthtest.Server) { srv.ExpireAccessTokens(seller) }, http.StatusUnauthorized, 0},
		{"RevokeAll", func(srv *squareoauthtest.Server) { srv.RevokeAll(seller) }, http.StatusUnauthorized, http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := squareoauthtest.NewServer(t)
			c := newClient(t, srv.Config())
			tok := exchange(t, c, srv.Authorize(seller))
			tt.act(srv)
			_, err := c.RetrieveTokenStatus(t.Context(), tok.AccessToken)
			wantSquareError(t, "status", err, tt.status, "UNAUTHORIZED")
			_, err = refresh(t.Context(), c, tok.RefreshToken)
			if tt.refresh == 0 && err != nil {
				t.Errorf("refresh: %v", err)
			} else if tt.refresh != 0 {
				wantSquareError(t, "refresh", err, tt.refresh, "BAD_REQUEST")
			}
		})
	}
	t.Run("SetLegacyErrors", func(t *testing.T) {
		t.Parallel()
		srv := squareoauthtest.NewServer(t)
		c := newClient(t, srv.Config())
		srv.SetLegacyErrors(true)
		_, err := c.RetrieveTokenStatus(t.Context(), "EAAAnever-issued-0001")
		wantSquareError(t, "legacy", err, http.StatusUnauthorized, "unauthorized")
		srv.SetLegacyErrors(false)
		_, err = c.RetrieveTokenStatus(t.Context(), "EAAAnever-issued-0001")
		wantSquareError(t, "v2", err, http.StatusUnauthorized, "UNAUTHORIZED")
	})
	t.Run("SetRedirectURL, SetConsent, DenyConsent", func(t *testing.T) {
		t.Parallel()
		srv := squareoauthtest.NewServer(t)
		c := newClient(t, srv.Config())
		const callback = "https://app.example/square/callback"
		srv.SetRedirectURL(callback)
		srv.SetConsent("MLCONSENTING01")
		page := func() url.Values {
			t.Helper()
			browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := browser.Get(srv.URL + "/oauth2/authorize?client_id=" + url.QueryEscape(srv.ClientID) + "&state=xyz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc, err := resp.Location()
			if err != nil || !strings.HasPrefix(loc.String(), callback+"?") {
				t.Fatalf("Location got %v (%v); want the redirect URL %q", loc, err, callback)
			}
			return loc.Query()
		}
		tok := exchange(t, c, page().Get("code"))
		if tok.MerchantID != "MLCONSENTING01" {
			t.Errorf("MerchantID got %q; want the consenting seller", tok.MerchantID)
		}
		srv.DenyConsent(true)
		if q := page(); q.Get("error") != "access_denied" || q.Get("code") != "" {
			t.Errorf("denied consent redirected with %v; want error=access_denied and no code", q)
		}
		if got := srv.Hits("/oauth2/authorize"); got != 2 {
			t.Errorf("Hits(/oauth2/authorize) got %d; want 2", got)
		}
	})
	t.Run("InjectFault", func(t *testing.T) {
		t.Parallel()
		srv := squareoauthtest.NewServer(t)
		cfg := srv.Config()
		cfg.Retry = &squareoauth.RetryPolicy{BaseDelay: time.Millisecond}
		c := newClient(t, cfg)
		code := srv.Authorize(seller)
		obtain := func() error {
			_, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code})
			return err
		}

		// Status, Header and Body: a Retry-After beyond the client's
		// MaxDelay ends its retries at once.
		srv.InjectFault("/oauth2/token", squareoauthtest.Fault{Status: 429, Header: http.Header{"Content-Type": {"application/json"}, "Retry-After": {"3600"}},
			Body: []byte(`{"errors":[{"category":"RATE_LIMIT_ERROR","code":"RATE_LIMITED"}]}`)})
		wantSquareError(t, "429", obtain(), http.StatusTooManyRequests, "RATE_LIMITED")
		if got := srv.Hits("/oauth2/token"); got != 1 {
			t.Errorf("Hits got %d; want 1 (Retry-After ended the retries)", got)
		}

		// Delay.
		srv.InjectFault("/oauth2/token", squareoauthtest.Fault{Status: 400, Delay: 20 * time.Millisecond})
		start := time.Now()
		var e *squareoauth.Error
		if err := obtain(); !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest || time.Since(start) < 20*time.Millisecond {
			t.Errorf("delayed 400: got %v after %v; want the 400 after at least 20ms", err, time.Since(start))
		}

		// Drop, and AfterHandling: the answer lost on its way back after
		// Square spent the code.
		for _, after := range []bool{false, true} {
			code = srv.Authorize(seller)
			srv.InjectFault("/oauth2/token", squareoauthtest.Fault{Drop: true, AfterHandling: after})
			if err := obtain(); err == nil || errors.As(err, &e) {
				t.Fatalf("AfterHandling %v: got %v; want a lost connection, not an answer", after, err)
			}
			if spent := obtain() != nil; spent != after {
				t.Errorf("AfterHandling %v: the code spent = %v; want %v", after, spent, after)
			}
		}
	})
}
