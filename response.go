package squareoauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
)

// maxBodyBytes caps how much of a response body is read, so that a hostile
// or broken server cannot make the client allocate without bound.
const maxBodyBytes = 1 << 20

// drainLimit is how much of an unread body is discarded so that the
// connection can be reused; past it, closing the connection is cheaper.
const drainLimit = 64 << 10

// answer is implemented by the three response models, so that a 2xx can be
// checked for the failures Square reports inside a success status.
type answer interface {
	// failure returns the errors the body carries, or what it lacks.
	failure() (details []ErrorDetail, problem string)
}

// finish turns the outcome of one generated call into out, or an error. It
// always closes the body. secrets are the credentials the request carried;
// they, and any the answer carries, are redacted from the error.
func finish(ctx context.Context, op string, resp *http.Response, err error, out answer, secrets []string) error {
	if err != nil {
		return wrapTransport(ctx, op, err, newRedactor(secrets))
	}
	body, truncated, readErr := readBody(resp.Body)
	success := resp.StatusCode/100 == 2
	if readErr != nil && success {
		return wrapTransport(ctx, op+": reading response", readErr, newRedactor(secrets))
	}
	if !success {
		details, square, message, issued := decodeErrorBody(body)
		r := newRedactor(secrets, issued)
		problem := ""
		if message != "" {
			// Not Square's words, but what a gateway says ("Forbidden",
			// "Missing Authentication Token") is worth showing.
			problem = "not in Square's error format: message " + strconv.Quote(clip(r.redact(message)))
		}
		e := failedAnswer(resp, body, truncated, details, problem, r)
		e.square = square
		if readErr != nil {
			e.problem = joinProblem(e.problem, "body cut short")
		}
		return e
	}
	problem := decodeSuccess(body, truncated, out)
	var details []ErrorDetail
	if problem == "" {
		details, problem = out.failure()
	}
	if len(details) == 0 && problem == "" {
		return nil
	}
	if len(details) > 0 {
		problem = joinProblem(problem, "a success status carried errors")
	}
	e := failedAnswer(resp, body, truncated, details, problem, newRedactor(secrets, credentialsIn(body)))
	e.square = squareShaped(details)
	return e
}

// failedAnswer builds the *Error for an answer, redacting with r everything
// it keeps. body may run past the 1 MiB cap (see readBody): it is redacted
// first and cut after, so that no part of a secret survives at the cut.
func failedAnswer(resp *http.Response, body []byte, truncated bool, details []ErrorDetail, problem string, r redactor) *Error {
	for i := range details {
		d := &details[i]
		for _, field := range []*string{&d.Category, &d.Code, &d.Detail, &d.Field} {
			*field = r.redact(*field)
		}
	}
	problem = r.redact(problem)
	if redacted := r.redact(string(body)); redacted != string(body) {
		body = []byte(redacted[:min(len(redacted), maxBodyBytes)])
	} else if len(body) > maxBodyBytes {
		body = body[:maxBodyBytes]
	}
	if len(details) == 0 && problem == "" {
		problem = describeBody(resp.Header.Get("Content-Type"), body)
	}
	if truncated && resp.StatusCode/100 != 2 {
		problem = joinProblem(problem, "body truncated at 1 MiB")
	}
	return &Error{
		StatusCode: resp.StatusCode,
		Header:     redactHeader(resp.Header, r),
		Errors:     details,
		Body:       body,
		problem:    problem,
	}
}

// redactHeader returns h, or a copy of it with r's secrets redacted from
// the values when one holds any (a server may echo the Authorization
// header it received).
func redactHeader(h http.Header, r redactor) http.Header {
	var out http.Header
	for name, values := range h {
		for i, v := range values {
			if redacted := r.redact(v); redacted != v {
				if out == nil {
					out = h.Clone()
				}
				out[name][i] = redacted
			}
		}
	}
	if out == nil {
		return h
	}
	return out
}

// credentialsIn returns the credentials a JSON object body carries at its
// top level; nothing for any other body.
func credentialsIn(body []byte) []string {
	var c credentialFields
	_ = json.Unmarshal(body, &c) // a field of the wrong type leaves the rest decoded
	return c.values()
}

