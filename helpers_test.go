package squareoauth_test

// The test kit of the package: the fixture (a Client wired to a fake
// Square), the three calls, the assertions every test shares, and the leak
// checker.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
	"golang.org/x/oauth2"
)

// Canary credentials: every test that can fail checks none of them appears in
// an error or printed value.
const (
	testClientID     = "sq0idp-test-application"
	testClientSecret = "sq0csp-CANARY-client-secret-0001"
	testMerchantID   = "MLTESTMERCHANT01"
	// proxyPrefix mounts the fake below a path, as a proxy would, so that a
	// request built from an absolute path instead of the BaseURL misses it.
	proxyPrefix = "/square-proxy"
	tokenPath   = "/oauth2/token"
)

// fixture is a Client wired to a fresh fake Square.
type fixture struct {
	client *squareoauth.Client
	fake   *fakesquare.Server
	url    string // the BaseURL, including proxyPrefix
	srv    *httptest.Server
}

// setup starts a fake Square behind a path prefix and returns a Client for
// it. At cleanup it fails the test if the fake saw anything that breaks
// openapi.yaml or Square's header rules, or a request outside the prefix.
func setup(t *testing.T, edit ...func(*squareoauth.Config)) fixture {
	t.Helper()
	fake := fakesquare.New(fakesquare.App{ClientID: testClientID, ClientSecret: testClientSecret})
	mux := http.NewServeMux()
	mux.Handle(proxyPrefix+"/", http.StripPrefix(proxyPrefix, fake))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the BaseURL prefix: %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		for _, v := range fake.Violations() {
			t.Errorf("fake Square saw a violation: %s", v)
		}
	})
	cfg := squareoauth.Config{ClientID: testClientID, ClientSecret: testClientSecret, BaseURL: srv.URL + proxyPrefix}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := squareoauth.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return fixture{client: c, fake: fake, url: cfg.BaseURL, srv: srv}
}

// noRetry makes every call send exactly one request, for tests of how a
// single answer is turned into a result.
func noRetry(c *squareoauth.Config) { c.Retry = &squareoauth.RetryPolicy{MaxAttempts: 1} }

// fastRetries keeps the default attempt count but shrinks the waits, so that
// tests of retries run in milliseconds.
var fastRetries = &squareoauth.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond}

// newClient returns a Client for baseURL with the test credentials, for
// tests that need no fake behind it.
func newClient(t *testing.T, baseURL string) *squareoauth.Client {
	t.Helper()
	c, err := squareoauth.New(squareoauth.Config{ClientID: testClientID, ClientSecret: testClientSecret, BaseURL: baseURL})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// close stops the fake early; cleanup closing it again is harmless.
func (f fixture) close() { f.srv.Close() }

// obtain exchanges a fresh authorization code for a token.
func (f fixture) obtain(t *testing.T, scopes ...string) *squareoauth.ObtainTokenResponse {
	t.Helper()
	tok, err := f.client.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      f.fake.Authorize(testMerchantID, scopes...),
	})
	if err != nil {
		t.Fatalf("ObtainToken: %v", err)
	}
	return tok
}

// token returns a real token from the fake, its expiry moved to leave
// "left" of its life, so that the TokenSource's timing can be tested
// without a clock.
func (f fixture) token(t *testing.T, left time.Duration) squareoauth.Token {
	t.Helper()
	tok, err := f.obtain(t).Token()
	if err != nil {
		t.Fatal(err)
	}
	tok.ExpiresAt = time.Now().Add(left)
	return tok
}

// pkceToken is like token for the PKCE flow.
func (f fixture) pkceToken(t *testing.T, left time.Duration) squareoauth.Token {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	resp, err := f.client.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
		GrantType:    squareoauth.GrantTypeAuthorizationCode,
		Code:         f.fake.AuthorizePKCE(testMerchantID, oauth2.S256ChallengeFromVerifier(verifier)),
		CodeVerifier: verifier,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := resp.Token()
	if err != nil {
		t.Fatal(err)
	}
	tok.ExpiresAt = time.Now().Add(left)
	return tok
}

// lastRequest returns the last request the fake received.
func (f fixture) lastRequest(t *testing.T) fakesquare.Request {
	t.Helper()
	reqs := f.fake.Requests()
	if len(reqs) == 0 {
		t.Fatal("the fake received no request")
	}
	return reqs[len(reqs)-1]
}

// callFunc drives one public call against a fixture; the token it is given
// is a live access token.
type callFunc func(ctx context.Context, f fixture, access string) error

// calls are the three public calls, each with a valid request, so that a
// failure can only come from the answer.
var calls = []struct {
	name string
	path string
	call callFunc
}{
	{"ObtainToken", tokenPath, func(ctx context.Context, f fixture, _ string) error {
		_, err := f.client.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
			GrantType: squareoauth.GrantTypeAuthorizationCode, Code: f.fake.Authorize(testMerchantID)})
		return err
	}},
	{"RevokeToken", "/oauth2/revoke", func(ctx context.Context, f fixture, access string) error {
		_, err := f.client.RevokeToken(ctx, squareoauth.RevokeTokenRequest{AccessToken: access})
		return err
	}},
	{"RetrieveTokenStatus", "/oauth2/token/status", func(ctx context.Context, f fixture, access string) error {
		_, err := f.client.RetrieveTokenStatus(ctx, access)
		return err
	}},
}

