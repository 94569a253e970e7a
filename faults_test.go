package squareoauth_test

// One table of broken, failing and odd answers, each injected in front of
// each of the three calls, with the outcome the row states: the status and
// text of the *Error, or success, or a failure with no answer; how many
// requests reach Square; and whether Square may have acted on the request
// (spent). Every row also runs under the leak checker.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// outcome is what a call must end with.
type outcome struct {
	ok       bool   // success
	status   int    // the *Error's StatusCode; 0 without ok: a failure with no answer, not an *Error
	code     string // the first error code of the *Error, "" for none
	text     string // in the *Error's Error()
	attempts int    // requests that reach Square, and Error.Attempts
}

// faultCase is one fault and the outcome it must have.
type faultCase struct {
	name  string
	fault fakesquare.Fault
	// once queues the fault for the first request only, so that a retry
	// meets Square itself; otherwise every attempt meets it.
	once bool
	only string // the one call the row is for; "" for all three
	// deadline, when set, is the caller's: the call must end with it.
	deadline time.Duration
	// want is the outcome of RevokeToken and RetrieveTokenStatus, which are
	// safe to repeat, and of ObtainToken unless spent.
	want outcome
	// spent: Square may have acted on the request, so the code may be
	// spent and ObtainToken must not send it again: it ends after one
	// attempt, with the answer obtain states, or else with want's.
	spent  bool
	obtain *outcome
}

// outcome returns the row's outcome for the named call.
func (c faultCase) outcome(call string) outcome {
	if call != "ObtainToken" || !c.spent {
		return c.want
	}
	if c.obtain != nil {
		return *c.obtain
	}
	o := c.want
	o.attempts = 1
	return o
}

// canaryToken is a token a broken answer issues: no error may quote it.
const canaryToken = "EAAA-CANARY-issued-in-a-broken-answer"

// goodBody is a valid answer body for each call, for faults that deliver
// one in an unusual way.
var goodBody = map[string]string{
	"ObtainToken":         `{"access_token":"EAAA-CANARY-from-a-fault-answer-000","token_type":"bearer","expires_at":"2030-01-01T00:00:00Z","merchant_id":"MLTESTMERCHANT01"}`,
	"RevokeToken":         `{"success":true}`,
	"RetrieveTokenStatus": `{"scopes":["PAYMENTS_READ"],"merchant_id":"MLTESTMERCHANT01"}`,
}

var (
	html         = http.Header{"Content-Type": {"text/html"}}
	retryAfter0  = http.Header{"Retry-After": {"0"}, "Content-Type": {"application/json"}}
	internal500  = []byte(`{"errors":[{"category":"API_ERROR","code":"INTERNAL_SERVER_ERROR"}]}`)
	badGateway   = []byte("<html><body>Bad gateway</body></html>")
	carriesError = `"errors":[{"category":"API_ERROR","code":"INTERNAL_SERVER_ERROR","detail":"half done ` + canaryToken + `"}]`
)

