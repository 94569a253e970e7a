package squareoauth

import (
	"errors"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"testing"
	"time"
)

// TestBackoffIsCappedFullJitter samples the wait before each retry: it must
// stay within [0, min(MaxDelay, BaseDelay·2^(n-1))] and use that range.
func TestBackoffIsCappedFullJitter(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{MaxAttempts: 10, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for attempt, ceiling := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 9: time.Second} {
		var lo, hi time.Duration = ceiling, 0
		for range 2000 {
			d, ok := p.delay(attempt, nil)
			if !ok || d < 0 || d > ceiling {
				t.Fatalf("attempt %d: delay %v, ok %v; want within [0, %v]", attempt, d, ok, ceiling)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo > ceiling/10 || hi < ceiling*9/10 {
			t.Errorf("attempt %d: delays spanned [%v, %v]; want full jitter over [0, %v]", attempt, lo, hi, ceiling)
		}
	}
	huge := RetryPolicy{BaseDelay: 1000 * time.Hour, MaxDelay: 2 * time.Second}
	for attempt := 1; attempt < 80; attempt++ {
		if d, ok := huge.delay(attempt, nil); !ok || d < 0 || d > 2*time.Second {
			t.Fatalf("BaseDelay above MaxDelay, attempt %d: %v", attempt, d)
		}
	}
}

func TestRetryAfterHeader(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	p := (&RetryPolicy{MaxDelay: 10 * time.Second}).withDefaults()
	tests := []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{"11", 11 * time.Second, false}, // longer than MaxDelay: give up
		{now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tt := range tests {
		got, present := retryAfter(tt.header, now)
		if !present || got != tt.want {
			t.Errorf("retryAfter(%q) = %v, %v; want %v", tt.header, got, present, tt.want)
		}
		// delay reads the header against the clock: only the seconds
		// form gives an exact wait.
		if _, err := strconv.Atoi(tt.header); err == nil {
			wait, ok := p.delay(1, &Error{Header: http.Header{"Retry-After": {tt.header}}})
			if wait != tt.want || ok != tt.ok {
				t.Errorf("delay with Retry-After %q = %v, %v; want %v, %v", tt.header, wait, ok, tt.want, tt.ok)
			}
		}
	}
	for _, bad := range []string{"", "soon", "-1", "1.5"} {
		if _, present := retryAfter(bad, now); present {
			t.Errorf("retryAfter(%q): want it treated as absent", bad)
		}
	}
}

func TestRetryPolicyDefaults(t *testing.T) {
	t.Parallel()
	var nilPolicy *RetryPolicy
	want := RetryPolicy{MaxAttempts: 3, BaseDelay: 250 * time.Millisecond, MaxDelay: 10 * time.Second}
	for _, p := range []*RetryPolicy{nilPolicy, {}, {MaxAttempts: -1, BaseDelay: -1, MaxDelay: -1}} {
		if got := p.withDefaults(); got != want {
			t.Errorf("%+v.withDefaults() = %+v; want %+v", p, got, want)
		}
	}
	if got := (&RetryPolicy{MaxAttempts: 1, BaseDelay: time.Second}).withDefaults(); got.MaxAttempts != 1 || got.BaseDelay != time.Second || got.MaxDelay != 10*time.Second {
		t.Errorf("partial policy: got %+v", got)
	}
}

// TestSendTraceProvesUnsent feeds the hooks the sequences net/http reports:
// only "no connection" and "the write failed" prove a request unsent.
func TestSendTraceProvesUnsent(t *testing.T) {
	t.Parallel()
	writeFailed := errors.New("broken pipe")
	tests := []struct {
		name   string
		events []string
		unsent bool
	}{
		{"nothing reported (a RoundTripper not built on net/http)", nil, false},
		{"asked for a connection, got none", []string{"GetConn"}, true},
		{"got a connection, no word of the write", []string{"GetConn", "GotConn"}, false},
		{"only a connection reported", []string{"GotConn"}, false},
		{"the write failed", []string{"GetConn", "GotConn", "WroteRequest failed"}, true},
		{"written", []string{"GetConn", "GotConn", "WroteRequest"}, false},
		{"failed once, then written (net/http tried again)", []string{"GetConn", "GotConn", "WroteRequest failed", "GetConn", "GotConn", "WroteRequest"}, false},
	}
	for _, tt := range tests {
		var st sendTrace
		hooks := httptrace.ContextClientTrace(st.context(t.Context()))
		for _, e := range tt.events {
			switch e {
			case "GetConn":
				hooks.GetConn("square.example:443")
			case "GotConn":
				hooks.GotConn(httptrace.GotConnInfo{})
			case "WroteRequest":
				hooks.WroteRequest(httptrace.WroteRequestInfo{})
			case "WroteRequest failed":
				hooks.WroteRequest(httptrace.WroteRequestInfo{Err: writeFailed})
			}
		}
		if got := st.unsent(); got != tt.unsent {
			t.Errorf("%s: unsent() = %v; want %v", tt.name, got, tt.unsent)
		}
	}
	var none *sendTrace
	if none.unsent() {
		t.Error("a nil sendTrace (a call that is not traced) must not claim the request unsent")
	}
}
