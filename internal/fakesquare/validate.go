package fakesquare

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/squareoauth/squareoauth"
)

// sharedValidator loads the embedded spec once per process: every Server
// uses the same read-only document and router, so parallel tests do not
// each pay for parsing it.
var sharedValidator = sync.OnceValues(func() (*validator, error) {
	return newValidator(squareoauth.OpenAPISpec())
})

// validator is the kin-openapi plumbing: routing, request and response
// validation against openapi.yaml. It is read-only once built.
type validator struct {
	router routers.Router
	// merchantID is the schema of merchant_id in ObtainTokenResponse, for
	// CheckMerchantID.
	merchantID *openapi3.Schema
}

var (
	// requestOptions are shared by all requests; kin-openapi only reads them.
	requestOptions = &openapi3filter.Options{
		AuthenticationFunc: authenticate,
		// Report every problem at once, as Square does in its errors array.
		MultiError: true,
		// RetrieveTokenStatus has no body in the spec; sending one is a
		// client bug worth catching.
		RejectWhenRequestBodyNotSpecified: true,
		// The spec has no defaults, and a rewritten body would hide what the
		// client really sent.
		SkipSettingDefaults: true,
	}
	// responseOptions must be separate: ResponseValidationInput does not
	// inherit the request's. IncludeResponseStatus makes an undeclared
	// status (a 2xx other than 200, say) a violation.
	responseOptions = &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
)

// newValidator loads and checks spec and builds its router.
func newValidator(spec []byte) (*validator, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	// The spec names Square's production and sandbox hosts, which would match
	// no request to an httptest server; without servers any host matches.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	resp := doc.Components.Schemas["ObtainTokenResponse"]
	if resp == nil || resp.Value.Properties["merchant_id"] == nil {
		return nil, errors.New("ObtainTokenResponse.merchant_id is missing")
	}
	return &validator{router: router, merchantID: resp.Value.Properties["merchant_id"].Value}, nil
}

// authenticate implements the spec's security schemes for kin-openapi. It
// checks only the header's form; whether the secret or token is the right
// one is the endpoint's business, because Square answers that differently
// (401) from a malformed header.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	var prefix string
	switch in.SecuritySchemeName {
	case "oauth2ClientSecret":
		prefix = "Client "
	case "accessToken":
		prefix = "Bearer "
	default:
		return in.NewError(fmt.Errorf("security scheme %q is unknown to the fake", in.SecuritySchemeName))
	}
	values := in.RequestValidationInput.Request.Header.Values("Authorization")
	if len(values) != 1 {
		return in.NewError(fmt.Errorf("want exactly one Authorization header %q, got %d", prefix+"…", len(values)))
	}
	// The message never includes the header: it carries a secret or token.
	cred, ok := strings.CutPrefix(values[0], prefix)
	if !ok || cred == "" || strings.ContainsAny(cred, " \t") {
		return in.NewError(fmt.Errorf("Authorization header is not of the form %q", prefix+"…"))
	}
	return nil
}

// checkRequest routes and validates r, whose body the caller has already
// read. It returns the validation input (nil when no operation matched; it
// is needed again to validate the answer), the violations to record with
// full detail, and the error to answer with, if any. Errors come in the
// order a server checks: authentication, headers, then the body.
func (v *validator) checkRequest(r *http.Request, body []byte, strictHeaders bool) (*openapi3filter.RequestValidationInput, []string, *apiError) {
	route, params, err := v.router.FindRoute(r)
	if errors.Is(err, routers.ErrMethodNotAllowed) {
		return nil, []string{"method not allowed: the spec has only POST here"}, newError("METHOD_NOT_ALLOWED", "", "this endpoint accepts POST only")
	}
	if err != nil {
		return nil, []string{"no operation in the spec matches this path"}, newError("NOT_FOUND", "", "no such endpoint")
	}

	// kin-openapi consumes and may replace the body, so it gets a copy.
	rc := r.Clone(r.Context())
	rc.Body = io.NopCloser(bytes.NewReader(body))
	rc.ContentLength = int64(len(body))
	rc.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	in := &openapi3filter.RequestValidationInput{Request: rc, PathParams: params, Route: route, Options: requestOptions}

	var (
		violations []string
		auth, rest *apiError
	)
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		auth, rest = classify(route, err)
		// Described from the classified answer, not err.Error(): that
		// quotes the request body, and users' test logs print violations.
		violations = append(violations, "request: "+describe(auth, rest))
	}
	if r.URL.RawQuery != "" {
		// The spec declares no parameters. The query is not quoted: a
		// client that puts credentials in a URL leaks them to every log.
		violations = append(violations, "request has a query string; these endpoints take none, and a credential there would reach server and proxy logs")
	}
	var headerErr *apiError
	for _, p := range checkHeaders(r.Header, route.Operation.OperationID, strictHeaders) {
		violations = append(violations, "request header: "+p.violation)
		if headerErr == nil {
			headerErr = p.err
		}
	}
	for _, e := range []*apiError{auth, headerErr, rest} {
		if e != nil {
			return in, violations, e
		}
	}
	return in, violations, nil
}

