package squareoauth_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// callFunc drives one public call against a fixture; the token it is given
// is a live access token.
type callFunc func(ctx context.Context, f fixture, access string) error

// calls are the three public calls, each with a valid request, so that a
// failure can only come from the answer.
var calls = []struct {
	name string
	path string
	call callFunc
}{
	{"ObtainToken", "/oauth2/token", func(ctx context.Context, f fixture, _ string) error {
		_, err := f.client.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
			GrantType: squareoauth.GrantTypeAuthorizationCode, Code: f.fake.Authorize(testMerchantID)})
		return err
	}},
	{"RevokeToken", "/oauth2/revoke", func(ctx context.Context, f fixture, access string) error {
		_, err := f.client.RevokeToken(ctx, squareoauth.RevokeTokenRequest{AccessToken: access})
		return err
	}},
	{"RetrieveTokenStatus", "/oauth2/token/status", func(ctx context.Context, f fixture, access string) error {
		_, err := f.client.RetrieveTokenStatus(ctx, access)
		return err
	}},
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// TestAnswersBecomeTypedErrors injects each broken or failing answer in
// front of each call and checks the *Error that comes back.
func TestAnswersBecomeTypedErrors(t *testing.T) {
	t.Parallel()
	const canaryToken = "EAAA-CANARY-issued-in-a-broken-answer"
	tests := []struct {
		name       string
		fault      fakesquare.Fault
		only       string // run for this call only
		wantStatus int
		wantCode   string // first error code, "" for none
		wantText   string // in Error()
	}{
		{
			name:       "v2 errors body",
			fault:      fakesquare.Fault{Status: 401, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"token expired"}]}`)},
			wantStatus: 401, wantCode: "UNAUTHORIZED", wantText: "401 Unauthorized: UNAUTHORIZED: token expired",
		},
		{
			name:       "legacy message/type body",
			fault:      fakesquare.Fault{Status: 400, Header: jsonHeader(), Body: []byte(`{"message":"bad authorization header","type":"bad_request.invalid_parameter","field":"Authorization"}`)},
			wantStatus: 400, wantCode: "bad_request.invalid_parameter", wantText: "bad_request.invalid_parameter: bad authorization header (field Authorization)",
		},
		{
			name:       "line breaks in a detail cannot forge a log line",
			fault:      fakesquare.Fault{Status: 400, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"X","code":"BAD\r\nlevel=ERROR","detail":"a\nmsg=forged","field":"f\n"}]}`)},
			wantStatus: 400, wantCode: "BAD\r\nlevel=ERROR", wantText: "BAD??level=ERROR: a?msg=forged (field f?)",
		},
		{
			name:       "unknown code and category are kept",
			fault:      fakesquare.Fault{Status: 403, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"BRAND_NEW_ERROR","code":"NEVER_SEEN_BEFORE"},{"category":"X","code":"Y"}],"extra":1}`)},
			wantStatus: 403, wantCode: "NEVER_SEEN_BEFORE", wantText: "NEVER_SEEN_BEFORE (and 1 more)",
		},
		{
			name:       "HTML 502 from a proxy",
			fault:      fakesquare.Fault{Status: 502, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte("<html><body>Bad gateway</body></html>")},
			wantStatus: 502, wantText: "502 Bad Gateway: no Square errors in 37-byte body (text/html)",
		},
		{
			name:       "empty 500",
			fault:      fakesquare.Fault{Status: 500},
			wantStatus: 500, wantText: "500 Internal Server Error: empty body",
		},
		{
			name:       "empty 429 with a JSON content type",
			fault:      fakesquare.Fault{Status: 429, Header: jsonHeader()},
			wantStatus: 429, wantText: "429 Too Many Requests: empty body",
		},
		{
			name:       "truncated JSON error",
			fault:      fakesquare.Fault{Status: 503, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"API_ERR`)},
			wantStatus: 503, wantText: "503 Service Unavailable: no Square errors",
		},
		{
			name:       "status Go does not name",
			fault:      fakesquare.Fault{Status: 599, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"API_ERROR","code":"ODD"}]}`)},
			wantStatus: 599, wantCode: "ODD", wantText: "squareoauth: 599: ODD",
		},
		{
			name:       "truncated JSON 200",
			fault:      fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"access_token":"` + canaryToken)},
			wantStatus: 200, wantText: "200 OK: body is not valid JSON",
		},
		{
			name:       "JSON array 200",
			fault:      fakesquare.Fault{Header: jsonHeader(), Body: []byte(`[{"success":true}]`)},
			wantStatus: 200, wantText: "body is not a JSON object",
		},
		{
			name:       "empty 200",
			fault:      fakesquare.Fault{Header: jsonHeader()},
			wantStatus: 200, wantText: "200 OK: empty body",
		},
		{
			name:       "HTML 200 from a captive portal",
			fault:      fakesquare.Fault{Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte("<html>log in to the Wi-Fi</html>")},
			wantStatus: 200, wantText: "body is not a JSON object",
		},
		{
			name:       "200 carrying errors",
			fault:      fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"access_token":"` + canaryToken + `","errors":[{"category":"API_ERROR","code":"INTERNAL_SERVER_ERROR","detail":"half done ` + canaryToken + `"}]}`)},
			wantStatus: 200, wantCode: "INTERNAL_SERVER_ERROR", wantText: "a success status carried errors",
		},
		{
			name:  "token 200 without an access token",
			fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"merchant_id":"MLTESTMERCHANT01"}`)},
			only:  "ObtainToken", wantStatus: 200, wantText: "no access_token",
		},
		{
			name:  "revoke 200 with success false",
			fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"success":false}`)},
			only:  "RevokeToken", wantStatus: 200, wantText: `"success" is not true`,
		},
		{
			name:       "oversized 2xx body",
			fault:      fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"access_token":"x","pad":"`), BodySize: 2 << 20},
			wantStatus: 200, wantText: "body larger than 1 MiB",
		},
		{
			name:       "oversized error body",
			fault:      fakesquare.Fault{Status: 500, Header: http.Header{"Content-Type": {"text/plain"}}, BodySize: 3 << 20},
			wantStatus: 500, wantText: "body truncated at 1 MiB",
		},
	}
	for _, tt := range tests {
		for _, c := range calls {
			if tt.only != "" && tt.only != c.name {
				continue
			}
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				f := setup(t, noRetry)
				access := f.obtain(t).AccessToken
				f.fake.InjectFault(c.path, tt.fault)
				before := f.fake.Hits(c.path)

				err := c.call(t.Context(), f, access)

				e := asError(t, err)
				if e.StatusCode != tt.wantStatus {
					t.Errorf("StatusCode: got %d; want %d", e.StatusCode, tt.wantStatus)
				}
				gotCode := ""
				if len(e.Errors) > 0 {
					gotCode = e.Errors[0].Code
				}
				if gotCode != tt.wantCode || (tt.wantCode != "" && !e.HasCode(tt.wantCode)) {
					t.Errorf("first code: got %q; want %q", gotCode, tt.wantCode)
				}
				if !strings.Contains(e.Error(), tt.wantText) {
					t.Errorf("Error(): got %q; want it to contain %q", e.Error(), tt.wantText)
				}
				if len(e.Body) > 1<<20 {
					t.Errorf("Body holds %d bytes; want at most 1 MiB", len(e.Body))
				}
				if e.Header == nil {
					t.Errorf("Header is nil")
				}
				if hits := f.fake.Hits(c.path) - before; hits != 1 || e.Attempts != 1 {
					t.Errorf("requests sent: got %d, Attempts %d; want exactly 1 with retries off", hits, e.Attempts)
				}
				assertNoSecrets(t, err, canaryToken, access, testClientSecret)
			})
		}
	}
}

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

