package fakesquare

import (
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// headerProblem is one broken header rule: the violation to record (for
// tests, may quote non-secret header values) and the error to answer with.
type headerProblem struct {
	violation string
	err       *apiError
}

// squareVersionForm is Square's version format, e.g. 2025-08-20.
var squareVersionForm = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// checkHeaders enforces the rules openapi.yaml cannot state: Square-Version
// is not a declared parameter (Square keeps it out of the operations), and
// OAS 3.0 ignores Authorization parameters, so "no Authorization on
// ObtainToken" has to live here.
//
// strict adds this SDK's own rules, which Square does not document as
// required (Square-Version is optional there, and Square's own SDKs send a
// Bearer token to ObtainToken): a Square-Version, an Accept of
// application/json, a User-Agent, and no Authorization on ObtainToken.
func checkHeaders(h http.Header, operationID string, strict bool) []headerProblem {
	var out []headerProblem
	add := func(violation string, err *apiError) {
		out = append(out, headerProblem{violation, err})
	}
	if strict {
		out = checkSDKHeaders(h, operationID)
	}

	switch v := h.Values("Square-Version"); {
	case len(v) == 0: // optional for Square; a strict rule above
	case len(v) > 1:
		add(fmt.Sprintf("%d Square-Version headers", len(v)),
			newError("BAD_REQUEST", "", "send exactly one Square-Version header"))
	case !validVersion(v[0]):
		add(fmt.Sprintf("Square-Version %q is not a YYYY-MM-DD date", v[0]),
			newError("INVALID_SQUARE_VERSION_FORMAT", "", "Square-Version must be a date such as 2025-08-20"))
	}
	return out
}

// checkSDKHeaders is the strict part of checkHeaders.
func checkSDKHeaders(h http.Header, operationID string) []headerProblem {
	var out []headerProblem
	add := func(violation string, err *apiError) {
		out = append(out, headerProblem{violation, err})
	}
	// ObtainToken authenticates with the body. A client that sends a Bearer
	// token here (as Square's Fern SDKs do) leaks it to an endpoint that has
	// no use for it.
	if operationID == "ObtainToken" && len(h.Values("Authorization")) > 0 {
		add("Authorization header sent to ObtainToken, which takes its credentials in the body",
			newError("BAD_REQUEST", "", "this endpoint takes no Authorization header; send the credentials in the body"))
	}
	if len(h.Values("Square-Version")) == 0 {
		add("Square-Version header missing",
			newError("BAD_REQUEST", "", "the Square-Version header is required"))
	}
	if !acceptsJSON(h.Values("Accept")) {
		add(fmt.Sprintf("Accept %q does not include application/json", h.Values("Accept")),
			newError("BAD_REQUEST", "", "the Accept header must include application/json"))
	}

	if strings.TrimSpace(h.Get("User-Agent")) == "" {
		add("User-Agent header missing",
			newError("BAD_REQUEST", "", "a User-Agent header is required"))
	}
	return out
}

// validVersion reports whether v is a real calendar date in YYYY-MM-DD form.
func validVersion(v string) bool {
	if !squareVersionForm.MatchString(v) {
		return false
	}
	_, err := time.Parse(time.DateOnly, v)
	return err == nil
}

// acceptsJSON reports whether any Accept value lists application/json
// (parameters such as q or charset allowed). Wildcards do not count: the
// rule is that clients say what they parse.
func acceptsJSON(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err == nil && mt == "application/json" {
				return true
			}
		}
	}
	return false
}
