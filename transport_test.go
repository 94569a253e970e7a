package squareoauth_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"testing"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestHTTP1DroppedConnectionIsNotReplayed: Square reads the body on a
// reused keep-alive connection, then the connection dies. net/http replays
// a request it thinks idempotent on such a connection, and a middleware
// that adds an Idempotency-Key header (a common one does, for every POST)
// makes it think so; the code must still reach Square only once.
func TestHTTP1DroppedConnectionIsNotReplayed(t *testing.T) {
	t.Parallel()
	withKey := func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			r = r.Clone(r.Context())
			r.Header.Set("Idempotency-Key", "middleware-key-1")
			return next.RoundTrip(r)
		})
	}
	for _, tt := range []struct {
		name string
		wrap func(http.RoundTripper) http.RoundTripper
	}{
		{"net/http alone", func(rt http.RoundTripper) http.RoundTripper { return rt }},
		{"behind a middleware adding Idempotency-Key", withKey},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, func(c *squareoauth.Config) {
				c.Retry = fastRetries
				c.HTTPClient = &http.Client{Transport: tt.wrap(&http.Transport{})}
			})
			f.obtain(t) // leaves an idle keep-alive connection
			f.fake.InjectFault(tokenPath, fakesquare.Fault{Drop: true})
			before := f.fake.Hits(tokenPath)
			var reused atomic.Bool
			ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{
				GotConn: func(info httptrace.GotConnInfo) { reused.Store(reused.Load() || info.Reused) },
			})
			code := f.fake.Authorize(testMerchantID)
			_, err := f.client.ObtainToken(ctx, squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code})
			if !reused.Load() {
				t.Fatal("the call did not reuse the keep-alive connection; the test proves nothing")
			}
			if n := f.fake.Hits(tokenPath) - before; n != 1 {
				t.Errorf("the code reached Square %d times; want 1", n)
			}
			if err == nil {
				t.Error("got success; want the dropped connection reported")
			}
			assertNoSecrets(t, err, code, testClientSecret)
		})
	}
}

// TestUnknownTransportCountsAsWritten: a RoundTripper not built on
// net/http's request writer reports nothing about what it sent, so a
// failure from it may follow a request Square acted on. ObtainToken is not
// repeated; calls that are safe to repeat are. Only net/http's own report
// that the request did not leave (no connection, or a failed write) lets
// ObtainToken try again.
func TestUnknownTransportCountsAsWritten(t *testing.T) {
	t.Parallel()
	var sent atomic.Int32
	readsThenFails := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
		return nil, errors.New("stream closed by peer (simulated)")
	})
	c, err := squareoauth.New(squareoauth.Config{
		ClientID: testClientID, ClientSecret: testClientSecret, BaseURL: squareoauth.SandboxURL,
		HTTPClient: &http.Client{Transport: readsThenFails}, Retry: fastRetries,
	})
	if err != nil {
		t.Fatal(err)
	}
	const code = "sq0cgp-CANARY-code-unknown-transport"
	_, err = c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code})
	if err == nil || sent.Load() != 1 {
		t.Errorf("ObtainToken: sent %d times, error %v; want 1 and the error", sent.Load(), err)
	}
	assertNoSecrets(t, err, code, testClientSecret)

	sent.Store(0)
	_, err = c.RevokeToken(t.Context(), squareoauth.RevokeTokenRequest{MerchantID: testMerchantID})
	if err == nil || sent.Load() != 3 {
		t.Errorf("RevokeToken: sent %d times, error %v; want all 3 attempts and the error", sent.Load(), err)
	}
}
