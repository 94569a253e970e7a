// Package fakesquare is an in-process fake of Square's OAuth API
// (ObtainToken, RevokeToken, RetrieveTokenStatus) for tests and demos.
//
// The fake is also the test oracle: it checks every request, and every
// answer it builds itself, against the package's openapi.yaml with
// kin-openapi, and it enforces the header rules the spec cannot express: a
// Square-Version that is one date, and, unless SetStrictHeaders(false), this
// SDK's stricter rules (no Authorization on /oauth2/token, a Square-Version,
// an Accept of application/json, a User-Agent). Every breach is kept in
// Violations, so a test of a client ends with a check that Violations is
// empty.
//
// It also serves the browser side of the flow, Square's authorize page
// (GET /oauth2/authorize), with automatic consent: see SetConsent,
// DenyConsent and SetRedirectURL.
//
// It has no dependency on package testing so that the demo command can link
// it.
package fakesquare

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// maxRequestBody bounds what the fake reads from a request. Square's largest
// OAuth request is a few kilobytes; anything near this is a client bug.
const maxRequestBody = 1 << 20

// App is the application registered with the fake: the only client_id and
// client_secret it accepts.
type App struct {
	ClientID     string // the application ID, "sq0idp-…"
	ClientSecret string // the application secret, "sq0csp-…"
}

// RandomApp returns an application with a random ClientID ("sq0idp-…") and
// ClientSecret ("sq0csp-…") shaped like Square's, so that two fakes never
// share credentials.
func RandomApp() App {
	return App{ClientID: "sq0idp-" + rand.Text(), ClientSecret: "sq0csp-" + rand.Text() + rand.Text()}
}

// Request is one request the fake received, as recorded before any
// validation, so tests can inspect exactly what a client sent.
type Request struct {
	Method string      // as sent: POST for the API, GET for the authorize page, or a client's mistake
	Path   string      // after any prefix stripping, e.g. "/oauth2/token"
	Header http.Header // as received
	Body   []byte      // as received (at most 1 MiB)
}

// Server is the fake. Its zero value is not usable; call New. All methods are
// safe for concurrent use: one mutex guards the token state and the records,
// which is plenty for test traffic.
type Server struct {
	app App
	v   *validator // shared, read-only after construction

	mu           sync.Mutex
	offset       time.Duration // how far Advance moved the clock
	legacyErrors bool
	redirectURL  string // the registered redirect URL; see SetRedirectURL
	consent      string // the seller who approves on the authorize page
	deny         bool   // the seller declines instead
	tokens       tokenState
	faults       map[string][]Fault
	requests     []Request
	hits         map[string]int
	violations   []string
	lenient      bool         // SetStrictHeaders(false)
	faultBytes   atomic.Int64 // body bytes delivered by faults

	closed    chan struct{} // closed by Close: faults stop waiting
	closeOnce sync.Once
}

// New returns a fake that knows app as its only registered application.
//
// It panics if app lacks a ClientID or a ClientSecret, a programmer error,
// or if the embedded openapi.yaml does not load, which is a build defect
// rather than something a caller could handle.
func New(app App) *Server {
	if app.ClientID == "" || app.ClientSecret == "" {
		panic("fakesquare: New needs an App with both ClientID and ClientSecret")
	}
	v, err := sharedValidator()
	if err != nil {
		panic("fakesquare: embedded OpenAPI spec: " + err.Error())
	}
	return &Server{
		app:     app,
		v:       v,
		consent: DefaultMerchantID,
		tokens:  newTokenState(),
		faults:  make(map[string][]Fault),
		hits:    make(map[string]int),
		closed:  make(chan struct{}),
	}
}

// Close ends every fault that is waiting out its Delay or streaming its
// body: their connections are reset at once, as a server going away resets
// them. Call it before closing the HTTP server that serves the fake, whose
// Close or Shutdown otherwise waits for each delayed answer, or for a
// client that gave up without closing its connection, for as long as the
// Delay lasts. Faults injected after Close are answered without delay. The
// fake keeps answering other requests; Close is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
}

// SetStrictHeaders turns this SDK's own header rules on (the default) or off.
// Off, a request is judged by Square's documented rules only: a missing
// Square-Version, Accept or User-Agent, or an Authorization header on
// /oauth2/token, is neither refused nor a violation, as for Square.
func (s *Server) SetStrictHeaders(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lenient = !on
}

// App returns the registered application.
func (s *Server) App() App { return s.app }

// Now is the fake's clock: the wall clock plus everything Advance added. It
// runs in real time so a demo behaves like Square, while tests jump ahead.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Server) nowLocked() time.Time { return time.Now().Add(s.offset).UTC() }

