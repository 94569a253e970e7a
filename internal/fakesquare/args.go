package fakesquare

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The Check functions judge the arguments a test gives the fake, so that a
// wrapper can refuse a mistake where it is made, naming the argument and
// the rule, instead of the fake failing later with an answer that breaks the
// spec. The Server's own methods stay lenient: this package's tests feed it
// bad values on purpose to see the oracle catch them.

// faultPaths are the paths the fake serves, the only ones a fault can be
// queued for.
var faultPaths = []string{"/oauth2/token", "/oauth2/revoke", "/oauth2/token/status", authorizePath}

// CheckMerchantID reports whether id can name a seller: the spec's
// merchant_id rules, which every answer naming the seller must meet.
func CheckMerchantID(id string) error {
	v, err := sharedValidator()
	if err != nil {
		return err
	}
	s := v.merchantID
	n := utf8.RuneCountInString(id)
	if s.VisitJSON(id) == nil {
		return nil
	}
	limits := fmt.Sprintf("at least %d characters", s.MinLength)
	if s.MaxLength != nil {
		limits = fmt.Sprintf("%d to %d characters", s.MinLength, *s.MaxLength)
	}
	return fmt.Errorf("merchant ID %q has %d characters; Square's merchant_id has %s, such as %q", id, n, limits, DefaultMerchantID)
}

// CheckScopes reports whether every scope is one permission name: not
// empty and without spaces, which the authorize page's scope parameter
// uses to separate them.
func CheckScopes(scopes []string) error {
	for i, s := range scopes {
		switch {
		case s == "":
			return fmt.Errorf("scopes[%d] is empty; a scope is a permission such as PAYMENTS_READ", i)
		case strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
			return fmt.Errorf("scopes[%d] %q holds a space or control character; give each permission, such as PAYMENTS_READ, as its own argument", i, s)
		}
	}
	return nil
}

// CheckCodeChallenge reports whether challenge is a PKCE S256 challenge
// (RFC 7636 §4.2): the SHA-256 of the verifier in base64url without padding.
// The challenge is never quoted.
func CheckCodeChallenge(challenge string) error {
	if !codeChallengeForm.MatchString(challenge) {
		return errors.New("code challenge is not 43 to 128 characters of [A-Za-z0-9._~-]; an S256 challenge is the base64url SHA-256 of the verifier without padding (RFC 7636 §4.2), as oauth2.S256ChallengeFromVerifier makes")
	}
	return nil
}

// CheckRedirectURL reports whether u can be registered as the redirect URL
// ("" clears it): an https URL, or http to a loopback host, without a
// fragment.
func CheckRedirectURL(u string) error {
	if u == "" {
		return nil
	}
	if _, why := redirectTarget(u); why != "" {
		return fmt.Errorf("redirect URL %q %s", u, why)
	}
	return nil
}

// CheckAdvance reports whether the clock can move by d: forward only.
func CheckAdvance(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("duration %v is negative; the clock only moves forward", d)
	}
	return nil
}

// CheckFault reports whether f can be queued for path: a path the fake
// serves, a status net/http can send, no negative sizes or delays, and no
// field that the rest of f would make meaningless.
func CheckFault(path string, f Fault) error {
	switch {
	case !slices.Contains(faultPaths, path):
		return fmt.Errorf("path %q is not served by the fake; use one of %s", path, strings.Join(faultPaths, ", "))
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return fmt.Errorf("Status %d is not a final HTTP status (200 to 599, or 0 for 200)", f.Status)
	case f.Delay < 0:
		return fmt.Errorf("Delay %v is negative", f.Delay)
	case f.BodySize < 0:
		return fmt.Errorf("BodySize %d is negative", f.BodySize)
	case f.Drop && (f.Status != 0 || len(f.Header) > 0 || len(f.Body) > 0 || f.BodySize > 0 || f.Reset):
		return errors.New("Drop closes the connection without answering; it takes no Status, Header, Body, BodySize or Reset")
	case f.Reset && f.BodySize > 0:
		return errors.New("Reset cuts the answer after Body; it takes no BodySize")
	case f.AfterHandling && path == authorizePath:
		return fmt.Errorf("AfterHandling applies to the API; %s is a browser page", authorizePath)
	}
	return nil
}
