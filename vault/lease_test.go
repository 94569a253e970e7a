package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/squareoauth/squareoauth"
)

// slowAnswers is a network on which every answer from Square arrives
// after a delay: Square has acted on the request, the caller has not heard.
type slowAnswers struct{ delay time.Duration }

func (s slowAnswers) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	select {
	case <-time.After(s.delay):
		return resp, nil
	case <-req.Context().Done():
		resp.Body.Close()
		return nil, req.Context().Err()
	}
}

// clientOver is a Client for the fixture that sends its requests through
// rt, with at most attempts attempts per call (0: the default policy).
func (f *fixture) clientOver(t testing.TB, rt http.RoundTripper, attempts int) *squareoauth.Client {
	t.Helper()
	cfg := f.srv.Config()
	cfg.HTTPClient = &http.Client{Transport: rt}
	if attempts > 0 {
		cfg.Retry = &squareoauth.RetryPolicy{MaxAttempts: attempts}
	}
	c, err := squareoauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// slowClient is a Client for the fixture whose answers arrive after delay,
// with no retries.
func (f *fixture) slowClient(t testing.TB, delay time.Duration) *squareoauth.Client {
	return f.clientOver(t, slowAnswers{delay: delay}, 1)
}

// Guarantee 1: a request to Square never outlives the lease it was sent
// under, even when Square answers more slowly than the lease lasts;
// otherwise another instance takes the lease over while the first request
// is still out, and Square sees two.
func TestRequestEndsWithinLease(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		cfg := f.config()
		cfg.Lease = 2 * time.Second
		cfg.Client = f.slowClient(t, 3*time.Second)
		slow := f.open(t, dsn, cfg)
		other := f.open(t, dsn, f.config())
		ctx := context.Background()
		const m = "MLSLOWLEASE1"
		tok := makeDue(t, other, f.connect(t, other, m))
		before := f.srv.Hits(tokenPath)
		done := make(chan error, 1)
		go func() {
			_, err := slow.Token(ctx, m)
			done <- err
		}()
		// Ask through another instance until the slow one has finished,
		// past the end of its lease.
		deadline := time.Now().Add(cfg.Lease + time.Second)
		for time.Now().Before(deadline) {
			got, err := other.Token(ctx, m)
			if err != nil {
				t.Fatalf("Token on the other instance: %v", err)
			}
			if got.AccessToken != tok.AccessToken {
				break // refreshed by the other instance: counted below
			}
			time.Sleep(50 * time.Millisecond)
		}
		if err := <-done; err != nil {
			t.Errorf("Token on the slow instance: %v", err)
		}
		if hits := f.srv.Hits(tokenPath) - before; hits != 1 {
			t.Errorf("%d ObtainToken requests for one seller, want 1", hits)
		}
	})
}

// Guarantee 8: RefreshDue claims a seller only when it can send the
// seller's request at once. A seller claimed and left waiting for a free
// place would spend its lease waiting, and another instance would refresh
// it too.
func TestRefreshDueClaimsOnlyWhatItCanSend(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		cfg := f.config()
		cfg.Lease = 2 * time.Second
		cfg.RefreshConcurrency = 1
		cfg.Client = f.slowClient(t, 1200*time.Millisecond)
		bg := f.open(t, dsn, cfg)
		other := f.open(t, dsn, f.config())
		ctx := context.Background()
		sellers := []string{"MLQUEUED0001", "MLQUEUED0002", "MLQUEUED0003"}
		for _, m := range sellers {
			makeDue(t, other, f.connect(t, other, m))
		}
		before := f.srv.Hits(tokenPath)
		var rep Report
		var err error
		var wg sync.WaitGroup
		wg.Go(func() { rep, err = bg.RefreshDue(ctx, 0) })
		// Once the background refresher has claimed what it claims at
		// first, another instance asks for every seller, each on its own,
		// while the refresher works through them one at a time.
		time.Sleep(300 * time.Millisecond)
		stop := time.Now().Add(4 * time.Second)
		for _, m := range sellers {
			wg.Go(func() {
				for time.Now().Before(stop) {
					if _, err := other.Token(ctx, m); err != nil {
						t.Errorf("Token(%s): %v", m, err)
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		if err != nil {
			t.Fatalf("RefreshDue: %v", err)
		}
		if hits := f.srv.Hits(tokenPath) - before; hits != len(sellers) {
			t.Errorf("%d ObtainToken requests for %d sellers, want one each (RefreshDue: %+v)", hits, len(sellers), rep)
		}
		if rep.Refreshed == 0 || rep.Failed != 0 || rep.Reauthorize != 0 {
			t.Errorf("RefreshDue = %+v, want refreshes and no failure", rep)
		}
	})
}

// brokenNetwork fails every request with an error whose text holds bytes
// PostgreSQL refuses in a text column (NUL, invalid UTF-8), as a proxy's or
// a TLS library's message may.
type brokenNetwork struct{}

func (brokenNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("proxy says \x00\xff\xfe\n no")
}

// Guarantee 4: the backoff after a passing failure is recorded whatever
// the failure's text holds; a write refused for the text would leave every
// call free to send again at once.
func TestFailureTextIsStorable(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		cfg := f.config()
		cfg.Client = f.clientOver(t, brokenNetwork{}, 1)
		v := f.open(t, dsn, cfg)
		ctx := context.Background()
		const m = "MLNULERROR01"
		tok := makeDue(t, v, f.connect(t, f.open(t, dsn, f.config()), m))
		if got, err := v.Token(ctx, m); err != nil || got.AccessToken != tok.AccessToken {
			t.Fatalf("Token = %v, %v; want the current token", got, err)
		}
		s, err := v.Seller(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if s.Failures != 1 || s.RetryAt.IsZero() || !utf8.ValidString(s.LastError) || strings.ContainsAny(s.LastError, "\x00\n") {
			t.Errorf("Seller = %v; want the failure recorded with a printable reason", s)
		}
	})
}

// inFlight counts the requests under way at once and the most seen.
type inFlight struct {
	mu       sync.Mutex
	now, max int
	delay    time.Duration
}

func (c *inFlight) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.now++
	c.max = max(c.max, c.now)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.now--
		c.mu.Unlock()
	}()
	time.Sleep(c.delay)
	return http.DefaultTransport.RoundTrip(req)
}

// Guarantee 8: RefreshDue runs at most Config.RefreshConcurrency refreshes
// at once.
func TestRefreshDueConcurrencyBound(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		counter := &inFlight{delay: 50 * time.Millisecond}
		cfg := f.config()
		cfg.Client = f.clientOver(t, counter, 0)
		cfg.RefreshConcurrency = 2
		v := f.open(t, dsn, cfg)
		other := f.open(t, dsn, f.config())
		for i := range 8 {
			makeDue(t, other, f.connect(t, other, fmt.Sprintf("MLBOUND%05d", i)))
		}
		rep, err := v.RefreshDue(context.Background(), 0)
		if err != nil || rep.Refreshed != 8 {
			t.Fatalf("RefreshDue = %+v, %v", rep, err)
		}
		if counter.max != 2 {
			t.Errorf("%d refreshes at once, want Config.RefreshConcurrency (2)", counter.max)
		}
	})
}
