package squareoauth_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

func TestRetrySendsTheSameBody(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *squareoauth.Config) { c.Retry = fastRetries })
	limited := fakesquare.Fault{Status: 429, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"RATE_LIMIT_ERROR","code":"RATE_LIMITED"}]}`)}
	f.fake.InjectFault(tokenPath, limited)
	f.fake.InjectFault(tokenPath, limited)
	if _, err := f.client.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode, Code: f.fake.Authorize(testMerchantID), Scopes: []string{"PAYMENTS_READ"}}); err != nil {
		t.Fatal(err)
	}
	reqs := f.fake.Requests()
	if len(reqs) != 3 {
		t.Fatalf("requests: got %d; want 3", len(reqs))
	}
	for i, r := range reqs[1:] {
		if !bytes.Equal(r.Body, reqs[0].Body) || r.Header.Get("Content-Type") != reqs[0].Header.Get("Content-Type") {
			t.Errorf("attempt %d sent %q; want %q as on the first", i+2, r.Body, reqs[0].Body)
		}
	}
}

func TestRetryPolicyKnobs(t *testing.T) {
	t.Parallel()
	unavailable := fakesquare.Fault{Status: 503, Header: jsonHeader()}
	tests := []struct {
		name         string
		policy       *squareoauth.RetryPolicy
		wantAttempts int
	}{
		{"nil means the default of 3", nil, 3},
		{"zero fields mean the defaults", &squareoauth.RetryPolicy{}, 3},
		{"MaxAttempts 1 turns retries off", &squareoauth.RetryPolicy{MaxAttempts: 1}, 1},
		{"MaxAttempts 5", &squareoauth.RetryPolicy{MaxAttempts: 5, BaseDelay: time.Millisecond}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, func(c *squareoauth.Config) { c.Retry = tt.policy })
			access := f.obtain(t).AccessToken
			for range 6 {
				f.fake.InjectFault("/oauth2/token/status", unavailable)
			}
			_, err := f.client.RetrieveTokenStatus(t.Context(), access)
			if e := asError(t, err); e.Attempts != tt.wantAttempts || e.StatusCode != 503 {
				t.Errorf("got %v (Attempts %d); want a 503 after %d attempts", err, e.Attempts, tt.wantAttempts)
			}
			if n := f.fake.Hits("/oauth2/token/status"); n != tt.wantAttempts {
				t.Errorf("requests: got %d; want %d", n, tt.wantAttempts)
			}
		})
	}
}

func TestRetryAfterIsObeyed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		retryAfter       func() string // computed just before the call: a date must be fresh
		minWait, maxWait time.Duration
	}{
		{"seconds", func() string { return "1" }, time.Second, 2 * time.Second},
		// A date has whole seconds: 3 s from now is a wait of 2 to 3 s.
		{"HTTP date", func() string { return time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat) }, time.Second, 4 * time.Second},
		{"zero", func() string { return "0" }, 0, time.Second},
		{"date in the past", func() string { return "Mon, 02 Jan 2006 15:04:05 GMT" }, 0, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Backoff alone would wait a nanosecond after a Retry-After
			// of seconds, and up to 5 s after one of zero.
			base := time.Nanosecond
			if tt.minWait == 0 {
				base = 5 * time.Second
			}
			f := setup(t, func(c *squareoauth.Config) {
				c.Retry = &squareoauth.RetryPolicy{BaseDelay: base, MaxDelay: 5 * time.Second}
			})
			access := f.obtain(t).AccessToken
			f.fake.InjectFault("/oauth2/token/status", fakesquare.Fault{Status: 429, Header: http.Header{"Retry-After": {tt.retryAfter()}}})
			start := time.Now()
			if _, err := f.client.RetrieveTokenStatus(t.Context(), access); err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took < tt.minWait || took > tt.maxWait {
				t.Errorf("took %v; want the Retry-After wait, %v to %v", took, tt.minWait, tt.maxWait)
			}
		})
	}
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	f := setup(t, func(c *squareoauth.Config) {
		c.Retry = &squareoauth.RetryPolicy{BaseDelay: time.Hour, MaxDelay: time.Hour}
	})
	access := f.obtain(t).AccessToken
	f.fake.InjectFault("/oauth2/token/status", fakesquare.Fault{Status: 502})
	ctx, cancel := context.WithCancel(t.Context())
	go func() { // cancel once the first answer is in, during the wait
		for f.fake.Hits("/oauth2/token/status") < 1 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	_, err := f.client.RetrieveTokenStatus(ctx, access)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v; want errors.Is(err, context.Canceled)", err)
	}
	if e := asError(t, err); e.StatusCode != 502 || e.Attempts != 1 {
		t.Errorf("the last answer: got %v; want the 502 of attempt 1", e)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v; the wait should end with the context", took)
	}
	assertNoSecrets(t, err, access, testClientSecret)
}

// TestObtainTokenRetriesUnsentRequest: a connection that fails before the
// request is written cannot have spent the code, so ObtainToken tries again.
func TestObtainTokenRetriesUnsentRequest(t *testing.T) {
	t.Parallel()
	var dials atomic.Int32
	transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, errors.New("connection refused (simulated)")
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	f := setup(t, func(c *squareoauth.Config) {
		c.Retry = fastRetries
		c.HTTPClient = &http.Client{Transport: transport}
	})
	if _, err := f.client.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode, Code: f.fake.Authorize(testMerchantID)}); err != nil {
		t.Fatalf("got %v; want the second attempt to succeed", err)
	}
	if n := f.fake.Hits(tokenPath); n != 1 {
		t.Errorf("requests that reached Square: got %d; want 1", n)
	}
}