var faultCases = []faultCase{
	// Square's own error bodies, in both shapes.
	{name: "v2 errors body",
		fault: fakesquare.Fault{Status: 401, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"token expired"}]}`)},
		want:  outcome{status: 401, code: "UNAUTHORIZED", text: "401 Unauthorized: UNAUTHORIZED: token expired", attempts: 1}},
	{name: "legacy message/type body",
		fault: fakesquare.Fault{Status: 400, Header: jsonHeader(), Body: []byte(`{"message":"bad authorization header","type":"bad_request.invalid_parameter","field":"Authorization"}`)},
		want:  outcome{status: 400, code: "bad_request.invalid_parameter", text: "bad_request.invalid_parameter: bad authorization header (field Authorization)", attempts: 1}},
	{name: "line breaks in a detail cannot forge a log line",
		fault: fakesquare.Fault{Status: 400, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"X","code":"BAD\r\nlevel=ERROR","detail":"a\nmsg=forged","field":"f\n"}]}`)},
		want:  outcome{status: 400, code: "BAD\r\nlevel=ERROR", text: "BAD??level=ERROR: a?msg=forged (field f?)", attempts: 1}},
	{name: "unknown code and category are kept",
		fault: fakesquare.Fault{Status: 403, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"BRAND_NEW_ERROR","code":"NEVER_SEEN_BEFORE"},{"category":"X","code":"Y"}],"extra":1}`)},
		want:  outcome{status: 403, code: "NEVER_SEEN_BEFORE", text: "NEVER_SEEN_BEFORE (and 1 more)", attempts: 1}},
	{name: "status Go does not name",
		fault: fakesquare.Fault{Status: 599, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"API_ERROR","code":"ODD"}]}`)},
		want:  outcome{status: 599, code: "ODD", text: "squareoauth: 599: ODD", attempts: 1}},

	// Failures that pass: retried by the safe calls, by ObtainToken only
	// when Square cannot have acted on the request.
	{name: "HTML 502 from a proxy", spent: true,
		fault: fakesquare.Fault{Status: 502, Header: html, Body: badGateway},
		want:  outcome{status: 502, text: "502 Bad Gateway: no Square errors in 37-byte body (text/html)", attempts: 3}},
	{name: "one HTML 502, then Square", once: true, spent: true,
		fault:  fakesquare.Fault{Status: 502, Header: html, Body: badGateway},
		obtain: &outcome{status: 502, text: "no Square errors in 37-byte body", attempts: 1},
		want:   outcome{ok: true, attempts: 2}},
	{name: "empty 500", spent: true, fault: fakesquare.Fault{Status: 500},
		want: outcome{status: 500, text: "500 Internal Server Error: empty body", attempts: 3}},
	{name: "500, then Square", once: true, spent: true,
		fault:  fakesquare.Fault{Status: 500, Header: jsonHeader(), Body: internal500},
		obtain: &outcome{status: 500, code: "INTERNAL_SERVER_ERROR", attempts: 1},
		want:   outcome{ok: true, attempts: 2}},
	{name: "503 without Retry-After", spent: true, fault: fakesquare.Fault{Status: 503, Header: jsonHeader()},
		want: outcome{status: 503, text: "503 Service Unavailable: empty body", attempts: 3}},
	{name: "truncated JSON error", spent: true,
		fault: fakesquare.Fault{Status: 503, Header: jsonHeader(), Body: []byte(`{"errors":[{"category":"API_ERR`)},
		want:  outcome{status: 503, text: "503 Service Unavailable: no Square errors", attempts: 3}},
	{name: "503 with Retry-After, then Square", once: true,
		fault: fakesquare.Fault{Status: 503, Header: http.Header{"Retry-After": {"0"}}},
		want:  outcome{ok: true, attempts: 2}},
	{name: "504, then Square", once: true, spent: true, fault: fakesquare.Fault{Status: 504},
		obtain: &outcome{status: 504, attempts: 1},
		want:   outcome{ok: true, attempts: 2}},
	{name: "408, then Square", once: true, spent: true, fault: fakesquare.Fault{Status: 408},
		obtain: &outcome{status: 408, attempts: 1},
		want:   outcome{ok: true, attempts: 2}},
	{name: "empty 429 with a JSON content type", fault: fakesquare.Fault{Status: 429, Header: jsonHeader()},
		want: outcome{status: 429, text: "429 Too Many Requests: empty body", attempts: 3}},
	{name: "429 with Retry-After 0, then Square", once: true, fault: fakesquare.Fault{Status: 429, Header: retryAfter0},
		want: outcome{ok: true, attempts: 2}},
	{name: "Retry-After longer than MaxDelay", fault: fakesquare.Fault{Status: 429, Header: http.Header{"Retry-After": {"3600"}}},
		want: outcome{status: 429, attempts: 1}},
	{name: "oversized error body", spent: true,
		fault: fakesquare.Fault{Status: 500, Header: http.Header{"Content-Type": {"text/plain"}}, BodySize: 3 << 20},
		want:  outcome{status: 500, text: "body truncated at 1 MiB", attempts: 3}},

	// No answer at all.
	{name: "connection dropped after the request", spent: true, fault: fakesquare.Fault{Drop: true},
		want: outcome{attempts: 3}},
	{name: "connection reset mid-body", spent: true,
		fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"access_token":"EAAA-CANARY-cut`), Reset: true},
		want:  outcome{attempts: 3}},
	{name: "a server that stalls past the deadline", spent: true, deadline: 300 * time.Millisecond,
		fault: fakesquare.Fault{Delay: time.Minute}, want: outcome{attempts: 1}},

	// A 2xx that is not a usable answer is an *Error, never retried.
	{name: "truncated JSON 200", fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"access_token":"` + canaryToken)},
		want: outcome{status: 200, text: "200 OK: body is not valid JSON", attempts: 1}},
	{name: "JSON array 200", fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`[{"success":true}]`)},
		want: outcome{status: 200, text: "body is not a JSON object", attempts: 1}},
	{name: "empty 200", fault: fakesquare.Fault{Header: jsonHeader()},
		want: outcome{status: 200, text: "200 OK: empty body", attempts: 1}},
	{name: "HTML 200 from a captive portal", fault: fakesquare.Fault{Header: html, Body: []byte("<html>log in to the Wi-Fi</html>")},
		want: outcome{status: 200, text: "body is not a JSON object", attempts: 1}},
	{name: "200 carrying errors", fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"access_token":"` + canaryToken + `",` + carriesError + `}`)},
		want: outcome{status: 200, code: "INTERNAL_SERVER_ERROR", text: "a success status carried errors", attempts: 1}},
	{name: "200 carrying errors beside success", fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"access_token":"` + canaryToken + `","success":true,` + carriesError + `}`)},
		want: outcome{status: 200, code: "INTERNAL_SERVER_ERROR", text: "a success status carried errors", attempts: 1}},
	{name: "token 200 without an access token", only: "ObtainToken",
		fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"merchant_id":"MLTESTMERCHANT01"}`)},
		want:  outcome{status: 200, text: "no access_token", attempts: 1}},
	{name: "revoke 200 with success false", only: "RevokeToken",
		fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"success":false}`)},
		want:  outcome{status: 200, text: `"success" is not true`, attempts: 1}},
	{name: "oversized 2xx body", fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"access_token":"x","pad":"`), BodySize: 2 << 20},
		want: outcome{status: 200, text: "body larger than 1 MiB", attempts: 1}},
	{name: "100 MiB 200", fault: fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"x":"`), BodySize: 100 << 20},
		want: outcome{status: 200, text: "body larger than 1 MiB", attempts: 1}},

	// A good answer without a content type is still read.
	{name: "200 without a content type", only: "ObtainToken", once: true,
		fault: fakesquare.Fault{Body: []byte(goodBody["ObtainToken"])}, want: outcome{ok: true, attempts: 1}},
	{name: "200 without a content type", only: "RevokeToken", once: true,
		fault: fakesquare.Fault{Body: []byte(goodBody["RevokeToken"])}, want: outcome{ok: true, attempts: 1}},
	{name: "200 without a content type", only: "RetrieveTokenStatus", once: true,
		fault: fakesquare.Fault{Body: []byte(goodBody["RetrieveTokenStatus"])}, want: outcome{ok: true, attempts: 1}},
}