// checkResponse validates an answer the fake built for the request in in.
func (v *validator) checkResponse(in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options:                responseOptions,
	}
	out.SetBodyBytes(body) // a nil body would make kin-openapi panic
	return openapi3filter.ValidateResponse(in.Request.Context(), out)
}

// classify turns a kin-openapi request error into the answer Square would
// give: auth is the failed security requirement, if any; rest gathers every
// other problem into one error (its more field holds the others).
//
// No detail is taken from err.Error(): kin-openapi's messages quote the
// offending request value, which may be a secret. Only SchemaError.Reason
// (documented never to include the value), schema property names and the
// fake's own text reach the client.
func classify(route *routers.Route, err error) (auth, rest *apiError) {
	var found []*apiError
	for _, leaf := range leaves(err) {
		var (
			sre *openapi3filter.SecurityRequirementsError
			re  *openapi3filter.RequestError
		)
		switch {
		case errors.As(leaf, &sre):
			auth = authError(route.Operation.OperationID)
		case errors.As(leaf, &re) && re.RequestBody != nil:
			found = append(found, bodyErrors(re)...)
		case route.Operation.RequestBody == nil:
			found = append(found, newError("BAD_REQUEST", "", "this endpoint takes no request body"))
		default:
			found = append(found, newError("BAD_REQUEST", "", "request does not match the API specification"))
		}
	}
	if len(found) > 0 {
		rest = found[0]
		rest.more = found[1:]
	}
	return auth, rest
}

// authError is the answer to a missing or malformed Authorization header.
func authError(operationID string) *apiError {
	if operationID == "RevokeToken" {
		return badAuthorizationHeader()
	}
	return newError("UNAUTHORIZED", "", `the Authorization header must be "Bearer ACCESS_TOKEN"`)
}

// prefixInvalidCT starts kin-openapi's reason for a Content-Type the spec
// does not list (unexported there).
const prefixInvalidCT = "header Content-Type has unexpected value"

// bodyErrors describes what is wrong with a request body.
func bodyErrors(re *openapi3filter.RequestError) []*apiError {
	switch {
	case errors.Is(re, openapi3filter.ErrInvalidRequired):
		return []*apiError{newError("EXPECTED_JSON_BODY", "", "a JSON request body is required")}
	case strings.HasPrefix(re.Reason, prefixInvalidCT):
		return []*apiError{newError("INVALID_CONTENT_TYPE", "", "Content-Type must be application/json")}
	}
	var out []*apiError
	for _, se := range schemaErrors(re.Err) {
		out = append(out, schemaError(se))
	}
	if len(out) == 0 {
		// A decoding failure; its message would quote the body.
		out = append(out, newError("EXPECTED_JSON_BODY", "", "request body is not valid JSON"))
	}
	return out
}

// schemaError maps one schema failure to the error code Square uses for it.
func schemaError(se *openapi3.SchemaError) *apiError {
	field := strings.Join(se.JSONPointer(), ".")
	detail := se.Reason
	if detail == "" {
		detail = "value does not match the schema"
	}
	code := "INVALID_VALUE"
	switch se.SchemaField {
	case "required":
		code = "MISSING_REQUIRED_PARAMETER"
	case "maxLength":
		code = "VALUE_TOO_LONG"
	case "minLength":
		code = "VALUE_TOO_SHORT"
	case "enum":
		code = "INVALID_ENUM_VALUE"
	case "type", "nullable":
		if se.Schema != nil && se.Schema.Type != nil {
			switch {
			case se.Schema.Type.Is("string"):
				code = "EXPECTED_STRING"
			case se.Schema.Type.Is("boolean"):
				code = "EXPECTED_BOOLEAN"
			case se.Schema.Type.Is("array"):
				code = "EXPECTED_ARRAY"
			case se.Schema.Type.Is("object"):
				code = "EXPECTED_OBJECT"
			}
		}
	}
	return newError(code, field, detail)
}

// leaves flattens kin-openapi's error tree (MultiError, SecurityRequirementsError,
// RequestError) into the individual request problems.
func leaves(err error) []error {
	me, ok := err.(openapi3.MultiError)
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range me {
		out = append(out, leaves(e)...)
	}
	return out
}

// schemaErrors collects the innermost SchemaErrors under err: with
// MultiError on, one RequestError can carry several.
func schemaErrors(err error) []*openapi3.SchemaError {
	switch e := err.(type) {
	case nil:
		return nil
	case openapi3.MultiError:
		var out []*openapi3.SchemaError
		for _, x := range e {
			out = append(out, schemaErrors(x)...)
		}
		return out
	case *openapi3.SchemaError:
		if inner := schemaErrors(e.Origin); len(inner) > 0 {
			return inner
		}
		return []*openapi3.SchemaError{e}
	case interface{ Unwrap() []error }:
		var out []*openapi3.SchemaError
		for _, x := range e.Unwrap() {
			out = append(out, schemaErrors(x)...)
		}
		return out
	case interface{ Unwrap() error }:
		return schemaErrors(e.Unwrap())
	}
	return nil
}
