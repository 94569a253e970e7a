package squareoauth

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/squareoauth/squareoauth/internal/printable"
)

// Error reports an answer from Square (or from a proxy in front of it) that
// is not a success: any non-2xx status, and a 2xx whose body is unreadable,
// carries errors, or lacks what the call promises. Find it with errors.As:
//
//	var e *squareoauth.Error
//	if errors.As(err, &e) && e.HasCode("UNAUTHORIZED") { … }
//
// Failures that never got an answer (network, timeout, cancellation) are not
// an *Error; they wrap the cause, so errors.Is(err, context.Canceled) works.
type Error struct {
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Header is the answer's HTTP header, with credentials redacted from
	// its values as from Body.
	Header http.Header
	// Errors holds the errors Square sent, in order. The legacy body shape
	// {"message","type","field"} becomes one ErrorDetail with Code = type,
	// Detail = message and Field = field, and no Category. Empty when the
	// body was not in one of Square's shapes: an HTML page or a JSON
	// {"message":"Forbidden"} from a proxy or an API gateway (Error() then
	// quotes its message), an empty body.
	Errors []ErrorDetail
	// Body is the start of the raw answer, at most 1 MiB, for diagnosis.
	// Credentials the request carried, and those a decodable answer issued,
	// are replaced by "[REDACTED]", whether written as they are,
	// JSON-escaped or URL-encoded, and even where the 1 MiB cut falls in
	// one (values shorter than 16 bytes, which no Square credential is, are
	// not searched for). No printed form of the Error includes Body.
	Body []byte
	// Attempts is how many requests the call made, retries included.
	Attempts int

	// problem says why the answer failed when its status alone does not.
	problem string
	// square is set when the body was in one of Square's own error shapes
	// (see decodeErrorBody): only then can the answer be Square's refusal
	// of a credential, rather than a proxy's or a gateway's passing
	// complaint.
	square bool
}

// Error implements error. It reads like
// "squareoauth: 401 Unauthorized: UNAUTHORIZED: the access token is expired".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("squareoauth: ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	if len(e.Errors) > 0 {
		// The details are the server's words: a line break in them must
		// not start a forged line in the caller's log, and a hostile
		// answer must not make the text, which every log line repeats, as
		// large as its body.
		first := e.Errors[0]
		b.WriteString(": " + printable.Line(clip(first.Code)))
		if first.Detail != "" {
			b.WriteString(": " + printable.Line(clip(first.Detail)))
		}
		if first.Field != "" {
			b.WriteString(" (field " + printable.Line(clip(first.Field)) + ")")
		}
		if more := len(e.Errors) - 1; more > 0 {
			fmt.Fprintf(&b, " (and %d more)", more)
		}
	}
	if e.problem != "" {
		b.WriteString(": " + e.problem)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

// GoString keeps %#v readable and leaves the body out: a body that could not
// be decoded (a truncated token response, say) cannot be searched for the
// credentials it may hold. Like Error(), it clips the server's texts, and
// it shows the first few errors only.
func (e *Error) GoString() string {
	const maxShown = 5
	shown := make([]ErrorDetail, min(len(e.Errors), maxShown))
	for i, d := range e.Errors[:len(shown)] {
		shown[i] = ErrorDetail{Category: clip(d.Category), Code: clip(d.Code), Detail: clip(d.Detail), Field: clip(d.Field)}
	}
	return fmt.Sprintf("&squareoauth.Error{StatusCode:%d, Errors:%#v, moreErrors:%d, Body:<%d bytes>, Attempts:%d, problem:%q}",
		e.StatusCode, shown, len(e.Errors)-len(shown), len(e.Body), e.Attempts, e.problem)
}

// HasCode reports whether Square sent an error with the given code, such as
// "UNAUTHORIZED" or "ACCESS_TOKEN_REVOKED". For a legacy body the code is its
// type, such as "bad_request".
func (e *Error) HasCode(code string) bool {
	for _, d := range e.Errors {
		if d.Code == code {
			return true
		}
	}
	return false
}

// InputError reports a Config or request that was refused before anything was
// sent. It names the field and never quotes the field's value, which may be a
// secret.
type InputError struct {
	// Field is the Go name of the offending field, such as
	// "Config.ClientSecret" or "ObtainTokenRequest.RefreshToken".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error implements error.
func (e *InputError) Error() string {
	return "squareoauth: " + e.Field + " " + e.Reason
}

func inputErr(field, reason string) *InputError {
	return &InputError{Field: field, Reason: reason}
}

// CallbackError reports that Square redirected back with an error instead of
// a code, for instance Code "access_denied" and Description "user_denied"
// when the seller declined.
type CallbackError struct {
	// Code is the redirect's error parameter.
	Code string
	// Description is its error_description parameter.
	Description string
}

// Error implements error. The parameters come from whoever sent the
// redirect, so control characters are shown as "?": a forged description
// cannot start a new line in a log.
func (e *CallbackError) Error() string {
	s := "squareoauth: authorization failed: " + printable.Line(e.Code)
	if e.Description != "" {
		s += ": " + printable.Line(e.Description)
	}
	return s
}

// maxPrintedText caps each server-chosen text an Error() quotes.
const maxPrintedText = 256

// clip cuts s to at most maxPrintedText bytes, at a character boundary,
// marking the cut with "…".
func clip(s string) string {
	if len(s) <= maxPrintedText {
		return s
	}
	cut := maxPrintedText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// RefreshError reports that a TokenSource can no longer refresh its token.
// It is permanent: the TokenSource returns it from then on without another
// request, and the seller must authorize the application again. It comes
//
//   - at once when Square refuses the refresh token (revoked, expired or
//     already spent); errors.As also finds Square's *Error;
//   - at once when the stored refresh token is malformed, before anything
//     is sent; errors.As also finds the *InputError;
//   - once the access token expires, when there is no refresh token or its
//     known expiry has passed: until then the access token is handed out.
type RefreshError struct {
	err    error
	reason string
}

// Error implements error.
func (e *RefreshError) Error() string {
	var inputErr *InputError
	if errors.As(e.err, &inputErr) {
		return "squareoauth: cannot refresh with the stored token; the seller must authorize again: " + e.err.Error()
	}
	if e.err != nil {
		return "squareoauth: the refresh was refused; the seller must authorize again: " + e.err.Error()
	}
	return "squareoauth: cannot refresh: " + e.reason + "; the seller must authorize again"
}

// Unwrap returns Square's *Error or the *InputError, if any.
func (e *RefreshError) Unwrap() error { return e.err }
