package squareoauth

import (
	"net"
	"net/url"
	"strings"
	"time"
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

// withDefaults returns cfg with defaults filled in and its BaseURL parsed,
// or the first problem.
func (cfg Config) withDefaults() (Config, *url.URL, error) {
	if err := checkCredential("Config.ClientID", cfg.ClientID, 1, maxClientIDLen); err != nil {
		return cfg, nil, err
	}
	if cfg.ClientSecret != "" {
		if err := checkCredential("Config.ClientSecret", cfg.ClientSecret, minSecretLen, maxSecretLen); err != nil {
			return cfg, nil, err
		}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = ProductionURL
	}
	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return cfg, nil, err
	}
	if cfg.SquareVersion == "" {
		cfg.SquareVersion = DefaultSquareVersion
	}
	if _, err := time.Parse(time.DateOnly, cfg.SquareVersion); err != nil {
		return cfg, nil, inputErr("Config.SquareVersion", `must be a date such as "`+DefaultSquareVersion+`"`)
	}
	cfg.HTTPClient = httpClient(cfg.HTTPClient)
	return cfg, base, nil
}

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

// prepareObtainToken fills client_id and, for the code flow, client_secret
// from the Client, then checks the request against the grant's rules.
func (c *Client) prepareObtainToken(req ObtainTokenRequest, fillSecret bool) (ObtainTokenRequest, error) {
	const t = "ObtainTokenRequest."
	if req.ClientID == "" {
		req.ClientID = c.clientID
	}
	// The code flow authenticates with the secret; PKCE proves possession
	// with the verifier instead. A refresh without any secret (a PKCE-only
	// application leaves Config.ClientSecret empty) is a PKCE refresh.
	if req.ClientSecret == "" && req.CodeVerifier == "" && fillSecret {
		req.ClientSecret = c.clientSecret
	}
	if err := checkCredential(t+"ClientID", req.ClientID, 1, maxClientIDLen); err != nil {
		return req, err
	}
	if req.ClientSecret != "" {
		if err := checkCredential(t+"ClientSecret", req.ClientSecret, minSecretLen, maxSecretLen); err != nil {
			return req, err
		}
	}
	if err := checkRedirectURI(t+"RedirectURI", req.RedirectURI); err != nil {
		return req, err
	}
	if err := checkScopes(t+"Scopes", req.Scopes); err != nil {
		return req, err
	}
	switch req.GrantType {
	case GrantTypeAuthorizationCode:
		if err := checkCredential(t+"Code", req.Code, 1, maxCodeLen); err != nil {
			return req, err
		}
		if req.CodeVerifier != "" {
			return req, checkCredential(t+"CodeVerifier", req.CodeVerifier, 1, 0)
		}
		if req.ClientSecret == "" {
			return req, inputErr(t+"ClientSecret", "or CodeVerifier is required for grant type authorization_code (set Config.ClientSecret for the code flow)")
		}
	case GrantTypeRefreshToken:
		return req, checkCredential(t+"RefreshToken", req.RefreshToken, minSecretLen, maxSecretLen)
	case GrantTypeMigrationToken:
		if req.ClientSecret == "" {
			return req, inputErr(t+"ClientSecret", "is required for grant type migration_token (set Config.ClientSecret)")
		}
		return req, checkCredential(t+"MigrationToken", req.MigrationToken, minSecretLen, maxSecretLen)
	case "":
		return req, inputErr(t+"GrantType", "is empty")
	default:
		return req, inputErr(t+"GrantType", `must be authorization_code, refresh_token or migration_token`)
	}
	return req, nil
}

// prepareRevokeToken fills client_id and checks that exactly one target is
// named and that the Client can authenticate the call.
func (c *Client) prepareRevokeToken(req RevokeTokenRequest) (RevokeTokenRequest, error) {
	const t = "RevokeTokenRequest."
	if c.clientSecret == "" {
		return req, inputErr("Config.ClientSecret", `is required by RevokeToken, which authenticates with "Authorization: Client <secret>"`)
	}
	if req.ClientID == "" {
		req.ClientID = c.clientID
	}
	if err := checkCredential(t+"ClientID", req.ClientID, 1, maxClientIDLen); err != nil {
		return req, err
	}
	switch {
	case req.AccessToken != "" && req.MerchantID != "":
		return req, inputErr(t+"AccessToken", "and MerchantID are exclusive: give one")
	case req.AccessToken != "":
		return req, checkCredential(t+"AccessToken", req.AccessToken, minSecretLen, maxSecretLen)
	case req.MerchantID != "":
		if req.RevokeOnlyAccessToken {
			return req, inputErr(t+"RevokeOnlyAccessToken", "needs AccessToken, not MerchantID")
		}
		return req, checkCredential(t+"MerchantID", req.MerchantID, 1, 0)
	default:
		return req, inputErr(t+"AccessToken", "or MerchantID is required")
	}
}
