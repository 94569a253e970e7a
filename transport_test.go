package squareoauth_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"sync/atomic"
	"testing"
	"time"

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

// TestContextEndsCalls checks that a deadline or a cancellation stops every
// call, comes back findable with errors.Is, and is not an *Error.
func TestContextEndsCalls(t *testing.T) {
	t.Parallel()
	for _, c := range calls {
		for _, want := range []error{context.DeadlineExceeded, context.Canceled} {
			t.Run(c.name+"/"+want.Error(), func(t *testing.T) {
				t.Parallel()
				f := setup(t)
				access := f.obtain(t).AccessToken
				f.fake.InjectFault(c.path, fakesquare.Fault{Delay: time.Minute, Header: jsonHeader(), Body: []byte(`{}`)})
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if want == context.DeadlineExceeded {
					ctx, cancel = context.WithTimeout(t.Context(), 50*time.Millisecond)
					defer cancel()
				} else {
					time.AfterFunc(50*time.Millisecond, cancel)
				}
				start := time.Now()
				err := c.call(ctx, f, access)
				if !errors.Is(err, want) {
					t.Fatalf("got %v; want errors.Is(err, %v)", err, want)
				}
				var e *squareoauth.Error
				if errors.As(err, &e) {
					t.Errorf("a call that got no answer returned an *Error: %v", err)
				}
				if elapsed := time.Since(start); elapsed > 10*time.Second {
					t.Errorf("the call took %v after its context ended", elapsed)
				}
				assertNoSecrets(t, err, access, testClientSecret)
			})
		}
	}
}

func TestUnreachableServerIsNotAnError(t *testing.T) {
	t.Parallel()
	c, err := squareoauth.New(squareoauth.Config{ClientID: testClientID, ClientSecret: testClientSecret,
		BaseURL: closedURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.RetrieveTokenStatus(t.Context(), "EAAA-CANARY-token-for-nowhere")
	var e *squareoauth.Error
	if err == nil || errors.As(err, &e) {
		t.Fatalf("got %v; want a transport error that is not an *Error", err)
	}
	assertNoSecrets(t, err, "EAAA-CANARY-token-for-nowhere", testClientSecret)
}

// TestRedirectsAreNotFollowed: a redirect would carry the body's secrets,
// or the Authorization header, elsewhere, whichever HTTP client is used.
func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	var stolen atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { stolen.Add(1) }))
	defer elsewhere.Close()
	for name, hc := range map[string]*http.Client{"default client": nil, "caller's client": {Transport: &http.Transport{}}} {
		f := setup(t, func(c *squareoauth.Config) { c.HTTPClient = hc })
		f.fake.InjectFault("/oauth2/token", fakesquare.Fault{Status: http.StatusTemporaryRedirect,
			Header: http.Header{"Location": {elsewhere.URL + "/steal"}}})
		_, err := f.client.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
			GrantType: squareoauth.GrantTypeAuthorizationCode, Code: f.fake.Authorize(testMerchantID)})
		if e := asError(t, err); e.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("%s: got %v; want the 307 itself as an *Error", name, err)
		}
	}
	if n := stolen.Load(); n != 0 {
		t.Errorf("%d requests followed the redirect", n)
	}
}
