package squareoauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// drainLimit is how much of an unread body is discarded so that the
// connection can be reused; past it, closing the connection is cheaper.
const drainLimit = 64 << 10

// answer is implemented by the three response models, so that a 2xx can be
// checked for the failures Square reports inside a success status.
type answer interface {
	// failure returns the errors the body carries, or what it lacks.
	failure() (details []ErrorDetail, problem string)
	// credentials returns the secrets the body issues, to keep them out of
	// an *Error that quotes the body.
	credentials() []string
}

// finish turns the outcome of one generated call into out, or an error. It
// always closes the body. secrets are the credentials the request carried;
// they, and any the answer issued, are redacted from an *Error.
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
		e := newError(resp, redact(body, secrets), truncated)
		if readErr != nil {
			e.problem = joinProblem(e.problem, "body cut short")
		}
		return e
	}
	e := &Error{StatusCode: resp.StatusCode, Header: resp.Header}
	if e.problem = decodeSuccess(body, truncated, out); e.problem == "" {
		e.Errors, e.problem = out.failure()
		if e.Errors == nil && e.problem == "" {
			return nil
		}
		secrets = append(secrets, out.credentials()...)
	}
	if len(e.Errors) > 0 {
		e.problem = joinProblem(e.problem, "a success status carried errors")
	}
	for i := range e.Errors {
		e.Errors[i].Detail = string(redact([]byte(e.Errors[i].Detail), secrets))
	}
	e.Body = redact(body, secrets)
	return e
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

// redact replaces every non-empty secret in b with "[REDACTED]". It returns
// b itself when there is nothing to replace, and a new slice otherwise.
func redact(b []byte, secrets []string) []byte {
	for _, s := range secrets {
		if s != "" && bytes.Contains(b, []byte(s)) {
			b = bytes.ReplaceAll(b, []byte(s), []byte("[REDACTED]"))
		}
	}
	return b
}

func (r *ObtainTokenResponse) failure() ([]ErrorDetail, string) {
	if len(r.Errors) == 0 && r.AccessToken == "" {
		return nil, "no access_token in the answer"
	}
	return r.Errors, ""
}

func (r *ObtainTokenResponse) credentials() []string {
	return []string{r.AccessToken, r.RefreshToken}
}

func (r *RevokeTokenResponse) failure() ([]ErrorDetail, string) {
	if len(r.Errors) == 0 && !r.Success {
		return nil, `"success" is not true`
	}
	return r.Errors, ""
}

func (r *RevokeTokenResponse) credentials() []string { return nil }

func (r *RetrieveTokenStatusResponse) failure() ([]ErrorDetail, string) {
	return r.Errors, ""
}

func (r *RetrieveTokenStatusResponse) credentials() []string { return nil }
