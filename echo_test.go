package squareoauth_test

// Answers that echo a credential back: what the error keeps of them.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

func TestErrorBodyIsKeptAndRedacted(t *testing.T) {
	t.Parallel()
	f := setup(t)
	access := f.obtain(t).AccessToken
	// A server that echoes the credential it was sent must not get it into
	// the error, not even into Body.
	f.fake.InjectFault("/oauth2/token/status", fakesquare.Fault{Status: 401, Header: jsonHeader(),
		Body: []byte(`{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"bad token ` + access + `"}]}`)})
	_, err := f.client.RetrieveTokenStatus(t.Context(), access)
	e := asError(t, err)
	if bytes.Contains(e.Body, []byte(access)) || strings.Contains(e.Errors[0].Detail, access) {
		t.Errorf("the echoed token survived: body %s, detail %q", e.Body, e.Errors[0].Detail)
	}
	if !bytes.Contains(e.Body, []byte(`"code":"UNAUTHORIZED"`)) || !strings.Contains(e.Errors[0].Detail, "bad token [REDACTED]") {
		t.Errorf("the rest of the answer is lost: body %s, detail %q", e.Body, e.Errors[0].Detail)
	}
}

// TestBodyRedactedInEverySpelling: Error.Body holds no secret, whether the
// answer echoes it as it is, JSON-escaped (the \u form Square's encoders
// may write) or URL-encoded, and whether or not the 1 MiB cap cuts it;
// nor does Error.Header.
func TestBodyRedactedInEverySpelling(t *testing.T) {
	t.Parallel()
	const token = "EAAA-CANARY-echoed-bearer-token-41f7"
	escaped := strings.ReplaceAll(`\u0045AAA-CANARY-echoed-bearer-token-41f7`, "-", `\u002d`)
	urlEncoded := url.QueryEscape(strings.ReplaceAll(token, "-", "/"))
	urlEncodedToken := strings.ReplaceAll(urlEncoded, "%2F", "%2d")
	pad := func(n int) string { return strings.Repeat("p", n) }
	tests := map[string]string{
		"JSON-escaped":                       `{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"bad token ` + escaped + `"}]}`,
		"URL-encoded":                        `<html><a href="/retry?access_token=` + urlEncodedToken + `">again</a></html>`,
		"cut by the cap, 10 bytes before it": pad(1<<20-10) + token + pad(100),
		"cut by the cap, 1 byte before it":   pad(1<<20-1) + token,
		"escaped and cut by the cap":         pad(1<<20-20) + escaped + pad(100),
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, noRetry)
			header := jsonHeader()
			header.Set("WWW-Authenticate", `Bearer error="invalid_token", token="`+token+`"`)
			f.fake.InjectFault("/oauth2/token/status", fakesquare.Fault{Status: 401, Header: header, Body: []byte(body)})
			_, err := f.client.RetrieveTokenStatus(t.Context(), token)
			e := asError(t, err)
			if h := e.Header.Get("WWW-Authenticate"); strings.Contains(h, token) || !strings.Contains(h, "[REDACTED]") {
				t.Errorf("Header echoes the token: %q", h)
			}
			if len(e.Body) > 1<<20 {
				t.Errorf("Body holds %d bytes; want at most 1 MiB", len(e.Body))
			}
			// Any 10 bytes of the token, in any spelling, are too many.
			kept, _ := url.QueryUnescape(string(e.Body))
			var detail struct {
				Errors []struct{ Detail string }
			}
			if json.Unmarshal(e.Body, &detail) == nil && len(detail.Errors) > 0 {
				kept += detail.Errors[0].Detail
			}
			for _, spelling := range []string{string(e.Body), kept} {
				if strings.Contains(spelling, token[:10]) {
					t.Errorf("Body keeps part of the token: ...%q", spelling[max(0, strings.Index(spelling, token[:10])-20):])
				}
			}
			// The cap may cut the mark itself.
			if !bytes.Contains(e.Body, []byte("[REDACTED]")) && !bytes.HasSuffix(e.Body, []byte("[")) {
				t.Errorf("Body has no redaction mark; the test answer lost its echo")
			}
		})
	}
}

