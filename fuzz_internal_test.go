package squareoauth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// fuzzCanary stands for a credential the request carried. The seeds plant it
// in bodies, and the fuzzer plants it anywhere it likes; it must never come
// out of an error.
const fuzzCanary = "CANARY-secret-value"

// FuzzErrorBody feeds arbitrary answers (status, Content-Type, body) to
// finish, the function every call's answer goes through, and checks that
// it never panics, turns every failure into an *Error of the right status
// and size with a short Error(), and never lets the request's credential
// out.
//
// plant, when not 0, inserts the canary into the body at offset
// (plant-1) modulo len(body)+1, so that the fuzzer finds it in every place
// a body can hold it; written as it is, JSON-escaped or URL-encoded, as
// (plant-1) / (len(body)+1) modulo 3 says. No printed form, nor Body, may
// hold that spelling.
func FuzzErrorBody(f *testing.F) {
	const (
		v2Error     = `{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"The access token ` + fuzzCanary + ` is expired"}]}`
		legacyError = `{"message":"bad authorization header Client ` + fuzzCanary + `","type":"bad_request.invalid_parameter","field":"Authorization"}`
		html502     = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n"
	)
	f.Add(401, "application/json", []byte(v2Error), uint16(0))
	f.Add(400, "application/json; charset=utf-8", []byte(legacyError), uint16(0))
	f.Add(502, "text/html", []byte(html502), uint16(60))
	f.Add(502, "text/html", []byte(html502), uint16(1*(len(html502)+1)+60)) // JSON-escaped
	f.Add(502, "text/html", []byte(html502), uint16(2*(len(html502)+1)+60)) // URL-encoded
	f.Add(401, "application/json", []byte(v2Error), uint16(1*(len(v2Error)+1)+110))
	f.Add(200, "application/json", []byte(`{"scopes":["MERCHANT_PROFILE_READ"],"expires_at":"2030-01-01T00:00:00Z","client_id":"sq0idp-x","merchant_id":"M1"}`), uint16(0))
	f.Add(200, "application/json", []byte(`{"errors":[{"category":"API_ERROR","code":"INTERNAL_SERVER_ERROR","detail":"`+fuzzCanary+`"}]}`), uint16(0))
	f.Add(200, "application/json", []byte(`{"access_token":"EAAAissued","refresh_token":"EQAAissued","scopes":"`+fuzzCanary+`"}`), uint16(0))
	f.Add(200, "text/plain", []byte(""), uint16(0))
	f.Add(204, "", []byte(nil), uint16(1))
	f.Add(500, "application/json", []byte(`{"errors":[{"code":"","detail":"","field":""}]}`), uint16(33))
	f.Add(429, "application/json", []byte(`{"message":"","type":"","field":""}`), uint16(13))
	f.Add(503, "\x00;;=", []byte(`{"errors":null,"message":null}`), uint16(0))
	f.Add(403, "application/json", []byte(`{"errors":[{"category":"`+fuzzCanary+`","code":"`+fuzzCanary+`","field":"`+fuzzCanary+`"}]}`), uint16(0))
	f.Add(400, "application/json", []byte(`{"message":"","type":"`+fuzzCanary+`","field":"`+fuzzCanary+`"}`), uint16(0))
	// More seeds are in testdata/fuzz/FuzzErrorBody. Bodies over the 1 MiB
	// read cap are left to the unit tests: the fuzzer would spend its time
	// copying them.

	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte, plant uint16) {
		status = 100 + int(uint(status)%500) // 100..599
		spelled := fuzzCanary
		if plant != 0 {
			at := int(plant-1) % (len(body) + 1)
			switch int(plant-1) / (len(body) + 1) % 3 {
			case 1:
				spelled = spell(fuzzCanary, `\u%04x`)
			case 2:
				spelled = spell(fuzzCanary, "%%%02X")
			}
			body = append(body[:at:at], append([]byte(spelled), body[at:]...)...)
		}
		resp := &http.Response{
			StatusCode: status,
			Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
			Header:     http.Header{"Content-Type": {contentType}},
			Body:       io.NopCloser(bytes.NewReader(body)),
		}
		var out RetrieveTokenStatusResponse
		err := finish(t.Context(), "RetrieveTokenStatus", resp, nil, &out, []string{fuzzCanary})

		success := status/100 == 2
		if err == nil {
			if !success {
				t.Fatalf("status %d: nil error", status)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("status %d: error %T %q is not an *Error", status, err, err)
		}
		if e.StatusCode != status {
			t.Fatalf("StatusCode %d, want %d", e.StatusCode, status)
		}
		if len(e.Body) > maxBodyBytes {
			t.Errorf("len(Body) = %d, over the %d-byte cap", len(e.Body), maxBodyBytes)
		}
		// Each quoted text is clipped: whatever the answer, the message
		// stays a log line, not a copy of the body.
		if n := len(err.Error()); n > 4096 {
			t.Errorf("Error() is %d bytes; want at most 4 KiB", n)
		}
		for _, form := range []struct{ name, s string }{
			{"Error()", err.Error()},
			{"%v", fmt.Sprintf("%v", err)},
			{"%+v", fmt.Sprintf("%+v", err)},
			{"%#v", fmt.Sprintf("%#v", err)},
			{"Body", string(e.Body)},
		} {
			if strings.Contains(form.s, fuzzCanary) || strings.Contains(form.s, spelled) {
				t.Errorf("the canary is in %s: %q", form.name, form.s)
			}
		}
		for i, d := range e.Errors {
			if strings.Contains(d.Detail, fuzzCanary) {
				t.Errorf("the canary is in Errors[%d].Detail: %q", i, d.Detail)
			}
		}
	})
}

// spell writes every byte of s with format, such as `\u%04x`.
func spell(s, format string) string {
	var b strings.Builder
	for i := range len(s) {
		fmt.Fprintf(&b, format, s[i])
	}
	return b.String()
}