func TestHasCodeLooksAtEveryError(t *testing.T) {
	t.Parallel()
	e := &squareoauth.Error{Errors: []squareoauth.ErrorDetail{{Code: "NEVER_SEEN_BEFORE"}, {Code: "UNAUTHORIZED"}}}
	if !e.HasCode("UNAUTHORIZED") || e.HasCode("FORBIDDEN") {
		t.Errorf("HasCode: UNAUTHORIZED %v, FORBIDDEN %v; want true, false", e.HasCode("UNAUTHORIZED"), e.HasCode("FORBIDDEN"))
	}
}

// TestOnlySquaresShapesAreSquaresErrors: Square's legacy body has both
// message and type, and its v2 errors each have a category and a code. A
// gateway's JSON (AWS API Gateway and Kong answer {"message":"Forbidden"})
// is not Square's: it yields no ErrorDetail, Error() quotes its message,
// and a TokenSource takes it for a passing failure, not for Square's
// refusal of the refresh token.
func TestOnlySquaresShapesAreSquaresErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body     string
		wantCode string // "" when the body is not Square's
		wantText string
	}{
		{`{"message":"Forbidden"}`, "", `403 Forbidden: not in Square's error format: message "Forbidden"`},
		{`{"message":"Missing Authentication Token\nlevel=ERROR"}`, "", `message "Missing Authentication Token\nlevel=ERROR"`},
		{`{"type":"bad_request"}`, "", "no Square errors in 22-byte body (application/json)"},
		{`{"errors":[{"status":"403","title":"Forbidden"}]}`, "", "no Square errors in 49-byte body"},
		{`{"errors":[{"category":"AUTHENTICATION_ERROR","code":"FORBIDDEN"},{"title":"x"}]}`, "", "no Square errors"},
		{`{"message":"cannot renew revoked token","type":"bad_request"}`, "bad_request", "403 Forbidden: bad_request: cannot renew revoked token"},
		{`{"errors":[{"category":"AUTHENTICATION_ERROR","code":"FORBIDDEN"}]}`, "FORBIDDEN", "403 Forbidden: FORBIDDEN"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			f := setup(t, noRetry)
			fault := fakesquare.Fault{Status: http.StatusForbidden, Header: jsonHeader(), Body: []byte(tt.body)}
			f.fake.InjectFault("/oauth2/token/status", fault)
			_, err := f.client.RetrieveTokenStatus(t.Context(), "EAAA-some-access-token-00000000")
			e := asError(t, err)
			gotCode := ""
			if len(e.Errors) > 0 {
				gotCode = e.Errors[0].Code
			}
			if gotCode != tt.wantCode || len(e.Errors) > 1 {
				t.Errorf("Errors = %+v; want first code %q", e.Errors, tt.wantCode)
			}
			if !strings.Contains(e.Error(), tt.wantText) {
				t.Errorf("Error() = %q; want it to contain %q", e.Error(), tt.wantText)
			}

			f.fake.InjectFault("/oauth2/token", fault)
			ts := f.client.TokenSource(squareoauth.Token{AccessToken: "EAAA-expired-access-token-0000", RefreshToken: "EQAA-refresh-token-00000000000"})
			_, err = ts.TokenContext(t.Context())
			var refreshErr *squareoauth.RefreshError
			if permanent := errors.As(err, &refreshErr); permanent != (tt.wantCode != "") {
				t.Errorf("refresh answered with it: %v; want a permanent RefreshError only for Square's own body", err)
			}
		})
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
	// Not parallel: the heap figures must belong to this call alone.
	f := setup(t, noRetry)
	access := f.obtain(t).AccessToken
	detail := strings.Repeat("x", 1<<20-1000) // the whole answer under the 1 MiB cap
	body := `{"access_token":"x","refresh_token":"xx","errors":[{"category":"API_ERROR","code":"` + strings.Repeat("x", 300) + `","detail":"` + detail + `"}]}`
	f.fake.InjectFault("/oauth2/token/status", fakesquare.Fault{Status: 400, Header: jsonHeader(), Body: []byte(body)})
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	before := m.HeapAlloc

	_, err := f.client.RetrieveTokenStatus(t.Context(), access)

	runtime.GC()
	runtime.ReadMemStats(&m)
	grew := int64(m.HeapAlloc) - int64(before)
	e := asError(t, err)
	text := e.Error()
	t.Logf("Error() is %d bytes; holding the error raised the live heap by %.2f MiB", len(text), float64(grew)/(1<<20))
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
	if grew > 3<<20 {
		t.Errorf("the live heap grew by %.2f MiB; want at most 3 MiB (the body and its decoded detail)", float64(grew)/(1<<20))
	}
	runtime.KeepAlive(err)
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
	assertNoCanary(t, "transport error", err, token)
	var urlErr *url.Error
	if !errors.As(err, &urlErr) || urlErr.Op != "Post" || urlErr.Timeout() {
		t.Fatalf("errors.As found no *url.Error for the POST in %v", err)
	}
	assertNoCanary(t, "the *url.Error found by errors.As", urlErr, token)
	if !strings.Contains(err.Error(), "[REDACTED]") {
		t.Errorf("Error() = %q; want the token marked as redacted", err)
	}
}

