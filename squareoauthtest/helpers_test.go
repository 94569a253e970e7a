package squareoauthtest_test

// Helpers shared by the tests of the wrapper.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/squareoauth/squareoauth"
)

const seller = "MLSELLER0001"

// newClient is what a user writes: the public client on the server's Config.
func newClient(t *testing.T, cfg squareoauth.Config) *squareoauth.Client {
	t.Helper()
	c, err := squareoauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// exchange trades a code for tokens, failing the test on an error.
func exchange(t *testing.T, c *squareoauth.Client, code string) *squareoauth.ObtainTokenResponse {
	t.Helper()
	tok, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code})
	if err != nil {
		t.Fatalf("ObtainToken: %v", err)
	}
	return tok
}

func refresh(ctx context.Context, c *squareoauth.Client, refreshToken string) (*squareoauth.ObtainTokenResponse, error) {
	return c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeRefreshToken, RefreshToken: refreshToken})
}

// wantSquareError checks that err is a *squareoauth.Error with the status
// and code.
func wantSquareError(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	var e *squareoauth.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error got %v (%T); want a *squareoauth.Error", what, err, err)
	}
	if e.StatusCode != status || !e.HasCode(code) {
		t.Errorf("%s: error got %d %q; want %d with code %q", what, e.StatusCode, e.Error(), status, code)
	}
}

// recordingTB is the testing.TB a user's test would be, recording Errorf
// calls and holding Cleanup functions until the test runs them.
type recordingTB struct {
	testing.TB // the real test, for anything not overridden

	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

// finish runs the cleanups, last registered first, as package testing does.
func (r *recordingTB) finish() []string {
	r.mu.Lock()
	fs := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for _, f := range slices.Backward(fs) {
		f()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}
