package fakesquare

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// DefaultMerchantID is the seller who approves every authorization on the
// fake's authorize page until SetConsent names another. It is long enough
// for the spec's merchant_id (8 to 191 characters).
const DefaultMerchantID = "MLFAKESELLER01"

// authorizePath is Square's authorization page: a page a seller opens in a
// browser, not an API operation, so openapi.yaml does not describe it.
const authorizePath = "/oauth2/authorize"

// authorizeLocales are the locales Square's authorize page supports
// (https://developer.squareup.com/reference/square/oauth-api/authorize).
var authorizeLocales = []string{"en-IE", "en-US", "en-CA", "es-US", "fr-CA", "ja-JP"}

// authorizeParams are the query parameters the page reads; each may appear
// at most once, since a repeated one is ambiguous.
var authorizeParams = []string{"client_id", "scope", "state", "session", "locale", "code_challenge", "redirect_uri"}

// codeChallengeForm is RFC 7636's alphabet and length: an S256 challenge is
// 43 characters of base64url without padding; the standard base64 alphabet
// ('+', '/', '=') or a hex digest are the usual mistakes it catches.
var codeChallengeForm = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// SetRedirectURL sets the redirect URL registered for the application, as in
// Square's Developer Dashboard: where the authorize page sends the browser
// when the request names no redirect_uri, and the only redirect_uri it then
// accepts. It must be an https URL, or http to a loopback host; a bad one
// is reported (400 and a violation) when the page needs it, not here.
func (s *Server) SetRedirectURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.redirectURL = u
}

// SetConsent makes merchantID the seller who approves browser
// authorizations from now on; "" restores DefaultMerchantID. merchantID
// should look like Square's (8 to 191 characters), as for Authorize.
func (s *Server) SetConsent(merchantID string) {
	if merchantID == "" {
		merchantID = DefaultMerchantID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consent = merchantID
}

// DenyConsent makes the seller decline (deny) or approve (!deny) every
// browser authorization from now on. A declined authorization redirects
// with error=access_denied and error_description=user_denied and no code.
func (s *Server) DenyConsent(deny bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = deny
}

// pageProblem is one thing wrong with a request for the authorize page: the
// status and the plain-text answer, which never quotes a request value, and
// the violation to record, which may.
type pageProblem struct {
	status    int
	text      string
	violation string
}

// authorizeRequest is a request for the authorize page that passed its
// checks.
type authorizeRequest struct {
	target *url.URL // where the browser goes next
	// redirectURI is the redirect_uri the request named, which the code
	// exchange must then repeat; "" when it named none.
	redirectURI string
	scopes      []string // nil: Square's defaults
	challenge   string   // PKCE when non-empty
	state       string
	hasState    bool
}

// serveAuthorize is GET /oauth2/authorize with automatic consent: the seller
// set by SetConsent approves (or, after DenyConsent, declines) at once, and
// the browser is sent to the redirect target with the outcome in the query.
// A fault queued for the path replaces the answer, as for the API.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	req, problems := s.checkAuthorize(r)
	for _, p := range problems {
		s.addViolation(r, "authorize page: "+p.violation)
	}
	if f, ok := s.popFault(r.URL.Path); ok {
		s.writeFault(w, r, f)
		return
	}
	if len(problems) > 0 {
		p := problems[0]
		if p.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", http.MethodGet)
		}
		http.Error(w, p.text, p.status)
		return
	}

	s.mu.Lock()
	merchantID, deny := s.consent, s.deny
	s.mu.Unlock()

	var params []string
	if deny {
		params = append(params, "error=access_denied", "error_description=user_denied")
	} else {
		code := s.authorize(merchantID, req.challenge != "", req.challenge, req.redirectURI, req.scopes)
		params = append(params, "code="+url.QueryEscape(code))
	}
	if req.hasState {
		params = append(params, "state="+url.QueryEscape(req.state))
	}
	// Appended, not re-encoded, so the target's own query stays as
	// registered, order included.
	loc := *req.target
	if loc.RawQuery != "" {
		loc.RawQuery += "&"
	}
	loc.RawQuery += strings.Join(params, "&")

	// No body: http.Redirect would write the Location, code and all, into
	// an HTML page too.
	w.Header().Set("Location", loc.String())
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusFound)
}

