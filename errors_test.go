package squareoauth_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
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

// TestRedactionKeepsTheCap: replacing a short secret with the longer
// "[REDACTED]" must not grow Body past its 1 MiB cap.
func TestRedactionKeepsTheCap(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.fake.InjectFault("/oauth2/token/status", fakesquare.Fault{Status: 401, Body: bytes.Repeat([]byte("a"), 1<<20)})
	_, err := f.client.RetrieveTokenStatus(t.Context(), "a")
	if e := asError(t, err); len(e.Body) > 1<<20 || !bytes.HasPrefix(e.Body, []byte("[REDACTED]")) {
		t.Errorf("Body holds %d bytes starting %.20q; want at most 1 MiB, redacted", len(e.Body), e.Body)
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