// Advance moves the fake's clock forward by d, so that codes and tokens
// expire without the test waiting.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// SetLegacyErrors switches every error answer to the legacy OAuth shape
// {"message","type"[,"field"]} (on) or back to {"errors":[...]} (off).
// Square has used both on these endpoints, and clients must handle both.
func (s *Server) SetLegacyErrors(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.legacyErrors = on
}

// Requests returns a copy of every request received, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = Request{Method: r.Method, Path: r.Path, Header: r.Header.Clone(), Body: bytes.Clone(r.Body)}
	}
	return out
}

// Hits reports how many requests reached path (after any prefix stripping),
// whatever their outcome.
func (s *Server) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// Violations returns every breach of the spec or of the header rules seen so
// far, in requests and in the fake's own answers, with full detail (which may
// include request values: it is for test failure messages only).
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

func (s *Server) addViolation(r *http.Request, what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, fmt.Sprintf("%s %s: %s", r.Method, r.URL.Path, what))
}

// ServeHTTP records the request, validates it, then answers with an injected
// fault if one is queued for the path, or else with Square's answer, which is
// itself validated before it is sent.
//
// The authorize page (/oauth2/authorize) is a browser page outside
// openapi.yaml: it is recorded like any request but has rules of its own
// (see SetRedirectURL) and answers in plain text or with a redirect.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	tooLarge := len(body) > maxRequestBody
	s.record(r, body)
	if r.URL.Path == authorizePath {
		s.serveAuthorize(w, r)
		return
	}

	var (
		in      *openapi3filter.RequestValidationInput
		problem *apiError
	)
	switch {
	case err != nil:
		// The client went away or sent a broken body (a chunked body cut
		// short, say); if anyone still reads, the answer is a 400.
		s.addViolation(r, "reading request body: "+err.Error())
		problem = newError("BAD_REQUEST", "", "the request body could not be read")
	case tooLarge:
		s.addViolation(r, fmt.Sprintf("request body larger than %d bytes", maxRequestBody))
		problem = newError("REQUEST_ENTITY_TOO_LARGE", "", "request body is too large")
	default:
		var violations []string
		s.mu.Lock()
		strict := !s.lenient
		s.mu.Unlock()
		in, violations, problem = s.v.checkRequest(r, body, strict)
		for _, v := range violations {
			s.addViolation(r, v)
		}
	}

	if f, ok := s.popFault(r.URL.Path); ok {
		if f.AfterHandling && problem == nil && in != nil {
			_, _ = s.dispatch(in.Route.Operation.OperationID, r, body) // the answer is lost
		}
		s.writeFault(w, r, f)
		return
	}
	if problem != nil {
		s.answer(w, r, in, nil, problem)
		return
	}
	result, problem := s.dispatch(in.Route.Operation.OperationID, r, body)
	s.answer(w, r, in, result, problem)
}

func (s *Server) record(r *http.Request, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: bytes.Clone(body)})
	s.hits[r.URL.Path]++
}

// dispatch runs the endpoint the validated request was routed to.
func (s *Server) dispatch(operationID string, r *http.Request, body []byte) (any, *apiError) {
	switch operationID {
	case "ObtainToken":
		return s.obtainToken(body)
	case "RevokeToken":
		return s.revokeToken(r.Header.Get("Authorization"), body)
	case "RetrieveTokenStatus":
		return s.retrieveTokenStatus(r.Header.Get("Authorization"))
	}
	// The spec gained an operation the fake does not implement.
	return nil, newError("INTERNAL_SERVER_ERROR", "", "operation not implemented by the fake")
}

// answer writes result (200) or problem as JSON. When the request matched an
// operation, the answer is first checked against the spec: an answer that
// breaks it is a bug in the fake, recorded and replaced by a 500 so that no
// client test passes on a response Square would never send.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, in *openapi3filter.RequestValidationInput, result any, problem *apiError) {
	s.mu.Lock()
	legacy := s.legacyErrors
	s.mu.Unlock()

	status, payload := http.StatusOK, result
	if problem != nil {
		status, payload = problem.status(), problem.body(legacy)
	}
	body, err := json.Marshal(payload)
	header := http.Header{"Content-Type": {"application/json"}}
	if err == nil && in != nil {
		err = s.v.checkResponse(in, status, header, body)
	}
	if err != nil {
		s.addViolation(r, "response: "+err.Error())
		ie := newError("INTERNAL_SERVER_ERROR", "", "the fake built an answer that does not match the API specification")
		status = ie.status()
		body, _ = json.Marshal(ie.body(legacy)) // plain strings: cannot fail
	}
	for k, vs := range header {
		w.Header()[k] = vs
	}
	w.WriteHeader(status)
	_, _ = w.Write(body) // a write error means the client left; nothing to do
}