// jsonHeader is the header of a JSON answer.
func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// closedURL returns the URL of a loopback port that nothing listens on: one
// the test opened and closed (a fixed port such as 1 may be in use).
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	return "http://" + ln.Addr().String()
}

// asError returns err as an *Error or fails the test.
func asError(t *testing.T, err error) *squareoauth.Error {
	t.Helper()
	var e *squareoauth.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T); want a *squareoauth.Error", err, err)
	}
	return e
}

// printedForms is every way a value reaches a person: each fmt verb, both
// slog handlers, and Error() for errors.
func printedForms(v any) []string {
	forms := []string{fmt.Sprint(v), fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), fmt.Sprintf("%s", v), fmt.Sprintf("%q", v)}
	if err, ok := v.(error); ok && err != nil {
		forms = append(forms, err.Error())
	}
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("value", "v", v)
		forms = append(forms, buf.String())
	}
	return forms
}

// assertNoSecrets fails if any printed form of v holds one of secrets.
func assertNoSecrets(t *testing.T, v any, secrets ...string) {
	t.Helper()
	for _, form := range printedForms(v) {
		for _, s := range secrets {
			if s != "" && strings.Contains(form, s) {
				t.Errorf("%T: secret %q leaked into %q", v, s, form)
			}
		}
	}
}

// leakCheck watches one call for what it could leave behind: a goroutine,
// a connection whose response body was never closed, a huge body read past
// the 1 MiB cap, or memory held after the call. Its counts are the whole
// process's, so a test that uses it must not run in parallel.
type leakCheck struct {
	// transport counts the connections it opens; the Client under watch
	// must use it (see config).
	transport  *http.Transport
	open       atomic.Int64
	goroutines int
	mem        runtime.MemStats
}

// newLeakCheck starts watching; call it before the fixture starts.
func newLeakCheck() *leakCheck {
	l := &leakCheck{goroutines: runtime.NumGoroutine()}
	var dialer net.Dialer
	l.transport = &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		l.open.Add(1)
		return &countedConn{Conn: conn, open: &l.open}, nil
	}}
	return l
}

// config is a setup edit that sends the Client's requests through the
// watched transport.
func (l *leakCheck) config(c *squareoauth.Config) {
	c.HTTPClient = &http.Client{Transport: l.transport, Timeout: 10 * time.Second}
}

// mark records the heap just before the call.
func (l *leakCheck) mark() {
	runtime.GC()
	runtime.ReadMemStats(&l.mem)
}

// check fails the test if the call since mark left anything behind while
// the test still holds its result (held): more than keep bytes of live
// heap, 32 MiB allocated, 16 MiB of a fault's body delivered, an open
// connection, or a goroutine once f is closed.
func (l *leakCheck) check(t *testing.T, f fixture, keep int64, held any) {
	t.Helper()
	allocatedBefore, liveBefore := l.mem.TotalAlloc, l.mem.HeapAlloc
	var mem runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&mem)
	// A hostile body is never read past the cap: reading 100 MiB would
	// allocate at least that much, client and fake together.
	if allocated := mem.TotalAlloc - allocatedBefore; allocated > 32<<20 {
		t.Errorf("the call allocated %d MiB; the 1 MiB body cap should bound it", allocated>>20)
	}
	grew := int64(mem.HeapAlloc) - int64(liveBefore)
	t.Logf("holding the result raised the live heap by %.2f MiB", float64(grew)/(1<<20))
	if grew > keep {
		t.Errorf("the live heap grew by %.2f MiB; want at most %.2f MiB", float64(grew)/(1<<20), float64(keep)/(1<<20))
	}
	runtime.KeepAlive(held)
	// Loopback socket buffers hold a few MiB; 100 MiB means it read on.
	if sent := f.fake.FaultBytesSent(); sent > 16<<20 {
		t.Errorf("the fake delivered %d MiB of fault bodies; the client should stop after about 1 MiB", sent>>20)
	}

	// Every body was closed: once the idle connections are closed, no
	// connection is left, while the server still holds its end.
	l.transport.CloseIdleConnections()
	for giveUp := time.Now().Add(2 * time.Second); l.open.Load() > 0 && time.Now().Before(giveUp); {
		time.Sleep(5 * time.Millisecond)
		l.transport.CloseIdleConnections()
	}
	if n := l.open.Load(); n > 0 {
		t.Errorf("%d connections still in use after the call: a response body was left open", n)
	}

	// Nothing may outlive the call once the connections are closed.
	f.close()
	giveUp := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > l.goroutines && time.Now().Before(giveUp) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > l.goroutines {
		var stacks strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&stacks, 1)
		t.Errorf("%d goroutines left behind:\n%s", n-l.goroutines, stacks.String())
	}
}

// countedConn counts the client's open connections.
type countedConn struct {
	net.Conn
	open *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}
