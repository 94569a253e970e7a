package squareoauth

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Square's environments. Config.BaseURL takes one of these, or the URL of a
// proxy or test server.
const (
	ProductionURL = "https://connect.squareup.com"
	SandboxURL    = "https://connect.squareupsandbox.com"
)

// DefaultSquareVersion is the Square-Version header sent when
// Config.SquareVersion is empty: the API version openapi.yaml describes. It
// changes only in a release of this package.
const DefaultSquareVersion = "2025-08-20"

// Version is this package's release, sent in the User-Agent header.
const Version = "0.1.0"

// userAgent names this SDK to Square, which helps Square support trace requests.
const userAgent = "squareoauth-go/" + Version

// defaultTimeout bounds a whole call when the caller brings no HTTP client: the
// generated client's default has no timeout at all.
const defaultTimeout = 30 * time.Second

// defaultTransport serves every Client made without Config.HTTPClient.
// net/http's default keeps 2 idle connections per host, so a Client shared
// by more goroutines than that (a TokenSource per seller, a store
// refreshing many sellers at once) would open, and TLS-handshake, a new
// connection for most calls; this one keeps up to maxIdleConnsToSquare.
var defaultTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = maxIdleConnsToSquare
	return t
}()

// maxIdleConnsToSquare is how many idle connections to Square the default
// transport keeps.
const maxIdleConnsToSquare = 32

// Config describes the application calling Square. Zero values mean the
// documented defaults; only ClientID is required.
type Config struct {
	// ClientID is the application ID ("sq0idp-…"). Required.
	ClientID string
	// ClientSecret is the application secret ("sq0csp-…"). Leave it empty in
	// an application that only uses PKCE; RevokeToken needs it.
	ClientSecret string
	// BaseURL is ProductionURL (the default), SandboxURL, or another absolute
	// URL such as a proxy's. A path prefix is kept. Plain http is accepted
	// only for loopback hosts, so credentials never cross a network in clear.
	BaseURL string
	// SquareVersion is the Square-Version header, "YYYY-MM-DD". Default
	// DefaultSquareVersion.
	SquareVersion string
	// HTTPClient sends the requests: bring one for a proxy, tracing or a
	// different timeout. The default has a 30-second timeout and keeps up
	// to 32 idle connections to Square, so that many goroutines sharing the
	// Client reuse them. Whichever is
	// used, redirects are not followed (New uses a copy of the client that
	// refuses them), so a credential is never re-sent elsewhere: a 3xx
	// comes back as an *Error.
	HTTPClient *http.Client
	// Retry bounds retries of failed calls; nil means the default policy.
	// See RetryPolicy for what is retried and when.
	Retry *RetryPolicy
}

// Client calls Square's OAuth API with the header rules of each endpoint
// built in. It holds no token, is immutable after New and is safe for
// concurrent use.
type Client struct {
	clientID      string
	clientSecret  string
	baseURL       *url.URL // parsed and checked by New
	squareVersion string
	// revokeAuth sets "Authorization: Client <secret>", built once.
	revokeAuth RequestEditorFn
	retry      RetryPolicy
	raw        *ClientWithResponses
}

// New checks cfg and returns a Client. It sends nothing; an error names the
// Config field at fault and is an *InputError.
func New(cfg Config) (*Client, error) {
	cfg, base, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{
		clientID:      cfg.ClientID,
		clientSecret:  cfg.ClientSecret,
		baseURL:       base,
		squareVersion: cfg.SquareVersion,
		retry:         cfg.Retry.withDefaults(),
		revokeAuth:    withAuthorization("Client " + cfg.ClientSecret),
	}
	raw, err := NewClientWithResponses(cfg.BaseURL,
		WithHTTPClient(cfg.HTTPClient),
		WithRequestEditorFn(c.setCommonHeaders),
		WithRequestEditorFn(unrewindable))
	if err != nil {
		return nil, &InputError{Field: "Config.BaseURL", Reason: "is not a usable URL"}
	}
	c.raw = raw
	return c, nil
}

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

// Raw returns the generated low-level client behind c, for calls this package
// does not wrap. It sends the same Square-Version, User-Agent and Accept
// headers through the same HTTP client, but sets no Authorization header and
// returns non-2xx answers as values, not errors: the caller owns both.
func (c *Client) Raw() *ClientWithResponses { return c.raw }

// setCommonHeaders is the editor every request passes through.
func (c *Client) setCommonHeaders(_ context.Context, req *http.Request) error {
	req.Header.Set("Square-Version", c.squareVersion)
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	return nil
}

// unrewindable is an editor every request passes through: it leaves
// net/http no way to send a body a second time. The generated client hands
// net/http a *bytes.Reader, for which http.NewRequest sets GetBody, and
// net/http then re-sends the body on its own: over HTTP/2 after a stream
// reset (REFUSED_STREAM, GOAWAY, or PROTOCOL_ERROR, which a proxy may send
// after reading the whole request), over HTTP/1.1 when a reused connection
// dies and the request carries an Idempotency-Key header. A re-sent
// ObtainToken body spends its authorization code or PKCE refresh token
// twice, and any replay escapes RetryPolicy and Error.Attempts. Without
// GetBody, a failed attempt comes back to the Client, whose retry policy
// alone decides. GetBody is all net/http rewinds a body with; the body
// itself is left as it is, so that net/http still knows it is in memory
// and writes it together with the headers.
func unrewindable(_ context.Context, req *http.Request) error {
	req.GetBody = nil
	return nil
}

// withAuthorization returns an editor that sets the Authorization header of
// one call.
func withAuthorization(value string) RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", value)
		return nil
	}
}

// httpClient returns a copy of hc, or of the default client when hc is
// nil, that never follows a redirect: Square's OAuth endpoints do not
// redirect, and following one would re-send the body's secrets, or the
// Authorization header, to wherever it points.
func httpClient(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	} else {
		c.Timeout = defaultTimeout
		c.Transport = defaultTransport
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}
