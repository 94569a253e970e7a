package squareoauth

import (
	"net/http"
	"testing"
	"time"
)

// TestHTTPClientDefaults: the default client has a finite timeout (the
// generated client's has none), and a caller's client is copied, not
// changed, when redirects are turned off.
func TestHTTPClientDefaults(t *testing.T) {
	t.Parallel()
	if got := httpClient(nil); got.Timeout != defaultTimeout || got.Timeout <= 0 || got.CheckRedirect == nil {
		t.Errorf("default client: timeout %v, CheckRedirect set %v; want %v and set", got.Timeout, got.CheckRedirect != nil, defaultTimeout)
	}
	mine := &http.Client{Timeout: 5 * time.Second}
	got := httpClient(mine)
	if got == mine || mine.CheckRedirect != nil || got.Timeout != 5*time.Second || got.CheckRedirect == nil {
		t.Errorf("caller's client: changed in place or lost its settings")
	}
	if err := got.CheckRedirect(nil, nil); err != http.ErrUseLastResponse {
		t.Errorf("CheckRedirect = %v; want http.ErrUseLastResponse", err)
	}
}
