package squareoauth_test

// What a TokenSource does when a refresh fails: OnRefreshFailure, passing
// failures and Square's refusals.

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

func TestTokenSourceOnRefreshFailure(t *testing.T) {
	t.Parallel()
	f := setup(t)
	storage := errors.New("database is down")
	var fail atomic.Bool
	fail.Store(true)
	var stored []squareoauth.Token
	ts := f.client.TokenSource(f.token(t, time.Minute), squareoauth.OnRefresh(func(_ context.Context, tok squareoauth.Token) error {
		if fail.Load() {
			return storage
		}
		stored = append(stored, tok)
		return nil
	}))

	for range 2 {
		if _, err := ts.TokenContext(t.Context()); !errors.Is(err, storage) {
			t.Fatalf("got %v; want the OnRefresh error", err)
		}
	}
	fail.Store(false)
	tok, err := ts.TokenContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if hits := f.fake.Hits(tokenPath); hits != 2 { // the initial exchange, then one refresh
		t.Errorf("token requests: got %d; want 2 (the refreshed token is kept, not fetched again)", hits)
	}
	if len(stored) != 1 || stored[0].AccessToken != tok.AccessToken {
		t.Errorf("stored %v; want the one refreshed token", stored)
	}
}

func TestTokenSourceRefusedRefreshIsPermanent(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tok := f.token(t, time.Minute)
	if _, err := f.client.RevokeToken(t.Context(), squareoauth.RevokeTokenRequest{AccessToken: tok.AccessToken}); err != nil {
		t.Fatal(err)
	}
	ts := f.client.TokenSource(tok)
	before := f.fake.Hits(tokenPath)
	for range 3 {
		_, err := ts.TokenContext(t.Context())
		var re *squareoauth.RefreshError
		if !errors.As(err, &re) {
			t.Fatalf("got %v; want a *RefreshError", err)
		}
		if e := asError(t, err); e.StatusCode/100 != 4 {
			t.Errorf("wrapped *Error: %v; want Square's 4xx", e)
		}
		assertNoSecrets(t, err, tok.AccessToken, tok.RefreshToken, testClientSecret)
	}
	if _, err := ts.Token(); err == nil {
		t.Errorf("oauth2 Token(): got no error after a refused refresh")
	}
	if n := f.fake.Hits(tokenPath) - before; n != 1 {
		t.Errorf("refresh requests: got %d; want 1 (a refusal is not retried)", n)
	}
}

func TestTokenSourcePassingFailure(t *testing.T) {
	t.Parallel()
	f := setup(t)
	unavailable := fakesquare.Fault{Status: http.StatusServiceUnavailable, Header: jsonHeader(), Body: []byte(`{}`)}

	// Still valid: the current token is handed out and the refresh waits.
	early := f.token(t, time.Hour)
	ts := f.client.TokenSource(early)
	f.fake.InjectFault(tokenPath, unavailable)
	before := f.fake.Hits(tokenPath)
	for range 3 {
		got, err := ts.TokenContext(t.Context())
		if err != nil || got.AccessToken != early.AccessToken {
			t.Fatalf("got %v, %v; want the still-valid token", got, err)
		}
	}
	if n := f.fake.Hits(tokenPath) - before; n != 1 {
		t.Errorf("refresh attempts: got %d; want 1 until the retry delay passes", n)
	}

	// Expired: the failure is returned, and it is not permanent.
	late := f.token(t, -time.Minute)
	ts = f.client.TokenSource(late)
	f.fake.InjectFault(tokenPath, unavailable)
	_, err := ts.TokenContext(t.Context())
	var re *squareoauth.RefreshError
	if e := asError(t, err); e.StatusCode != http.StatusServiceUnavailable || errors.As(err, &re) {
		t.Fatalf("got %v; want the 503, not a *RefreshError", err)
	}
	if _, err := ts.TokenContext(t.Context()); err != nil {
		t.Errorf("after the outage: %v; want a refreshed token", err)
	}
}

// TestTokenSourcePassingRefusals: answers that do not carry Square's own
// errors, or that ask to come back later, do not end the authorization.
func TestTokenSourcePassingRefusals(t *testing.T) {
	t.Parallel()
	for name, fault := range map[string]fakesquare.Fault{
		"429 rate limit":        {Status: 429, Header: http.Header{"Retry-After": {"3600"}}},
		"401 HTML from a WAF":   {Status: 401, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte("<html>blocked</html>")},
		"403 from a proxy":      {Status: 403},
		"400 with no JSON body": {Status: 400, Header: jsonHeader()},
		"429 with Square's errors": {Status: 429, Header: http.Header{"Content-Type": {"application/json"}, "Retry-After": {"3600"}},
			Body: []byte(`{"errors":[{"category":"RATE_LIMIT_ERROR","code":"RATE_LIMITED"}]}`)},
		"408 with Square's errors": {Status: 408, Header: jsonHeader(),
			Body: []byte(`{"errors":[{"category":"API_ERROR","code":"REQUEST_TIMEOUT"}]}`)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, func(c *squareoauth.Config) { c.Retry = fastRetries })
			ts := f.client.TokenSource(f.token(t, -time.Minute))
			f.fake.InjectFault(tokenPath, fault)
			_, err := ts.TokenContext(t.Context())
			var re *squareoauth.RefreshError
			if err == nil || errors.As(err, &re) {
				t.Fatalf("got %v; want a passing failure, not a *RefreshError", err)
			}
			if _, err := ts.TokenContext(t.Context()); err != nil {
				t.Errorf("the next call: %v; want a refreshed token", err)
			}
		})
	}
}

// TestTokenSourceOnRefreshPanics: the panic reaches the caller, not a
// background goroutine that would end the process, and the token is kept.
func TestTokenSourceOnRefreshPanics(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var calls atomic.Int32
	ts := f.client.TokenSource(f.token(t, -time.Minute), squareoauth.OnRefresh(func(context.Context, squareoauth.Token) error {
		if calls.Add(1) == 1 {
			panic("storage bug")
		}
		return nil
	}))
	recovered := func() (r any) {
		defer func() { r = recover() }()
		_, _ = ts.TokenContext(t.Context())
		return nil
	}()
	if recovered != "storage bug" {
		t.Fatalf("recovered %v; want OnRefresh's panic in the caller", recovered)
	}
	if _, err := ts.TokenContext(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := f.fake.Hits(tokenPath); n != 2 || calls.Load() != 2 {
		t.Errorf("token requests %d, OnRefresh calls %d; want 2 and 2 (the token was kept and saved again)", n, calls.Load())
	}
}

// TestTokenSourceLongMarginAfterOnRefreshFailure: saving again after an
// OnRefresh failure keeps the fresh token's half-life rule.
func TestTokenSourceLongMarginAfterOnRefreshFailure(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var calls atomic.Int32
	ts := f.client.TokenSource(f.token(t, 30*24*time.Hour), squareoauth.RefreshMargin(60*24*time.Hour),
		squareoauth.OnRefresh(func(context.Context, squareoauth.Token) error {
			if calls.Add(1) == 1 {
				return errors.New("database is down")
			}
			return nil
		}))
	for range 5 {
		_, _ = ts.TokenContext(t.Context())
	}
	if n := f.fake.Hits(tokenPath); n != 2 { // the exchange, then one refresh
		t.Errorf("token requests: got %d; want 2", n)
	}
}
