package fakesquare

import (
	"net/http"
	"strings"

	"github.com/squareoauth/squareoauth"
)

// errorKind is how the fake answers one class of failure: the HTTP status,
// the v2 category, and the type it sends in legacy error mode.
type errorKind struct {
	status     int
	category   string
	legacyType string
}

// errorKinds maps every Square error code the fake sends to its status,
// category and legacy type.
//
// Square's API reference documents none of the OAuth endpoints' error
// statuses, so most statuses here are the fake's choice, picked to be what an
// OAuth server would plausibly answer: 400 for a malformed or unusable grant,
// 401 for bad application credentials or a bad access token, 404 for an
// unknown path. The answers Square is seen to give in public material are
// noted where they are built (badAuthorizationHeader, notAuthorized,
// accessTokenNotFound). Keeping them in one table means a client test that
// depends on them has exactly one place to look.
var errorKinds = map[string]errorKind{
	// The request is malformed or names an unusable code, token or header.
	"BAD_REQUEST":                   {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request"},
	"MISSING_REQUIRED_PARAMETER":    {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request.missing_parameter"},
	"CONFLICTING_PARAMETERS":        {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request.invalid_parameter"},
	"INVALID_SQUARE_VERSION_FORMAT": {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request.invalid_parameter"},
	"INVALID_CONTENT_TYPE":          {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request.invalid_parameter"},
	"EXPECTED_JSON_BODY":            {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request.invalid_parameter"},
	"INVALID_VALUE":                 {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request.invalid_parameter"},
	"INVALID_ENUM_VALUE":            {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request.invalid_parameter"},
	"VALUE_TOO_LONG":                {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request.invalid_parameter"},
	"VALUE_TOO_SHORT":               {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request.invalid_parameter"},
	"EXPECTED_STRING":               {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request.invalid_parameter"},
	"EXPECTED_BOOLEAN":              {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request.invalid_parameter"},
	"EXPECTED_ARRAY":                {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request.invalid_parameter"},
	"EXPECTED_OBJECT":               {http.StatusBadRequest, "INVALID_REQUEST_ERROR", "bad_request.invalid_parameter"},
	// Wrong client_id / client_secret, or a missing, expired, revoked or
	// unknown access token on the status call.
	"UNAUTHORIZED": {http.StatusUnauthorized, "AUTHENTICATION_ERROR", "unauthorized"},
	// Unknown paths; with a 400, revoke of an access token the fake never
	// issued (accessTokenNotFound).
	"NOT_FOUND":                {http.StatusNotFound, "INVALID_REQUEST_ERROR", "not_found"},
	"METHOD_NOT_ALLOWED":       {http.StatusMethodNotAllowed, "INVALID_REQUEST_ERROR", "method_not_allowed"},
	"REQUEST_ENTITY_TOO_LARGE": {http.StatusRequestEntityTooLarge, "INVALID_REQUEST_ERROR", "request_entity_too_large"},
	// The fake built an answer that breaks the spec: a bug in the fake.
	"INTERNAL_SERVER_ERROR": {http.StatusInternalServerError, "API_ERROR", "internal_server_error"},
}

// apiError is one failure the fake reports. detail and field are written into
// the response, so they must never carry a request value: no secret, token,
// code, or anything kin-openapi quoted from the request.
type apiError struct {
	code   string // a key of errorKinds
	detail string
	field  string
	// legacyOverride, when set, is the whole legacy body sent whatever the
	// error mode, for answers Square is known to give in that shape.
	legacyOverride *squareoauth.ErrorResponse
	// more holds further errors reported in the same v2 answer (schema
	// validation can find several at once).
	more []*apiError
	// httpStatus, when set, replaces the code's status in errorKinds.
	httpStatus int
}

// newError builds an apiError; it panics on a code missing from errorKinds
// because that is a typo in the fake, not a runtime condition.
func newError(code, field, detail string) *apiError {
	if _, ok := errorKinds[code]; !ok {
		panic("fakesquare: error code not in errorKinds: " + code)
	}
	return &apiError{code: code, field: field, detail: detail}
}

// badAuthorizationHeader is what Square answered to a RevokeToken call whose
// Authorization header lacked the "Client " prefix (square-dotnet-sdk#22):
// the legacy shape, even from an endpoint that otherwise speaks v2.
func badAuthorizationHeader() *apiError {
	e := newError("BAD_REQUEST", "", "bad authorization header")
	e.legacyOverride = &squareoauth.ErrorResponse{Message: "bad authorization header", Type: "bad_request.invalid_parameter"}
	return e
}

// notAuthorized is the answer to a RevokeToken call whose Authorization
// header carries a secret other than the application's: 401 with the legacy
// body {"message":"Not Authorized","type":"service.not_authorized"}, whatever
// the error mode. Square's own OAuth example shows this body with a 401 for
// wrong application credentials (square/connect-api-examples,
// connect-examples/oauth/php/README.md, "When things go wrong", 2019), and
// Google's secret scanner relies on RevokeToken answering exactly this to a
// wrong secret (google/osv-scalibr, veles/secrets/squareapikey/validator.go,
// 2025).
func notAuthorized() *apiError {
	e := newError("UNAUTHORIZED", "", "Not Authorized")
	e.legacyOverride = &squareoauth.ErrorResponse{Message: "Not Authorized", Type: "service.not_authorized"}
	return e
}

// accessTokenNotFound is RevokeToken's answer for an access token Square
// never issued, with the right application secret: 400 with code NOT_FOUND
// and detail "access token not found", the answer Google's secret scanner
// relies on (google/osv-scalibr, veles/secrets/squareapikey/validator.go).
func accessTokenNotFound() *apiError {
	e := newError("NOT_FOUND", "access_token", "access token not found")
	e.httpStatus = http.StatusBadRequest
	return e
}

// describe lists the errors of an answer for a violation message: their
// codes, fields and details, which never hold a request value.
func describe(errs ...*apiError) string {
	var parts []string
	for _, e := range errs {
		if e == nil {
			continue
		}
		for _, x := range append([]*apiError{e}, e.more...) {
			part := x.code
			if x.field != "" {
				part += " (field " + x.field + ")"
			}
			if x.detail != "" {
				part += ": " + x.detail
			}
			parts = append(parts, part)
		}
	}
	return strings.Join(parts, "; ")
}

// status is the HTTP status the error is answered with.
func (e *apiError) status() int {
	if e.httpStatus != 0 {
		return e.httpStatus
	}
	return errorKinds[e.code].status
}

// body renders the error in the v2 shape ({"errors":[...]}) or, in legacy
// mode, the old OAuth shape ({"message","type"[,"field"]}), which can carry
// only one error.
func (e *apiError) body(legacy bool) squareoauth.ErrorResponse {
	if e.legacyOverride != nil {
		return *e.legacyOverride
	}
	if legacy {
		return squareoauth.ErrorResponse{Message: e.detail, Type: errorKinds[e.code].legacyType, Field: e.field}
	}
	all := append([]*apiError{e}, e.more...)
	out := squareoauth.ErrorResponse{Errors: make([]squareoauth.ErrorDetail, 0, len(all))}
	for _, x := range all {
		out.Errors = append(out.Errors, squareoauth.ErrorDetail{
			Category: errorKinds[x.code].category,
			Code:     x.code,
			Detail:   x.detail,
			Field:    x.field,
		})
	}
	return out
}
