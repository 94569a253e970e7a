package squareoauthtest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// DefaultMerchantID is the seller who approves authorizations on the
// server's authorize page until SetConsent names another.
const DefaultMerchantID = "MLFAKESELLER01"

// Server is a fake Square OAuth server listening on a loopback address. It
// knows one registered application, ClientID with ClientSecret. All its
// methods are safe for concurrent use.
//
// A method given an argument Square would never accept (a merchant ID
// shorter than Square's, a negative Advance, a fault for a path Square does
// not serve) stops at once with a message naming the argument and the rule:
// through t.Fatal for a server from NewServer, so call it from the test's
// goroutine, and by a panic for a server from Start.
type Server struct {
	URL          string // base URL: pass as squareoauth.Config.BaseURL
	ClientID     string // the registered application's ID
	ClientSecret string // and its secret

	fake      *fakesquare.Server
	http      *httptest.Server
	report    reporter
	closeOnce sync.Once
}

// reporter is how a bad argument stops the caller: testing.TB for NewServer,
// a panic for Start.
type reporter interface {
	Helper()
	Fatal(args ...any)
}

// panicReporter stops a caller outside a test.
type panicReporter struct{}

func (panicReporter) Helper()           {}
func (panicReporter) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

// Start starts a Server, outside any test, for a new application with a
// random but Square-shaped ClientID ("sq0idp-…") and ClientSecret
// ("sq0csp-…"). Call Close when done: it reports the requests Square would
// have refused. It fails only when no loopback port can be opened.
//
// In a test, NewServer does the same and closes and reports by itself.
func Start() (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		var err6 error
		if l, err6 = net.Listen("tcp6", "[::1]:0"); err6 != nil {
			return nil, fmt.Errorf("squareoauthtest: listening on a loopback port: %w", errors.Join(err, err6))
		}
	}
	app := fakesquare.RandomApp()
	fake := fakesquare.New(app)
	fake.SetStrictHeaders(false) // this SDK's own, stricter rules are for its own tests
	hs := &httptest.Server{Listener: l, Config: &http.Server{Handler: fake}}
	hs.Start()
	return &Server{URL: hs.URL, ClientID: app.ClientID, ClientSecret: app.ClientSecret,
		fake: fake, http: hs, report: panicReporter{}}, nil
}

// NewServer starts a Server, as Start does, for the test t.
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
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	s.report = t
	t.Cleanup(func() {
		_ = s.Close() // its error repeats the violations reported here one by one
		for _, v := range s.Violations() {
			t.Errorf("squareoauthtest: Square would reject this request: %s", v)
		}
	})
	return s
}

// Close shuts the server down. A fault still waiting out its Delay ends at
// once, its client's connection reset, and every other request in flight is
// finished first, so that Violations is complete. Close returns an error
// listing those violations, or nil when every request kept Square's rules.
// Calling Close again only repeats that error.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.fake.Close()
		s.http.Close()
	})
	v := s.Violations()
	if len(v) == 0 {
		return nil
	}
	return fmt.Errorf("squareoauthtest: Square would reject %d request(s):\n%s", len(v), strings.Join(v, "\n"))
}

// Violations describes each request so far that broke one of Square's
// rules, in arrival order: the method, the path and the rule, never the
// request body. A server from NewServer reports them by itself when the test
// ends; one from Start reports them through Close, or here at any time.
func (s *Server) Violations() []string { return s.fake.Violations() }

// check stops the caller of method when err reports a bad argument arg;
// with arg "", err names the argument itself.
func (s *Server) check(method, arg string, err error) {
	s.report.Helper()
	switch {
	case err == nil:
	case arg == "":
		s.report.Fatal(fmt.Sprintf("squareoauthtest: %s: %v", method, err))
	default:
		s.report.Fatal(fmt.Sprintf("squareoauthtest: %s: argument %s: %v", method, arg, err))
	}
}

// Config returns a squareoauth.Config for the registered application on this
// server: ClientID, ClientSecret and BaseURL set, the rest default.
func (s *Server) Config() squareoauth.Config {
	return squareoauth.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret, BaseURL: s.URL}
}

// Authorize stands for a seller approving the application in the code flow,
// without a browser, and returns the authorization code the redirect would
// carry: single-use and valid for 5 minutes. With no scopes, Square's
// default set is granted. merchantID must look like Square's: 8 to 191
// characters.
func (s *Server) Authorize(merchantID string, scopes ...string) (code string) {
	s.report.Helper()
	s.check("Authorize", "merchantID", fakesquare.CheckMerchantID(merchantID))
	s.check("Authorize", "scopes", fakesquare.CheckScopes(scopes))
	return s.fake.Authorize(merchantID, scopes...)
}

// AuthorizePKCE is Authorize for the PKCE flow: the code is exchanged with
// the code_verifier whose S256 challenge is codeChallenge
// (oauth2.S256ChallengeFromVerifier), and no client secret.
func (s *Server) AuthorizePKCE(merchantID, codeChallenge string, scopes ...string) (code string) {
	s.report.Helper()
	s.check("AuthorizePKCE", "merchantID", fakesquare.CheckMerchantID(merchantID))
	s.check("AuthorizePKCE", "codeChallenge", fakesquare.CheckCodeChallenge(codeChallenge))
	s.check("AuthorizePKCE", "scopes", fakesquare.CheckScopes(scopes))
	return s.fake.AuthorizePKCE(merchantID, codeChallenge, scopes...)
}

