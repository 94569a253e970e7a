package squareoauth

import (
	"context"
	"errors"
	"testing"
)

// TestRedactorTakesLongestFirst: when one secret is the start of another,
// the longer goes whole, leaving no tail of it behind.
func TestRedactorTakesLongestFirst(t *testing.T) {
	t.Parallel()
	r := redactor([]string{"EAAA", "", "EAAA-long-secret", "EAAA"})
	if got, want := r.Replace("x EAAA-long-secret y EAAA z"), "x [REDACTED] y [REDACTED] z"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	// One pass: the mark itself is never rewritten, whatever the secrets.
	r = redactor([]string{"R", "E", "D", "A", "C", "T"})
	if got := r.Replace("RED"); got != "[REDACTED][REDACTED][REDACTED]" {
		t.Errorf("got %q; want three marks", got)
	}
}

// TestTransportErrorKeepsContextError: a transport that reports a cancelled
// request in its own words still yields an error that errors.Is matches.
func TestTransportErrorKeepsContextError(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := wrapTransport(ctx, "RetrieveTokenStatus", errors.New("transport gave up"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v; want errors.Is(err, context.Canceled)", err)
	}
	if err := wrapTransport(t.Context(), "RetrieveTokenStatus", context.DeadlineExceeded); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v; want the wrapped cause kept", err)
	}
}
