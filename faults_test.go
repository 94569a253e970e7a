package squareoauth_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// fastRetries keeps the default attempt count but shrinks the waits, so the
// matrix runs in milliseconds.
var fastRetries = &squareoauth.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond}

// outcome is what one call must end with under one fault.
type outcome struct {
	status   int // the *Error's status; 0 with ok false means no answer (not an *Error)
	ok       bool
	attempts int // requests that reach the fake
}

// matrixCase is one fault, queued times times, and the outcome per call.
type matrixCase struct {
	name  string
	fault fakesquare.Fault
	times int // how often the fault is queued; more than MaxAttempts means every attempt meets it
	// deadline, when set, is the caller's: the call must end with it.
	deadline time.Duration
	obtain   outcome
	revoke   outcome
	status   outcome
}

// goodBody returns a valid answer body for each call, for faults that
// deliver one in an unusual way.
var goodBody = map[string]string{
	"ObtainToken":         `{"access_token":"EAAA-CANARY-from-a-fault-answer-000","token_type":"bearer","expires_at":"2030-01-01T00:00:00Z","merchant_id":"MLTESTMERCHANT01"}`,
	"RevokeToken":         `{"success":true}`,
	"RetrieveTokenStatus": `{"scopes":["PAYMENTS_READ"],"merchant_id":"MLTESTMERCHANT01"}`,
}