func TestFakeErrorShapes(t *testing.T) {
	t.Parallel()
	for _, legacy := range []bool{false, true} {
		f := setup(t)
		f.fake.SetLegacyErrors(legacy)
		_, err := f.client.RetrieveTokenStatus(t.Context(), "EAAA-CANARY-unknown-access-token")
		e := asError(t, err)
		if e.StatusCode != http.StatusUnauthorized || len(e.Errors) != 1 || e.Errors[0].Detail == "" {
			t.Fatalf("legacy=%v: got %#v; want one 401 error with a detail", legacy, e)
		}
		if gotCategory := e.Errors[0].Category; (gotCategory == "") != legacy {
			t.Errorf("legacy=%v: category %q; want one only in the v2 shape", legacy, gotCategory)
		}
		assertNoSecrets(t, err, "EAAA-CANARY-unknown-access-token")
	}
}

func TestCodeIsSingleUse(t *testing.T) {
	t.Parallel()
	f := setup(t)
	code := f.fake.Authorize(testMerchantID)
	req := squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code}
	if _, err := f.client.ObtainToken(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	_, err := f.client.ObtainToken(t.Context(), req)
	if e := asError(t, err); e.StatusCode/100 != 4 || len(e.Errors) == 0 {
		t.Errorf("second exchange of one code: %v; want a 4xx with Square errors", err)
	}
	assertNoSecrets(t, err, code, testClientSecret)
}

