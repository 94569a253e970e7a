package squareoauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestRedactorFindsEverySpelling: a secret is found written as it is,
// JSON-escaped (any character, any hex case) or URL-encoded, overlapping
// another, or run together with one; every run of text that spells secrets
// becomes one mark, and the text never grows.
func TestRedactorFindsEverySpelling(t *testing.T) {
	t.Parallel()
	const secret = "sq0csp-ABCDEFGH/ijklmnop" // 24 bytes
	r := newRedactor([]string{secret, "", "short"}, []string{"EAAA-abcdefghijklmnopq"})
	tests := []struct{ in, want string }{
		{"x " + secret + " y", "x [REDACTED] y"},
		{`x \u0073q0csp-ABCDEFGH/ijklmnop y`, "x [REDACTED] y"},
		{`x \u0073\u0071\u0030\u0063\u0073\u0070\u002D\u0041BCDEFGH\/ijklmnop y`, "x [REDACTED] y"},
		{"x %73q0csp-ABCDEFGH%2fijklmnop y", "x [REDACTED] y"},
		{"x sq0csp%2DABCDEFGH%2Fijklmnop y", "x [REDACTED] y"},
		{secret + secret, "[REDACTED]"},
		{"EAAA-abcdefghijklmnopq" + secret, "[REDACTED]"},
		{"sq0csp-ABCDEFGH/ijklmnosq0csp-ABCDEFGH/ijklmnop!", "sq0csp-ABCDEFGH/ijklmno[REDACTED]!"},
		{`x %C` + "EAAA-abcdefghijklmnopq", `x %C[REDACTED]`}, // "%CE" reads as an escape
		{`x \u00` + "EAAA-abcdefghijklmnopq", `x \u00[REDACTED]`},
		{"short short", "short short"},                         // too short to be a credential
		{`\u00zz % \ \u0073`, `\u00zz % \ \u0073`},             // broken escapes stand for themselves
		{"sq0csp-ABCDEFGH/ijklmno", "sq0csp-ABCDEFGH/ijklmno"}, // a secret less its last byte is not it
	}
	for _, tt := range tests {
		if got := r.redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q; want %q", tt.in, got, tt.want)
		}
		if got := r.redact(tt.in); len(got) > len(tt.in) {
			t.Errorf("redact(%q) grew to %d bytes", tt.in, len(got))
		}
	}
	if got := (redactor{}).redact(secret); got != secret {
		t.Errorf("the zero redactor changed %q to %q", secret, got)
	}
}

// TestCredentialFieldsMatchTheModels: each credential field names a field
// of a model, so a typo cannot leave a credential printed and unredacted.
func TestCredentialFieldsMatchTheModels(t *testing.T) {
	t.Parallel()
	c := credentialFields{AccessToken: "a", IDToken: "i"}
	if got := strings.Join(c.values(), ","); got != "a,i" {
		t.Errorf("values() = %q; want the fields that are set, in order", got)
	}
	inModels := map[string]bool{}
	for _, model := range []any{ObtainTokenRequest{}, ObtainTokenResponse{}, RevokeTokenRequest{}} {
		typ := reflect.TypeOf(model)
		for i := range typ.NumField() {
			if isCredentialField(typ.Field(i)) {
				name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
				inModels[name] = true
			}
		}
	}
	for key := range credentialJSONNames {
		if !inModels[key] {
			t.Errorf("credential field %q is in no model", key)
		}
	}
}

// TestTransportErrorKeepsContextError: a transport that reports a cancelled
// request in its own words still yields an error that errors.Is matches.
func TestTransportErrorKeepsContextError(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := wrapTransport(ctx, "RetrieveTokenStatus", errors.New("transport gave up"), redactor{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v; want errors.Is(err, context.Canceled)", err)
	}
	if err := wrapTransport(t.Context(), "RetrieveTokenStatus", context.DeadlineExceeded, redactor{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v; want the wrapped cause kept", err)
	}
}

// TestRedactedTransportErrorKeepsItsChain: a transport error whose text
// quotes a secret is rebuilt redacted, and errors.Is and errors.As still
// find the *url.Error, its timeout and the sentinel errors under it; no
// error anywhere in the new chain prints the secret.
func TestRedactedTransportErrorKeepsItsChain(t *testing.T) {
	t.Parallel()
	const secret = "EAAA-secret-token-quoted-0000"
	r := newRedactor([]string{secret})
	cause := fmt.Errorf("reading %q: %w; %w", secret, os.ErrDeadlineExceeded, context.Canceled)
	err := wrapTransport(t.Context(), "RetrieveTokenStatus", &url.Error{Op: "Post", URL: "http://127.0.0.1/x", Err: cause}, r)
	var urlErr *url.Error
	var netErr net.Error
	switch {
	case !errors.Is(err, os.ErrDeadlineExceeded) || !errors.Is(err, context.Canceled):
		t.Errorf("errors.Is lost a sentinel: %v", err)
	case !errors.As(err, &urlErr) || urlErr.Op != "Post" || !urlErr.Timeout():
		t.Errorf("errors.As lost the *url.Error or its timeout: %v", err)
	case !errors.As(err, &netErr) || !netErr.Timeout():
		t.Errorf("errors.As lost the net.Error: %v", err)
	}
	// Walk the whole chain, as a caller unwrapping it might.
	for queue := []error{err}; len(queue) > 0; queue = queue[1:] {
		e := queue[0]
		if strings.Contains(e.Error(), secret) {
			t.Errorf("%T in the chain prints the secret: %q", e, e)
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			if next := u.Unwrap(); next != nil {
				queue = append(queue, next)
			}
		case interface{ Unwrap() []error }:
			queue = append(queue, u.Unwrap()...)
		}
	}
	// An error with no secret in its text is kept as it is.
	plain := errors.New("connection refused")
	if got := wrapTransport(t.Context(), "X", plain, r); !errors.Is(got, plain) {
		t.Errorf("an error without a secret was rebuilt: %v", got)
	}
}

// TestTransportTextIsMasked: a transport's error text may quote a server
// raw (a proxy's CONNECT answer is); its control characters are masked as
// in every other error, while errors.Is still finds what it wrapped.
func TestTransportTextIsMasked(t *testing.T) {
	t.Parallel()
	raw := fmt.Errorf("proxyconnect tcp: 407 \x1b]52;c;Y2FuYXJ5\x07\u202e: %w", context.DeadlineExceeded)
	err := wrapTransport(context.Background(), "ObtainToken", &url.Error{Op: "Post", URL: "https://connect.squareup.com/oauth2/token", Err: raw}, newRedactor())
	if got := err.Error(); strings.ContainsAny(got, "\x1b\x07\u202e") || !strings.Contains(got, "407 ?]52;c;Y2FuYXJ5??") {
		t.Errorf("Error() = %q; want the controls shown as '?'", got)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, context.DeadlineExceeded) = false", err)
	}
	plain := &url.Error{Op: "Post", URL: "https://connect.squareup.com/oauth2/token", Err: net.ErrClosed}
	if got := wrapTransport(context.Background(), "ObtainToken", plain, newRedactor()); !errors.Is(got, plain) {
		t.Errorf("an error with nothing to hide was rebuilt: %v", got)
	}
}