// TestFaults runs every row against every call, one at a time so that the
// leak checker's goroutine and memory counts belong to that call alone.
func TestFaults(t *testing.T) {
	for _, tc := range faultCases {
		if tc.spent && tc.outcome("ObtainToken").attempts != 1 {
			t.Fatalf("row %q: ObtainToken must send a credential Square may have spent once", tc.name)
		}
		for _, c := range calls {
			if tc.only != "" && tc.only != c.name {
				continue
			}
			t.Run(tc.name+"/"+c.name, func(t *testing.T) {
				runFaultCase(t, tc, c.path, c.call, tc.outcome(c.name))
			})
		}
	}
}

func runFaultCase(t *testing.T, tc faultCase, path string, call callFunc, want outcome) {
	leaks := newLeakCheck()
	f := setup(t, func(c *squareoauth.Config) { c.Retry = fastRetries }, leaks.config)
	access := f.obtain(t).AccessToken
	times := 5 // more than the 3 attempts of the default policy
	if tc.once {
		times = 1
	}
	for range times {
		f.fake.InjectFault(path, tc.fault)
	}
	before := f.fake.Hits(path)
	leaks.mark()

	// No fault may hold a call up: not a body left unclosed until the
	// client's timeout, not a Retry-After of an hour.
	deadline := 30 * time.Second
	if tc.deadline > 0 {
		deadline = tc.deadline
	}
	ctx, cancel := context.WithTimeout(t.Context(), deadline)
	defer cancel()
	start := time.Now()
	err := call(ctx, f, access)
	// Generous for a loaded machine, yet well under the client's timeout.
	if took, limit := time.Since(start), tc.deadline+3*time.Second; took > limit {
		t.Errorf("the call took %v; want at most %v", took, limit)
	}
	if tc.deadline > 0 && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v; want errors.Is(err, context.DeadlineExceeded)", err)
	}
	hits := f.fake.Hits(path) - before
	// The error keeps at most the 1 MiB body.
	leaks.check(t, f, 3<<20, err)

	if hits != want.attempts {
		t.Errorf("requests: got %d; want %d", hits, want.attempts)
	}
	assertNoSecrets(t, err, access, testClientSecret, canaryToken, "EAAA-CANARY")
	var e *squareoauth.Error
	switch {
	case want.ok:
		if err != nil {
			t.Errorf("got %v; want success", err)
		}
		return
	case want.status == 0:
		if err == nil || errors.As(err, &e) {
			t.Errorf("got %v (%T); want a failure with no answer, not an *Error", err, err)
		}
		return
	}
	e = asError(t, err)
	if e.StatusCode != want.status {
		t.Errorf("StatusCode: got %d; want %d", e.StatusCode, want.status)
	}
	if e.Attempts != want.attempts {
		t.Errorf("Attempts: got %d; want %d", e.Attempts, want.attempts)
	}
	gotCode := ""
	if len(e.Errors) > 0 {
		gotCode = e.Errors[0].Code
	}
	if gotCode != want.code || (want.code != "" && !e.HasCode(want.code)) {
		t.Errorf("first code: got %q; want %q", gotCode, want.code)
	}
	if !strings.Contains(e.Error(), want.text) {
		t.Errorf("Error(): got %q; want it to contain %q", e.Error(), want.text)
	}
	if len(e.Body) > 1<<20 {
		t.Errorf("Body holds %d bytes; want at most 1 MiB", len(e.Body))
	}
	if e.Header == nil {
		t.Errorf("Header is nil")
	}
}