func TestExpiredTokenIsUnauthorized(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tok := f.obtain(t)
	f.fake.Advance(31 * 24 * time.Hour)
	_, err := f.client.RetrieveTokenStatus(t.Context(), tok.AccessToken)
	if e := asError(t, err); !e.HasCode("UNAUTHORIZED") {
		t.Errorf("expired token: %v; want UNAUTHORIZED", err)
	}
}

// TestContextEndsCalls checks that a deadline or a cancellation stops every
// call, comes back findable with errors.Is, and is not an *Error.
func TestContextEndsCalls(t *testing.T) {
	t.Parallel()
	for _, c := range calls {
		for _, want := range []error{context.DeadlineExceeded, context.Canceled} {
			t.Run(c.name+"/"+want.Error(), func(t *testing.T) {
				t.Parallel()
				f := setup(t)
				access := f.obtain(t).AccessToken
				f.fake.InjectFault(c.path, fakesquare.Fault{Delay: time.Minute, Header: jsonHeader(), Body: []byte(`{}`)})
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				if want == context.DeadlineExceeded {
					ctx, cancel = context.WithTimeout(t.Context(), 50*time.Millisecond)
					defer cancel()
				} else {
					time.AfterFunc(50*time.Millisecond, cancel)
				}
				start := time.Now()
				err := c.call(ctx, f, access)
				if !errors.Is(err, want) {
					t.Fatalf("got %v; want errors.Is(err, %v)", err, want)
				}
				var e *squareoauth.Error
				if errors.As(err, &e) {
					t.Errorf("a call that got no answer returned an *Error: %v", err)
				}
				if elapsed := time.Since(start); elapsed > 10*time.Second {
					t.Errorf("the call took %v after its context ended", elapsed)
				}
				assertNoSecrets(t, err, access, testClientSecret)
			})
		}
	}
}

// closedURL returns the URL of a loopback port that nothing listens on: one
// the test opened and closed (a fixed port such as 1 may be in use).
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	return "http://" + ln.Addr().String()
}

func TestUnreachableServerIsNotAnError(t *testing.T) {
	t.Parallel()
	c, err := squareoauth.New(squareoauth.Config{ClientID: testClientID, ClientSecret: testClientSecret,
		BaseURL: closedURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.RetrieveTokenStatus(t.Context(), "EAAA-CANARY-token-for-nowhere")
	var e *squareoauth.Error
	if err == nil || errors.As(err, &e) {
		t.Fatalf("got %v; want a transport error that is not an *Error", err)
	}
	assertNoSecrets(t, err, "EAAA-CANARY-token-for-nowhere", testClientSecret)
}

// TestRedirectsAreNotFollowed: a redirect would carry the body's secrets,
// or the Authorization header, elsewhere, whichever HTTP client is used.
func TestRedirectsAreNotFollowed(t *testing.T) {
	t.Parallel()
	var stolen atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { stolen.Add(1) }))
	defer elsewhere.Close()
	for name, hc := range map[string]*http.Client{"default client": nil, "caller's client": {Transport: &http.Transport{}}} {
		f := setup(t, func(c *squareoauth.Config) { c.HTTPClient = hc })
		f.fake.InjectFault("/oauth2/token", fakesquare.Fault{Status: http.StatusTemporaryRedirect,
			Header: http.Header{"Location": {elsewhere.URL + "/steal"}}})
		_, err := f.client.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
			GrantType: squareoauth.GrantTypeAuthorizationCode, Code: f.fake.Authorize(testMerchantID)})
		if e := asError(t, err); e.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("%s: got %v; want the 307 itself as an *Error", name, err)
		}
	}
	if n := stolen.Load(); n != 0 {
		t.Errorf("%d requests followed the redirect", n)
	}
}