// IssueMigrationToken returns an access token of the kind Square issued
// before Square-Version 2019-03-13 for merchantID: ObtainToken with
// grant_type migration_token (and the client secret) exchanges it for an
// access and a refresh token, as often as it is presented, as Square's
// migration guide describes
// (https://developer.squareup.com/docs/oauth-api/migrate-to-refresh-tokens).
func (s *Server) IssueMigrationToken(merchantID string) (migrationToken string) {
	s.report.Helper()
	s.check("IssueMigrationToken", "merchantID", fakesquare.CheckMerchantID(merchantID))
	return s.fake.IssueLegacyToken(merchantID)
}

// SetRedirectURL sets the application's registered redirect URL, as in
// Square's Developer Dashboard: where the authorize page sends the browser
// when the request has no redirect_uri, and the only redirect_uri it then
// accepts. It must be an https URL (or http to a loopback host) without a
// fragment; "" clears it.
func (s *Server) SetRedirectURL(u string) {
	s.report.Helper()
	s.check("SetRedirectURL", "u", fakesquare.CheckRedirectURL(u))
	s.fake.SetRedirectURL(u)
}

// SetConsent makes merchantID the seller who approves on the authorize page
// from now on; "" restores DefaultMerchantID.
func (s *Server) SetConsent(merchantID string) {
	s.report.Helper()
	if merchantID != "" {
		s.check("SetConsent", "merchantID", fakesquare.CheckMerchantID(merchantID))
	}
	s.fake.SetConsent(merchantID)
}

// DenyConsent makes the seller decline every authorization on the authorize
// page (deny) or approve it again (!deny). A declined one redirects with
// error=access_denied&error_description=user_denied, plus the state.
func (s *Server) DenyConsent(deny bool) { s.fake.DenyConsent(deny) }

// Advance moves the server's clock forward by d, so that codes (5 minutes),
// access tokens (30 days, or 24 hours when short-lived) and PKCE refresh
// tokens (90 days) expire without the test waiting.
func (s *Server) Advance(d time.Duration) {
	s.report.Helper()
	s.check("Advance", "d", fakesquare.CheckAdvance(d))
	s.fake.Advance(d)
}

// ExpireAccessTokens makes every live access token of merchantID expired
// now, leaving its refresh tokens valid: the state a stored token reaches
// after 30 days, for testing code that refreshes.
func (s *Server) ExpireAccessTokens(merchantID string) {
	s.report.Helper()
	s.check("ExpireAccessTokens", "merchantID", fakesquare.CheckMerchantID(merchantID))
	s.fake.ExpireAccessTokens(merchantID)
}

// RevokeAll revokes every access and refresh token of the application for
// merchantID, as the seller disconnecting the application in Square's
// dashboard would.
func (s *Server) RevokeAll(merchantID string) {
	s.report.Helper()
	s.check("RevokeAll", "merchantID", fakesquare.CheckMerchantID(merchantID))
	s.fake.RevokeAll(merchantID)
}

// SetLegacyErrors makes every error answer use Square's legacy shape
// {"message","type"} (on) instead of {"errors":[…]} (off, the default).
func (s *Server) SetLegacyErrors(on bool) { s.fake.SetLegacyErrors(on) }

// Fault is a canned answer that stands in for Square, a proxy or a load
// balancer: an HTML 502, a rate limit, a slow answer, a lost connection.
type Fault struct {
	Status int           // HTTP status, 200 to 599; 0 means 200
	Header http.Header   // sent as given; without a Content-Type none is sent
	Body   []byte        // sent as given
	Delay  time.Duration // wait this long, or until the client gives up or the server closes, first
	// Drop closes the connection without answering; it takes no Status,
	// Header or Body.
	Drop bool
	// AfterHandling lets Square act on the request first and then sends
	// the fault instead of its answer: the answer lost on its way back,
	// after an authorization code or a PKCE refresh token was spent. It
	// applies to the API paths, not to the authorize page.
	AfterHandling bool
}

// InjectFault queues f for path, one of "/oauth2/token", "/oauth2/revoke",
// "/oauth2/token/status" and "/oauth2/authorize": the next request to path
// gets f instead of Square's answer. Faults for one path are used in the
// order they were queued. A faulted request is still recorded and checked,
// and unless f.AfterHandling it changes no token state: a code it carried is
// not spent.
func (s *Server) InjectFault(path string, f Fault) {
	s.report.Helper()
	ff := fakesquare.Fault{Status: f.Status, Header: f.Header, Body: f.Body, Delay: f.Delay,
		Drop: f.Drop, AfterHandling: f.AfterHandling}
	s.check("InjectFault", "", fakesquare.CheckFault(path, ff))
	s.fake.InjectFault(path, ff)
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