func matrixCases() []matrixCase {
	all := func(o outcome) (outcome, outcome, outcome) { return o, o, o }
	every := 5 // more than the 3 attempts of the default policy
	html := http.Header{"Content-Type": {"text/html"}}
	cases := []matrixCase{
		{name: "HTML 502 from a proxy", times: every,
			fault:  fakesquare.Fault{Status: 502, Header: html, Body: []byte("<html>bad gateway</html>")},
			obtain: outcome{status: 502, attempts: 1}, revoke: outcome{status: 502, attempts: 3}, status: outcome{status: 502, attempts: 3}},
		{name: "one HTML 502, then Square", times: 1,
			fault:  fakesquare.Fault{Status: 502, Header: html, Body: []byte("<html>bad gateway</html>")},
			obtain: outcome{status: 502, attempts: 1}, revoke: outcome{ok: true, attempts: 2}, status: outcome{ok: true, attempts: 2}},
		{name: "empty 500", times: every, fault: fakesquare.Fault{Status: 500},
			obtain: outcome{status: 500, attempts: 1}, revoke: outcome{status: 500, attempts: 3}, status: outcome{status: 500, attempts: 3}},
		{name: "503 without Retry-After", times: every, fault: fakesquare.Fault{Status: 503, Header: jsonHeader()},
			obtain: outcome{status: 503, attempts: 1}, revoke: outcome{status: 503, attempts: 3}, status: outcome{status: 503, attempts: 3}},
		{name: "503 with Retry-After, then Square", times: 1,
			fault:  fakesquare.Fault{Status: 503, Header: http.Header{"Retry-After": {"0"}}},
			obtain: outcome{ok: true, attempts: 2}, revoke: outcome{ok: true, attempts: 2}, status: outcome{ok: true, attempts: 2}},
		{name: "504, then Square", times: 1, fault: fakesquare.Fault{Status: 504},
			obtain: outcome{status: 504, attempts: 1}, revoke: outcome{ok: true, attempts: 2}, status: outcome{ok: true, attempts: 2}},
		{name: "408, then Square", times: 1, fault: fakesquare.Fault{Status: 408},
			obtain: outcome{status: 408, attempts: 1}, revoke: outcome{ok: true, attempts: 2}, status: outcome{ok: true, attempts: 2}},
		{name: "500, then Square", times: 1, fault: fakesquare.Fault{Status: 500, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"API_ERROR","code":"INTERNAL_SERVER_ERROR"}]}`)},
			obtain: outcome{status: 500, attempts: 1}, revoke: outcome{ok: true, attempts: 2}, status: outcome{ok: true, attempts: 2}},
		{name: "connection dropped after the request", times: every, fault: fakesquare.Fault{Drop: true},
			obtain: outcome{attempts: 1}, revoke: outcome{attempts: 3}, status: outcome{attempts: 3}},
		{name: "connection reset mid-body", times: every,
			fault:  fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"access_token":"EAAA-CANARY-cut`), Reset: true},
			obtain: outcome{attempts: 1}, revoke: outcome{attempts: 3}, status: outcome{attempts: 3}},
		{name: "truncated JSON 200", times: every, fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"access_token":"EAAA-CANARY-trunc`)}},
		{name: "JSON array 200", times: every, fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`[{"success":true}]`)}},
		{name: "100 MiB 200", times: every, fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"x":"`), BodySize: 100 << 20}},
		{name: "200 carrying errors", times: every,
			fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"access_token":"EAAA-CANARY-half","success":true,"errors":[{"category":"API_ERROR","code":"INTERNAL_SERVER_ERROR"}]}`)}},
		{name: "legacy error shape", times: every,
			fault: fakesquare.Fault{Status: 400, Header: jsonHeader(), Body: []byte(`{"message":"bad request","type":"bad_request"}`)}},
		{name: "unknown code and category", times: every,
			fault: fakesquare.Fault{Status: 403, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"NEW_CATEGORY","code":"NEW_CODE"}]}`)}},
		{name: "Retry-After longer than MaxDelay", times: every,
			fault: fakesquare.Fault{Status: 429, Header: http.Header{"Retry-After": {"3600"}}}},
	}
	// Cases whose outcome is the same for every call.
	for i, c := range cases {
		switch c.name {
		case "truncated JSON 200", "JSON array 200", "100 MiB 200", "200 carrying errors":
			cases[i].obtain, cases[i].revoke, cases[i].status = all(outcome{status: 200, attempts: 1})
		case "legacy error shape":
			cases[i].obtain, cases[i].revoke, cases[i].status = all(outcome{status: 400, attempts: 1})
		case "unknown code and category":
			cases[i].obtain, cases[i].revoke, cases[i].status = all(outcome{status: 403, attempts: 1})
		case "Retry-After longer than MaxDelay":
			cases[i].obtain, cases[i].revoke, cases[i].status = all(outcome{status: 429, attempts: 1})
		}
	}
	o, r, s := all(outcome{status: 429, attempts: 3})
	cases = append(cases, matrixCase{name: "empty 429 with a JSON content type", times: every,
		fault: fakesquare.Fault{Status: 429, Header: jsonHeader()}, obtain: o, revoke: r, status: s})
	o, r, s = all(outcome{ok: true, attempts: 2})
	cases = append(cases, matrixCase{name: "429 with Retry-After 0, then Square", times: 1,
		fault: fakesquare.Fault{Status: 429, Header: http.Header{"Retry-After": {"0"}, "Content-Type": {"application/json"}}}, obtain: o, revoke: r, status: s})
	o, r, s = all(outcome{attempts: 1})
	cases = append(cases, matrixCase{name: "a server that stalls past the deadline", times: 5, deadline: 300 * time.Millisecond,
		fault: fakesquare.Fault{Delay: time.Minute}, obtain: o, revoke: r, status: s})
	o, r, s = all(outcome{ok: true, attempts: 1})
	for _, name := range []string{"ObtainToken", "RevokeToken", "RetrieveTokenStatus"} {
		cases = append(cases, matrixCase{name: "200 without a content type/" + name, times: 1,
			fault: fakesquare.Fault{Body: []byte(goodBody[name])}, obtain: o, revoke: r, status: s})
	}
	return cases
}