// TestHostileAnswerStaysSmall: an answer that issues a one-letter "token"
// and fills 1 MiB of detail with that letter must not have every letter
// replaced by the longer mark: Error() stays short, and holding the error
// keeps about what the answer weighed.
func TestHostileAnswerStaysSmall(t *testing.T) {
	// Not parallel: the leak check counts the whole process.
	leaks := newLeakCheck()
	f := setup(t, noRetry, leaks.config)
	access := f.obtain(t).AccessToken
	detail := strings.Repeat("x", 1<<20-1000) // the whole answer under the 1 MiB cap
	body := `{"access_token":"x","refresh_token":"xx","errors":[{"category":"API_ERROR","code":"` + strings.Repeat("x", 300) + `","detail":"` + detail + `"}]}`
	f.fake.InjectFault("/oauth2/token/status", fakesquare.Fault{Status: 400, Header: jsonHeader(), Body: []byte(body)})
	leaks.mark()

	_, err := f.client.RetrieveTokenStatus(t.Context(), access)

	// The body and its decoded detail.
	leaks.check(t, f, 3<<20, err)
	e := asError(t, err)
	text := e.Error()
	t.Logf("Error() is %d bytes", len(text))
	if len(text) > 1024 {
		t.Errorf("Error() is %d bytes; want at most 1 KiB", len(text))
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d"} {
		if n := len(fmt.Sprintf(verb, err)); n > 2048 {
			t.Errorf("%s prints %d bytes; want at most 2 KiB", verb, n)
		}
	}
	if !strings.Contains(text, "400 Bad Request: "+strings.Repeat("x", 200)) || !strings.Contains(text, "…") {
		t.Errorf("Error() = %.300q; want the start of the code and detail, clipped", text)
	}
}

// TestHostileAnswerCostsLittleToRedact: an answer that issues a long
// credential of one repeated letter and repeats that letter for a mebibyte
// has a match at every byte. Marking each match's bytes anew took 20
// seconds of CPU for this answer (2-vCPU VM); each byte must be marked
// once. The bound is generous: the call takes a fraction of a second.
func TestHostileAnswerCostsLittleToRedact(t *testing.T) {
	t.Parallel()
	f := setup(t, noRetry)
	access := f.obtain(t).AccessToken
	issued := strings.Repeat("a", 8000) // the answer stays under the cap and its slack, so it is decoded
	body := `{"access_token":"` + issued + `","pad":"` + strings.Repeat("a", 1<<20-200) + `"}`
	f.fake.InjectFault("/oauth2/token/status", fakesquare.Fault{Status: 400, Header: jsonHeader(), Body: []byte(body)})

	start := time.Now()
	_, err := f.client.RetrieveTokenStatus(t.Context(), access)
	took := time.Since(start)

	if e := asError(t, err); bytes.Contains(e.Body, []byte(issued)) {
		t.Error("Body still holds the issued credential")
	}
	if took > 5*time.Second {
		t.Errorf("redacting the answer took %v; want well under a second", took)
	}
}

// TestTransportErrorQuotingTheTokenIsRedacted: a server that answers with
// the bearer token it received as its status line makes net/http quote it
// in the error; the token is redacted from every printed form, while
// errors.As still finds the *url.Error.
func TestTransportErrorQuotingTheTokenIsRedacted(t *testing.T) {
	t.Parallel()
	const token = "EAAA-CANARY-token-in-a-status-line-8c1d"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				bearer := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
				_, _ = io.WriteString(conn, "HTTP/1.1 "+bearer+"\r\n\r\n")
			}()
		}
	}()
	c, err := squareoauth.New(squareoauth.Config{ClientID: testClientID, BaseURL: "http://" + ln.Addr().String(),
		Retry: &squareoauth.RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.RetrieveTokenStatus(t.Context(), token)
	if err == nil || !strings.Contains(err.Error(), "malformed HTTP") {
		t.Fatalf("got %v; want net/http's malformed-response error", err)
	}
	assertNoSecrets(t, err, token)
	var urlErr *url.Error
	if !errors.As(err, &urlErr) || urlErr.Op != "Post" || urlErr.Timeout() {
		t.Fatalf("errors.As found no *url.Error for the POST in %v", err)
	}
	assertNoSecrets(t, urlErr, token)
	if !strings.Contains(err.Error(), "[REDACTED]") {
		t.Errorf("Error() = %q; want the token marked as redacted", err)
	}
}
