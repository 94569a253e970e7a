package squareoauth_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/squareoauth/squareoauth"
)

// TestErrorTextCannotDriveTheReader: server-chosen text reaches Error()
// with C0, C1 and bidirectional controls masked, so that a log line can be
// neither split, recoloured nor reordered by Square's answer.
func TestErrorTextCannotDriveTheReader(t *testing.T) {
	t.Parallel()
	const hostile = "ok\x1b]52;c;Y2FuYXJ5\x07\u009b2J\u202eevil\u2066\r\nforged"
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{
		{"category": "AUTHENTICATION_ERROR", "code": "UNAUTHORIZED", "detail": hostile},
	}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL)
	_, err := c.RetrieveTokenStatus(t.Context(), "EAAA-some-access-token-0000000000")
	var e *squareoauth.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v; want an *Error", err)
	}
	msg := err.Error()
	for _, bad := range []string{"\x1b", "\x07", "\u009b", "\u202e", "\u2066", "\r", "\n"} {
		if strings.Contains(msg, bad) {
			t.Errorf("Error() carries %q: %q", bad, msg)
		}
	}
	if !strings.Contains(msg, "ok?]52;c;Y2FuYXJ5??2J?evil???forged") {
		t.Errorf("Error() = %q; want the detail with each control shown as '?'", msg)
	}
}
