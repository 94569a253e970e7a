package squareoauth

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync/atomic"
	"time"
)

// RetryPolicy bounds how a Client repeats a call that failed for a passing
// reason. The zero value of each field means its default; a nil
// Config.Retry means the default policy; MaxAttempts 1 turns retries off.
//
// What is retried depends on the call, because a token exchange can spend a
// credential:
//
//   - RetrieveTokenStatus and RevokeToken, which are safe to repeat, are
//     retried after a connection error and after 408, 429, 500, 502, 503
//     and 504.
//   - ObtainToken is retried only when Square cannot have acted on the
//     request: 429, 503 with a Retry-After header, and a connection that
//     net/http's own transport reports failed before the request was
//     written (no connection was made, or writing the request failed).
//     Never after a 500, a timeout or a connection lost after the body was
//     sent: the authorization code or the PKCE refresh token may already be
//     spent. An HTTPClient whose RoundTripper is not built on net/http's
//     transport does not report what it wrote (net/http/httptrace), so any
//     connection failure of it counts as after the body was sent.
//
// Nothing else in the Client re-sends a request that has a body: it gives
// net/http no way to rewind it, so an HTTP/2 stream reset or a keep-alive
// connection lost under the request comes back to the Client. A
// RoundTripper of the caller's that retries on its own (by buffering the
// body) is outside this promise. (RetrieveTokenStatus has no body, and
// net/http may repeat it on a new connection when an HTTP/2 server refuses
// or resets its stream; that repeat is not in Attempts.)
//
// Waits grow exponentially from BaseDelay with full jitter, capped by
// MaxDelay. A Retry-After header (seconds or an HTTP date) is obeyed when it
// is at most MaxDelay; a longer one ends the retries at once. Every wait ends
// when the context does. The request body is the same on every attempt, and
// the *Error of the last attempt is returned with Error.Attempts set.
type RetryPolicy struct {
	// MaxAttempts is the number of requests a call may make, the first
	// included. Default 3.
	MaxAttempts int
	// BaseDelay is the longest wait before the first retry. Default 250ms.
	BaseDelay time.Duration
	// MaxDelay caps every wait, Retry-After included. Default 10s.
	MaxDelay time.Duration
}

// Defaults of RetryPolicy.
const (
	defaultMaxAttempts = 3
	defaultBaseDelay   = 250 * time.Millisecond
	defaultMaxDelay    = 10 * time.Second
)

// withDefaults returns p with zero fields set to their defaults.
func (p *RetryPolicy) withDefaults() RetryPolicy {
	var out RetryPolicy
	if p != nil {
		out = *p
	}
	if out.MaxAttempts <= 0 {
		out.MaxAttempts = defaultMaxAttempts
	}
	if out.BaseDelay <= 0 {
		out.BaseDelay = defaultBaseDelay
	}
	if out.MaxDelay <= 0 {
		out.MaxDelay = defaultMaxDelay
	}
	return out
}

// idempotency says how safe a call is to repeat.
type idempotency bool

const (
	spendsCredential idempotency = false // ObtainToken
	safeToRepeat     idempotency = true  // RevokeToken, RetrieveTokenStatus
)

// call sends one request through send, retrying as the policy allows, and
// turns the final outcome into out or an error.
func (c *Client) call(ctx context.Context, op string, kind idempotency, send func(context.Context) (*http.Response, error), out answer, secrets []string) error {
	p := c.retry
	for attempt := 1; ; attempt++ {
		// Only a call that spends a credential needs to know whether the
		// request left before a connection failed; the trace costs
		// allocations the others can skip.
		var trace *sendTrace
		sendCtx := ctx
		if kind == spendsCredential {
			trace = new(sendTrace)
			sendCtx = trace.context(ctx)
		}
		resp, sendErr := send(sendCtx)
		err := finish(ctx, op, resp, sendErr, out, secrets)
		answer, _ := err.(*Error) // nil when no complete answer arrived
		if answer != nil {
			answer.Attempts = attempt
		}
		if err == nil || attempt >= p.MaxAttempts || ctx.Err() != nil || !retryable(kind, answer, trace.unsent()) {
			return err
		}
		wait, ok := p.delay(attempt, answer)
		if !ok {
			return err // Square asked for a longer pause than the policy allows
		}
		if waitErr := sleep(ctx, wait); waitErr != nil {
			return fmt.Errorf("squareoauth: %s: %w after %d attempts; the last one: %w", op, waitErr, attempt, err)
		}
	}
}

// sendTrace records what net/http's own transport reports while it sends
// one attempt. A RoundTripper that is not built on net/http reports
// nothing, and then the request counts as sent.
type sendTrace struct {
	hooks                                    httptrace.ClientTrace // here to save an allocation
	askedConn, gotConn, wroteOK, writeFailed atomic.Bool
}

// context returns ctx with hooks that fill t.
func (t *sendTrace) context(ctx context.Context) context.Context {
	t.hooks = httptrace.ClientTrace{
		GetConn: func(string) { t.askedConn.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { t.gotConn.Store(true) },
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err != nil {
				t.writeFailed.Store(true)
			} else {
				t.wroteOK.Store(true)
			}
		},
	}
	return httptrace.WithClientTrace(ctx, &t.hooks)
}

// unsent reports whether net/http showed that the request cannot have
// reached the server whole: it asked for a connection and got none, or its
// writer failed before the end of the request, and it never reported a
// complete write. (HTTP/1.1 reports a complete write once the request is
// in its buffer, before it is flushed, so a flush that fails counts as
// sent: that errs on the side of the credential.) A transport that
// reports nothing, or a connection handed over with no report of the
// write, leaves the request possibly sent. A nil t knows nothing.
func (t *sendTrace) unsent() bool {
	if t == nil || t.wroteOK.Load() {
		return false
	}
	return t.writeFailed.Load() || t.askedConn.Load() && !t.gotConn.Load()
}

// retryable decides whether a failed attempt may be repeated. answer is nil
// when no complete answer arrived: the connection failed, before or after
// the request was written, or in the middle of the answer; unsent is true
// only when the request provably did not leave.
func retryable(kind idempotency, answer *Error, unsent bool) bool {
	if answer == nil {
		// Once the body may be out, Square may have acted on it: only a
		// call that is safe to repeat goes again.
		return kind == safeToRepeat || unsent
	}
	switch answer.StatusCode {
	case http.StatusTooManyRequests:
		return true // refused before any work was done
	case http.StatusServiceUnavailable:
		return kind == safeToRepeat || answer.Header.Get("Retry-After") != ""
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return kind == safeToRepeat
	}
	return false
}

// delay is the wait before attempt+1: Retry-After when the answer has one
// (ok false when it exceeds MaxDelay), else full-jitter exponential backoff.
func (p RetryPolicy) delay(attempt int, answer *Error) (time.Duration, bool) {
	if answer != nil {
		if after, present := retryAfter(answer.Header.Get("Retry-After"), time.Now()); present {
			return after, after <= p.MaxDelay
		}
	}
	ceiling := p.MaxDelay
	// BaseDelay << shift, without overflowing, when below MaxDelay.
	if shift := attempt - 1; shift < 63 && p.BaseDelay <= p.MaxDelay>>shift {
		ceiling = p.BaseDelay << shift
	}
	return rand.N(ceiling + 1), true
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP date. A
// value in neither form is treated as absent; a date in the past as zero.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// sleep waits d, or returns the context's error as soon as it is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
