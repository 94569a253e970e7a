package squareoauth

import (
	"net"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Length limits from openapi.yaml, checked here so that a request Square would
// reject never leaves the process.
const (
	maxClientIDLen    = 191
	maxCodeLen        = 191
	maxRedirectURILen = 2048
	minSecretLen      = 2
	maxSecretLen      = 1024
)

// checkBaseURL parses and accepts an absolute https URL, or http to a loopback host
// (tests, local proxies). User info and queries are refused: the first would
// put a credential in every error message that quotes the URL, and the
// generated client would drop the second.
func checkBaseURL(raw string) (*url.URL, error) {
	const field = "Config.BaseURL"
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, inputErr(field, `must be an absolute URL such as "`+ProductionURL+`"`)
	}
	switch {
	case u.User != nil:
		return nil, inputErr(field, "must not contain user information")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, inputErr(field, "must not have a query or fragment")
	case u.Scheme == "https", u.Scheme == "http" && isLoopback(u.Hostname()):
		return u, nil
	case u.Scheme == "http":
		return nil, inputErr(field, "must use https unless the host is loopback")
	default:
		return nil, inputErr(field, "must use https")
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkCredential checks a secret, token, code or ID: present, within its
// length limits, and made of visible ASCII only (see invalidCredentialRune).
// maxLen 0 means no upper limit.
func checkCredential(field, v string, minLen, maxLen int) error {
	n := utf8.RuneCountInString(v)
	switch {
	case v == "":
		return inputErr(field, "is empty")
	case hasAuthScheme(v):
		return inputErr(field, `must be the bare value, without a "Bearer " or "Client " prefix`)
	case strings.IndexFunc(v, invalidCredentialRune) >= 0:
		return inputErr(field, "contains whitespace, control or non-ASCII characters")
	case n < minLen:
		return inputErr(field, "is too short")
	case maxLen > 0 && n > maxLen:
		return inputErr(field, "is too long")
	}
	return nil
}

func hasAuthScheme(v string) bool {
	for _, scheme := range []string{"bearer ", "client "} {
		if len(v) >= len(scheme) && strings.EqualFold(v[:len(scheme)], scheme) {
			return true
		}
	}
	return false
}

// invalidCredentialRune reports a rune no Square credential, ID or scope
// has: anything but visible ASCII. That refuses spaces and CR/LF (header
// injection) and also the zero-width spaces and byte-order marks that
// copy-paste leaves behind, which would otherwise become a puzzling 401.
func invalidCredentialRune(r rune) bool {
	return r < '!' || r > '~'
}

// checkScopes refuses an empty scope or one with whitespace, which would
// merge with its neighbour in the space-separated form.
func checkScopes(field string, scopes []string) error {
	for _, s := range scopes {
		if s == "" || strings.IndexFunc(s, invalidCredentialRune) >= 0 {
			return inputErr(field, "holds an empty scope or one with whitespace")
		}
	}
	return nil
}

// checkRedirectURI accepts an empty value or an absolute URL within
// Square's length limit.
func checkRedirectURI(field, v string) error {
	if v == "" {
		return nil
	}
	if utf8.RuneCountInString(v) > maxRedirectURILen {
		return inputErr(field, "is too long")
	}
	if u, err := url.Parse(v); err != nil || !u.IsAbs() {
		return inputErr(field, "must be an absolute URL")
	}
	return nil
}
