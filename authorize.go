package squareoauth

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// AuthorizeOptions shapes the URL that sends a seller to Square's
// authorization page. State is required; everything else is optional.
type AuthorizeOptions struct {
	// Scopes are the permissions to request, such as "PAYMENTS_READ".
	// Empty means Square's default set.
	Scopes []string
	// State is an unguessable value bound to the user's session; Square
	// returns it with the code, and ParseCallback checks it (CSRF defence).
	State string
	// Locale is one of en-IE, en-US, en-CA, es-US, fr-CA and ja-JP, or empty
	// to let Square choose.
	Locale string
	// Session, when set to false, makes the seller log in even with a live
	// Square session. Nil leaves Square's default (true). It has no effect
	// in the sandbox.
	Session *bool
	// CodeChallenge turns on PKCE: oauth2.S256ChallengeFromVerifier of a
	// verifier from oauth2.GenerateVerifier, whose verifier then goes in
	// ObtainTokenRequest.CodeVerifier.
	CodeChallenge string
	// RedirectURI is where Square sends the seller back. Empty means the
	// redirect URL registered for the application in the Developer
	// Dashboard; when set, pass the same value to ObtainToken.
	RedirectURI string
}

// locales are the ones Square's authorization page supports.
var locales = []string{"en-IE", "en-US", "en-CA", "es-US", "fr-CA", "ja-JP"}

// AuthorizeURL returns the address of Square's authorization page for this
// application, on the Config's environment: the sandbox's for SandboxURL,
// and for another BaseURL (a proxy or a fake) the same host and path prefix.
// An empty State, an unknown Locale or a malformed value is an *InputError.
func (c *Client) AuthorizeURL(opts AuthorizeOptions) (string, error) {
	const t = "AuthorizeOptions."
	if err := checkCredential(t+"State", opts.State, 1, 0); err != nil {
		return "", err
	}
	if opts.Locale != "" && !slices.Contains(locales, opts.Locale) {
		return "", inputErr(t+"Locale", "must be one of "+strings.Join(locales, ", "))
	}
	if err := checkScopes(t+"Scopes", opts.Scopes); err != nil {
		return "", err
	}
	if err := checkRedirectURI(t+"RedirectURI", opts.RedirectURI); err != nil {
		return "", err
	}
	if opts.CodeChallenge != "" {
		if err := checkCredential(t+"CodeChallenge", opts.CodeChallenge, 1, 0); err != nil {
			return "", err
		}
	}

	q := url.Values{"client_id": {c.clientID}, "state": {opts.State}}
	optional := map[string]string{
		"scope":          strings.Join(opts.Scopes, " "),
		"locale":         opts.Locale,
		"code_challenge": opts.CodeChallenge,
		"redirect_uri":   opts.RedirectURI,
	}
	if opts.Session != nil {
		optional["session"] = strconv.FormatBool(*opts.Session)
	}
	for name, v := range optional {
		if v != "" {
			q.Set(name, v)
		}
	}
	u := c.baseURL.JoinPath("oauth2", "authorize") // a copy: c.baseURL is unchanged
	u.RawQuery = q.Encode()
	return u.String(), nil
}