// TestFaultMatrix runs every fault against every call, one at a time so that
// goroutine and memory counts belong to that call alone.
func TestFaultMatrix(t *testing.T) {
	for _, tc := range matrixCases() {
		for _, c := range calls {
			if _, only, found := strings.Cut(tc.name, "/"); found && only != c.name {
				continue // a case for one call only
			}
			want := map[string]outcome{"ObtainToken": tc.obtain, "RevokeToken": tc.revoke, "RetrieveTokenStatus": tc.status}[c.name]
			t.Run(tc.name+"/"+c.name, func(t *testing.T) {
				runFaultCase(t, tc, c.path, c.call, want)
			})
		}
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

func runFaultCase(t *testing.T, tc matrixCase, path string, call callFunc, want outcome) {
	var open atomic.Int64
	var dialer net.Dialer
	transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		open.Add(1)
		return &countedConn{Conn: conn, open: &open}, nil
	}}
	goroutinesBefore := runtime.NumGoroutine()
	f := setup(t, func(c *squareoauth.Config) {
		c.Retry = fastRetries
		c.HTTPClient = &http.Client{Transport: transport, Timeout: 10 * time.Second}
	})
	access := f.obtain(t).AccessToken
	for range tc.times {
		f.fake.InjectFault(path, tc.fault)
	}
	before := f.fake.Hits(path)
	var mem runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&mem)
	allocatedBefore, liveBefore := mem.TotalAlloc, mem.HeapAlloc

	// No fault may hold a call up: not a body left unclosed until the
	// client's timeout, not a Retry-After of an hour.
	deadline := 30 * time.Second
	if tc.deadline > 0 {
		deadline = tc.deadline
	}
	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	start := time.Now()
	err := call(ctx, f, access)
	// Generous for a loaded machine, yet well under the client's timeout.
	if took, limit := time.Since(start), tc.deadline+3*time.Second; took > limit {
		t.Errorf("the call took %v; want at most %v", took, limit)
	}
	if tc.deadline > 0 && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v; want errors.Is(err, context.DeadlineExceeded)", err)
	}

	runtime.GC()
	runtime.ReadMemStats(&mem)
	// A hostile body is never read past the cap: reading 100 MiB would
	// allocate at least that much, client and fake together.
	if allocated := mem.TotalAlloc - allocatedBefore; allocated > 32<<20 {
		t.Errorf("the call allocated %d MiB; the 1 MiB body cap should bound it", allocated>>20)
	}
	if grew := int64(mem.HeapAlloc) - int64(liveBefore); grew > 3<<20 {
		t.Errorf("the live heap grew by %.1f MiB; the error should keep at most the 1 MiB body", float64(grew)/(1<<20))
	}
	runtime.KeepAlive(err)
	if tc.fault.BodySize > 0 {
		// Loopback socket buffers hold a few MiB; 100 MiB means it read on.
		if sent := f.fake.FaultBytesSent(); sent > 16<<20 {
			t.Errorf("the fake delivered %d MiB of the body; the client should stop after about 1 MiB", sent>>20)
		}
	}
	if got := f.fake.Hits(path) - before; got != want.attempts {
		t.Errorf("requests: got %d; want %d", got, want.attempts)
	}
	var e *squareoauth.Error
	switch {
	case want.ok:
		if err != nil {
			t.Errorf("got %v; want success", err)
		}
	case want.status == 0:
		if err == nil || errors.As(err, &e) {
			t.Errorf("got %v (%T); want a failure with no answer, not an *Error", err, err)
		}
	default:
		if !errors.As(err, &e) || e.StatusCode != want.status {
			t.Fatalf("got %v; want an *Error with status %d", err, want.status)
		}
		if e.Attempts != want.attempts {
			t.Errorf("Attempts: got %d; want %d", e.Attempts, want.attempts)
		}
		if len(e.Body) > 1<<20 {
			t.Errorf("Body holds %d bytes; want at most 1 MiB", len(e.Body))
		}
	}
	assertNoSecrets(t, err, access, testClientSecret, "EAAA-CANARY")

	// Every body was closed: once the idle connections are closed, no
	// connection is left, while the server still holds its end.
	transport.CloseIdleConnections()
	for giveUp := time.Now().Add(2 * time.Second); open.Load() > 0 && time.Now().Before(giveUp); {
		time.Sleep(5 * time.Millisecond)
		transport.CloseIdleConnections()
	}
	if n := open.Load(); n > 0 {
		t.Errorf("%d connections still in use after the call: a response body was left open", n)
	}

	// Nothing may outlive the call once the connections are closed.
	f.close()
	giveUp := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutinesBefore && time.Now().Before(giveUp) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutinesBefore {
		var stacks strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&stacks, 1)
		t.Errorf("%d goroutines left behind:\n%s", n-goroutinesBefore, stacks.String())
	}
}
