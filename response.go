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
	"slices"
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
// they, and any the answer carries, are redacted from an *Error.
func finish(ctx context.Context, op string, resp *http.Response, err error, out answer, secrets []string) error {
	if err != nil {
		return wrapTransport(ctx, op, err)
	}
	body, truncated, readErr := readBody(resp.Body)
	success := resp.StatusCode/100 == 2
	if readErr != nil && success {
		return wrapTransport(ctx, op+": reading response", readErr)
	}
	if !success {
		e := failedAnswer(resp, body, truncated, decodeErrorBody(body), "", secrets)
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
	return failedAnswer(resp, body, truncated, details, problem, secrets)
}

// failedAnswer builds the *Error for an answer, redacting the credentials
// the request carried and any the body carries from everything it keeps.
func failedAnswer(resp *http.Response, body []byte, truncated bool, details []ErrorDetail, problem string, secrets []string) *Error {
	r := redactor(slices.Concat(secrets, credentialsIn(body)))
	for i := range details {
		d := &details[i]
		for _, field := range []*string{&d.Category, &d.Code, &d.Detail, &d.Field} {
			*field = r.Replace(*field)
		}
	}
	// A short secret replaced by the longer mark can grow the body; the
	// cap holds for what is kept, too.
	if redacted := r.Replace(string(body)); redacted != string(body) {
		body = []byte(redacted[:min(len(redacted), maxBodyBytes)])
	}
	if len(details) == 0 && problem == "" {
		problem = describeBody(resp.Header.Get("Content-Type"), body)
	}
	if truncated && resp.StatusCode/100 != 2 {
		problem = joinProblem(problem, "body truncated at 1 MiB")
	}
	return &Error{
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		Errors:     details,
		Body:       body,
		problem:    problem,
	}
}

// credentialsIn returns the values of credentialKeys at the top level of a
// JSON object body; nothing for any other body.
func credentialsIn(body []byte) []string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return nil
	}
	var found []string
	for _, key := range credentialKeys {
		var v string
		if json.Unmarshal(fields[key], &v) == nil && v != "" {
			found = append(found, v)
		}
	}
	return found
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

// readBody reads at most maxBodyBytes, reports whether there was more,
// discards a little of the rest so the connection can be reused, and closes.
func readBody(rc io.ReadCloser) (body []byte, truncated bool, err error) {
	defer rc.Close()
	body, err = io.ReadAll(io.LimitReader(rc, maxBodyBytes+1))
	if len(body) > maxBodyBytes {
		body, truncated = body[:maxBodyBytes], true
	}
	if err == nil {
		_, _ = io.CopyN(io.Discard, rc, drainLimit)
	}
	return body, truncated, err
}

// wrapTransport wraps a failure that got no answer, keeping the context's
// error findable with errors.Is even when the transport reports it in its
// own words.
func wrapTransport(ctx context.Context, op string, err error) error {
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

// decodeErrorBody reads either of Square's error shapes; anything else
// (HTML, plain text, broken JSON) yields no details, never an error.
func decodeErrorBody(body []byte) []ErrorDetail {
	var v ErrorResponse
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	if len(v.Errors) > 0 {
		return v.Errors
	}
	if v.Message != "" || v.Type != "" {
		return []ErrorDetail{{Code: v.Type, Detail: v.Message, Field: v.Field}}
	}
	return nil
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
