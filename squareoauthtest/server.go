package squareoauthtest

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// DefaultMerchantID is the seller who approves authorizations on the
// server's authorize page until SetConsent names another.
const DefaultMerchantID = "MLFAKESELLER01" // a literal, so that go doc shows it; TestBrowserFlow keeps it the fake's

// Server is a fake Square OAuth server listening on a loopback address. It
// knows one registered application, ClientID with ClientSecret. All its
// methods are safe for concurrent use.
type Server struct {
	URL          string // base URL: pass as squareoauth.Config.BaseURL
	ClientID     string // the registered application's ID
	ClientSecret string // and its secret

	fake *fakesquare.Server
}

// NewServer starts a Server for a new application with a random but
// Square-shaped ClientID ("sq0idp-…") and ClientSecret ("sq0csp-…").
//
// When the test ends, t.Cleanup closes the server and then calls t.Errorf
// once for each request that broke one of Square's rules (a header, the
// request body's schema, a parameter of the authorize page), so code that
// Square would reject fails the test even when it handled the error answer.
// The rules are Square's documented ones: a request without Square-Version,
// say, passes, as it does at Square. The messages never quote a request
// body.
func NewServer(t testing.TB) *Server {
	t.Helper()
	app := fakesquare.App{ClientID: "sq0idp-" + rand.Text(), ClientSecret: "sq0csp-" + rand.Text() + rand.Text()}
	fake := fakesquare.New(app)
	fake.SetStrictHeaders(false) // this SDK's own, stricter rules are for its own tests
	srv := httptest.NewServer(fake)
	t.Cleanup(func() {
		srv.Close() // waits for requests in flight, so every violation is in
		for _, v := range fake.Violations() {
			t.Errorf("squareoauthtest: Square would reject this request: %s", v)
		}
	})
	return &Server{URL: srv.URL, ClientID: app.ClientID, ClientSecret: app.ClientSecret, fake: fake}
}

// Config returns a squareoauth.Config for the registered application on this
// server: ClientID, ClientSecret and BaseURL set, the rest default.
func (s *Server) Config() squareoauth.Config {
	return squareoauth.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret, BaseURL: s.URL}
}

// Authorize stands for a seller approving the application in the code flow,
// without a browser, and returns the authorization code the redirect would
// carry: single-use and valid for 5 minutes. With no scopes, Square's
// default set is granted. merchantID should look like Square's (8 to 191
// characters), or exchanging the code fails with a 500 and a violation.
func (s *Server) Authorize(merchantID string, scopes ...string) (code string) {
	return s.fake.Authorize(merchantID, scopes...)
}

// AuthorizePKCE is Authorize for the PKCE flow: the code is exchanged with
// the code_verifier whose S256 challenge is codeChallenge
// (oauth2.S256ChallengeFromVerifier), and no client secret.
func (s *Server) AuthorizePKCE(merchantID, codeChallenge string, scopes ...string) (code string) {
	return s.fake.AuthorizePKCE(merchantID, codeChallenge, scopes...)
}

// SetRedirectURL sets the application's registered redirect URL, as in
// Square's Developer Dashboard: where the authorize page sends the browser
// when the request has no redirect_uri, and the only redirect_uri it then
// accepts. It must be an https URL (or http to a loopback host) without a
// fragment; a bad one fails the authorize request (400) and the test.
func (s *Server) SetRedirectURL(u string) { s.fake.SetRedirectURL(u) }

// SetConsent makes merchantID the seller who approves on the authorize page
// from now on; "" restores DefaultMerchantID.
func (s *Server) SetConsent(merchantID string) { s.fake.SetConsent(merchantID) }

// DenyConsent makes the seller decline every authorization on the authorize
// page (deny) or approve it again (!deny). A declined one redirects with
// error=access_denied&error_description=user_denied, plus the state.
func (s *Server) DenyConsent(deny bool) { s.fake.DenyConsent(deny) }

// Advance moves the server's clock forward by d, so that codes (5 minutes),
// access tokens (30 days, or 24 hours when short-lived) and PKCE refresh
// tokens (90 days) expire without the test waiting.
func (s *Server) Advance(d time.Duration) { s.fake.Advance(d) }

// ExpireAccessTokens makes every live access token of merchantID expired
// now, leaving its refresh tokens valid: the state a stored token reaches
// after 30 days, for testing code that refreshes.
func (s *Server) ExpireAccessTokens(merchantID string) { s.fake.ExpireAccessTokens(merchantID) }

// RevokeAll revokes every access and refresh token of the application for
// merchantID, as the seller disconnecting the application in Square's
// dashboard would.
func (s *Server) RevokeAll(merchantID string) { s.fake.RevokeAll(merchantID) }

// SetLegacyErrors makes every error answer use Square's legacy shape
// {"message","type"} (on) instead of {"errors":[…]} (off, the default).
func (s *Server) SetLegacyErrors(on bool) { s.fake.SetLegacyErrors(on) }

// Fault is a canned answer that stands in for Square, a proxy or a load
// balancer: an HTML 502, a rate limit, a slow answer, a lost connection.
type Fault struct {
	Status int           // HTTP status; 0 means 200
	Header http.Header   // sent as given; without a Content-Type none is sent
	Body   []byte        // sent as given
	Delay  time.Duration // wait this long, or until the client gives up, first
	// Drop closes the connection without answering.
	Drop bool
	// AfterHandling lets Square act on the request first and then sends
	// the fault instead of its answer: the answer lost on its way back,
	// after an authorization code or a PKCE refresh token was spent.
	AfterHandling bool
}

// InjectFault queues f for path, such as "/oauth2/token": the next request
// to path gets f instead of Square's answer. Faults for one path are used in
// the order they were queued. A faulted request is still recorded and
// checked, and unless f.AfterHandling it changes no token state: a code it
// carried is not spent.
func (s *Server) InjectFault(path string, f Fault) {
	s.fake.InjectFault(path, fakesquare.Fault{Status: f.Status, Header: f.Header, Body: f.Body, Delay: f.Delay,
		Drop: f.Drop, AfterHandling: f.AfterHandling})
}

// Request is one request the server received, exactly as sent.
type Request struct {
	Method string      // the HTTP method
	Path   string      // e.g. "/oauth2/token"
	Header http.Header // as received
	Body   []byte      // as received
}

// Requests returns a copy of every request received so far, in arrival
// order, including those to the authorize page.
func (s *Server) Requests() []Request {
	in := s.fake.Requests()
	out := make([]Request, len(in))
	for i, r := range in {
		out[i] = Request{Method: r.Method, Path: r.Path, Header: r.Header, Body: r.Body} // already copies
	}
	return out
}

// Hits reports how many requests reached path (such as "/oauth2/token"),
// whatever their outcome.
func (s *Server) Hits(path string) int { return s.fake.Hits(path) }