// checkAuthorize checks a request for the authorize page and returns what it
// asks for, or every problem found, the one to answer with first.
func (s *Server) checkAuthorize(r *http.Request) (authorizeRequest, []pageProblem) {
	var (
		req      authorizeRequest
		problems []pageProblem
	)
	add := func(status int, text, violation string) {
		problems = append(problems, pageProblem{status, text, violation})
	}
	if r.Method != http.MethodGet {
		add(http.StatusMethodNotAllowed, "method not allowed", fmt.Sprintf("method %s; the authorize page is opened with GET", r.Method))
		return req, problems
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		// The error quotes the query, which holds the state.
		add(http.StatusBadRequest, "malformed query string", "query string is not valid URL encoding")
		return req, problems
	}

	switch id := q.Get("client_id"); {
	case id == "":
		add(http.StatusBadRequest, "unknown client_id", "client_id missing")
	case id != s.app.ClientID:
		add(http.StatusBadRequest, "unknown client_id", "client_id is not the registered application's")
	}
	for _, name := range authorizeParams {
		if n := len(q[name]); n > 1 {
			add(http.StatusBadRequest, "repeated parameter", fmt.Sprintf("%s sent %d times", name, n))
		}
	}

	if q.Has("locale") && !slices.Contains(authorizeLocales, q.Get("locale")) {
		add(http.StatusBadRequest, "unsupported locale",
			fmt.Sprintf("locale %q is not one of %s", q.Get("locale"), strings.Join(authorizeLocales, ", ")))
	}
	if v := q.Get("session"); q.Has("session") && !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
		add(http.StatusBadRequest, "session must be true or false", fmt.Sprintf("session %q is not true or false", v))
	}
	if q.Has("code_challenge") {
		req.challenge = q.Get("code_challenge")
		if !codeChallengeForm.MatchString(req.challenge) {
			add(http.StatusBadRequest, "malformed code_challenge",
				"code_challenge is not 43 to 128 characters of [A-Za-z0-9._~-] (an S256 challenge is base64url without padding)")
		}
	}
	req.scopes = strings.Fields(q.Get("scope"))
	req.state, req.hasState = q.Get("state"), q.Has("state")

	s.mu.Lock()
	registered := s.redirectURL
	s.mu.Unlock()
	raw, source := q.Get("redirect_uri"), "redirect_uri"
	if !q.Has("redirect_uri") {
		raw, source = registered, "the registered redirect URL (SetRedirectURL)"
	} else {
		req.redirectURI = raw
	}
	switch {
	case raw == "" && !q.Has("redirect_uri"):
		add(http.StatusBadRequest, "no redirect URL: send redirect_uri or register one",
			"no redirect_uri and no registered redirect URL (SetRedirectURL)")
	default:
		u, why := redirectTarget(raw)
		switch {
		case why != "":
			add(http.StatusBadRequest, "invalid redirect URL", fmt.Sprintf("%s %q %s", source, raw, why))
		case registered != "" && raw != registered:
			// RFC 6749 §3.1.2.3: a registered redirect URL is the only one.
			add(http.StatusBadRequest, "redirect_uri does not match the registered redirect URL",
				fmt.Sprintf("redirect_uri %q is not the registered %q", raw, registered))
		}
		req.target = u
	}
	return req, problems
}

// redirectTarget parses raw as a redirect URL, or says why it cannot be one.
func redirectTarget(raw string) (*url.URL, string) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, "does not parse as a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, "is not an absolute http or https URL"
	case u.Host == "":
		return nil, "has no host"
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return nil, "is plain http to a host other than loopback; Square requires https there"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, "has a fragment, which a redirect URL must not (RFC 6749 §3.1.2)"
	}
	return u, ""
}

// isLoopback reports a host name or address that stays on this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