// decodeSuccess decodes a 2xx body into out, or says why it cannot.
func decodeSuccess(body []byte, truncated bool, out answer) string {
	switch trimmed := bytes.TrimSpace(body); {
	case truncated:
		return "body larger than 1 MiB"
	case len(trimmed) == 0:
		return "empty body"
	case trimmed[0] != '{':
		return "body is not a JSON object"
	}
	if err := json.Unmarshal(body, out); err != nil {
		return "body is not valid JSON: " + err.Error()
	}
	return ""
}

// redactSlack is how far past maxBodyBytes a body is read, so that a
// secret the cap cuts is still seen whole and redacted before the cut: the
// longest credential Square's spec allows is 1,024 characters, 6,144 bytes
// with every character JSON-escaped.
const redactSlack = 8 << 10

// readBody reads at most maxBodyBytes+redactSlack, reports whether there
// was more than maxBodyBytes, discards a little of the rest so the
// connection can be reused, and closes.
func readBody(rc io.ReadCloser) (body []byte, truncated bool, err error) {
	defer rc.Close()
	const limit = maxBodyBytes + redactSlack + 1
	body, err = io.ReadAll(io.LimitReader(rc, limit))
	if err == nil && len(body) == limit { // no EOF yet: there is more
		_, _ = io.CopyN(io.Discard, rc, drainLimit)
	}
	return body, len(body) > maxBodyBytes, err
}

// wrapTransport wraps a failure that got no answer, keeping the context's
// error findable with errors.Is even when the transport reports it in its
// own words. A transport error may quote what the server sent (net/http
// quotes a malformed status line, which a hostile server can fill with the
// bearer token it received): r redacts it from the text (see redactedError).
func wrapTransport(ctx context.Context, op string, err error, r redactor) error {
	err = redactTransport(err, r)
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("squareoauth: %s: %w: %w", op, ctxErr, err)
	}
	return fmt.Errorf("squareoauth: %s: %w", op, err)
}

func (r *ObtainTokenResponse) failure() ([]ErrorDetail, string) {
	if len(r.Errors) == 0 && r.AccessToken == "" {
		return nil, "no access_token in the answer"
	}
	return r.Errors, ""
}

func (r *RevokeTokenResponse) failure() ([]ErrorDetail, string) {
	if len(r.Errors) == 0 && !r.Success {
		return nil, `"success" is not true`
	}
	return r.Errors, ""
}

func (r *RetrieveTokenStatusResponse) failure() ([]ErrorDetail, string) {
	return r.Errors, ""
}

// errorAnswer is a non-2xx body as Square may send it: either of its error
// shapes, and the credential fields of any answer, so that one decoding
// finds both what to report and what to redact.
type errorAnswer struct {
	ErrorResponse
	credentialFields
}

// decodeErrorBody reads either of Square's error shapes. square reports
// whether the body was one: {"errors":[…]} whose every entry has the
// category and code Square's Error object requires
// (https://developer.squareup.com/reference/square/objects/Error), or the
// legacy shape, which has both message and type. Only then are there
// details. message is the message of any other JSON object, such as an
// API gateway's {"message":"Forbidden"}. issued are the credentials the
// body carries. Anything else (HTML, plain text, broken JSON) yields
// nothing, never an error.
func decodeErrorBody(body []byte) (details []ErrorDetail, square bool, message string, issued []string) {
	var v errorAnswer
	err := json.Unmarshal(body, &v)
	issued = v.values()
	switch {
	case err != nil:
		return nil, false, "", issued
	case squareShaped(v.Errors):
		return v.Errors, true, "", issued
	case v.Message != "" && v.Type != "" && len(v.Errors) == 0:
		return []ErrorDetail{{Code: v.Type, Detail: v.Message, Field: v.Field}}, true, "", issued
	}
	return nil, false, v.Message, issued
}

// squareShaped reports whether details are errors as Square writes them:
// at least one, each with a category and a code.
func squareShaped(details []ErrorDetail) bool {
	for _, d := range details {
		if d.Category == "" || d.Code == "" {
			return false
		}
	}
	return len(details) > 0
}

// describeBody summarises a body that held no Square errors, without quoting
// it: it may be a large HTML page.
func describeBody(contentType string, body []byte) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return "empty body"
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType == "" {
		mediaType = "unknown content type"
	}
	return fmt.Sprintf("no Square errors in %d-byte body (%s)", len(body), mediaType)
}

func joinProblem(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
