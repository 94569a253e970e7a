package squareoauth_test

// Tests of the performance claims that are counts, not times: connections
// opened, refresh requests made, memory kept. Timed figures are benchmarks
// (bench_test.go).

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// TestConcurrentCallsReuseConnections: a Client made without an
// HTTPClient keeps an idle connection for each of 16 concurrent calls, so a
// second burst opens none (net/http's default transport keeps 2 and would
// open 14 more, each a TLS handshake with Square).
func TestConcurrentCallsReuseConnections(t *testing.T) {
	t.Parallel()
	const burst = 16
	var conns atomic.Int32
	arrived := make(chan struct{}, burst)
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release // every call of the burst is in flight at once
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"client_id":"` + testClientID + `","merchant_id":"` + testMerchantID + `","expires_at":"2030-01-01T00:00:00Z","scopes":["MERCHANT_PROFILE_READ"]}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL)
	for round := range 2 {
		errs := make(chan error, burst)
		for range burst {
			go func() {
				_, err := c.RetrieveTokenStatus(t.Context(), "EAAA-concurrent-access-token-000000")
				errs <- err
			}()
		}
		for range burst {
			select {
			case <-arrived:
			case <-time.After(10 * time.Second):
				t.Fatalf("round %d: the calls did not all arrive", round)
			}
		}
		for range burst {
			release <- struct{}{}
		}
		for range burst {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := conns.Load(); n != burst {
		t.Errorf("two bursts of %d concurrent calls opened %d connections; want %d", burst, n, burst)
	}
}

// TestOneConnectionForManyCalls makes 100 sequential calls, half of them
// answered with errors, and checks they all travel on one TCP connection:
// every body, error bodies included, is drained and closed.
func TestOneConnectionForManyCalls(t *testing.T) {
	t.Parallel()
	answers := cannedAnswers(t)
	var conns, served atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch n := served.Add(1); n % 6 {
		case 1:
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"` + strings.Repeat("x", 2000) + `"}]}`))
		case 3:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte("<html>" + strings.Repeat("bad request ", 500) + "</html>"))
		case 5: // past the 1 MiB cap: the rest must be drained, not left
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(bytes.Repeat([]byte("x"), 1<<20+32<<10))
		default:
			_, _ = w.Write(answers[r.URL.Path])
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := squareoauth.New(squareoauth.Config{ClientID: testClientID, ClientSecret: testClientSecret, BaseURL: srv.URL,
		HTTPClient: &http.Client{Transport: &http.Transport{}}})
	if err != nil {
		t.Fatal(err)
	}
	failures := 0
	for i := range 100 {
		var err error
		switch i % 3 {
		case 0:
			_, err = c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeRefreshToken, RefreshToken: "EQAA-r"})
		case 1:
			_, err = c.RevokeToken(t.Context(), squareoauth.RevokeTokenRequest{AccessToken: "EAAA-a"})
		case 2:
			_, err = c.RetrieveTokenStatus(t.Context(), "EAAA-a")
		}
		if err != nil {
			failures++
		}
	}
	t.Logf("100 calls, %d answered with errors, %d TCP connections", failures, conns.Load())
	if failures < 20 {
		t.Errorf("only %d calls failed; the test needs error answers among the calls", failures)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("TCP connections: got %d; want 1", n)
	}
}

// TestHugeBodyKeepsLittle: a 100 MiB answer leaves at most 2 MiB more on the
// heap while its error is held (the 1 MiB the error keeps, and slack).
func TestHugeBodyKeepsLittle(t *testing.T) {
	// Not parallel: the leak check counts the whole process.
	leaks := newLeakCheck()
	f := setup(t, noRetry, leaks.config)
	access := f.obtain(t).AccessToken
	f.fake.InjectFault("/oauth2/token/status", fakesquare.Fault{Status: 502, Header: http.Header{"Content-Type": {"text/html"}}, BodySize: 100 << 20})
	leaks.mark()

	_, err := f.client.RetrieveTokenStatus(t.Context(), access)

	leaks.check(t, f, 2<<20, err)
	if e := asError(t, err); len(e.Body) != 1<<20 {
		t.Errorf("Body: got %d bytes; want the first 1 MiB", len(e.Body))
	}
}

// TestAllocationBudget asserts the allocation targets, which the
// benchmarks only report: a call allocates at most 15 times more than the
// raw net/http baseline (30 on the error path, which redacts and decodes
// both of Square's error shapes), and a cached token not at all. It is not parallel:
// AllocsPerRun counts every goroutine's allocations. .ci/run runs it
// without -race, which allocates on its own.
func TestAllocationBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under -race; run without it")
	}
	ctx := context.Background()
	for name, pair := range benchPair(t, benchServer(t)) {
		run := func(exchange exchange) float64 {
			return testing.AllocsPerRun(300, func() {
				if err := exchange(ctx); err != nil {
					t.Fatal(err)
				}
			})
		}
		budget := 15.0
		if name == "ObtainToken401" {
			budget = 30
		}
		sdk, raw := run(pair[0]), run(pair[1])
		t.Logf("%s: %.1f allocations a call, raw net/http %.1f", name, sdk, raw)
		if sdk > raw+budget {
			t.Errorf("%s: %.1f allocations a call; want at most the raw %.1f + %.0f", name, sdk, raw, budget)
		}
	}
	c, err := squareoauth.New(squareoauth.Config{ClientID: testClientID})
	if err != nil {
		t.Fatal(err)
	}
	ts := c.TokenSource(squareoauth.Token{AccessToken: "EAAA-fresh", RefreshToken: "EQAA-r", ExpiresAt: time.Now().Add(30 * 24 * time.Hour)})
	if n := testing.AllocsPerRun(1000, func() { _, _ = ts.Token() }); n != 0 {
		t.Errorf("a cached token costs %.1f allocations; want 0", n)
	}
}
