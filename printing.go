package squareoauth

import "fmt"

// String describes the Config without its secret, so that logging a Config
// never leaks the application secret.
func (cfg Config) String() string {
	return describe("Config", cfg.ClientID, cfg.ClientSecret, cfg.BaseURL, cfg.SquareVersion)
}

// GoString is String, for %#v.
func (cfg Config) GoString() string { return cfg.String() }

// String describes the Client without its secret.
func (c *Client) String() string {
	return describe("Client", c.clientID, c.clientSecret, c.baseURL, c.squareVersion)
}

// GoString is String, for %#v.
func (c *Client) GoString() string { return c.String() }

func describe(kind, clientID, clientSecret, baseURL, squareVersion string) string {
	return fmt.Sprintf("squareoauth.%s{ClientID:%q, ClientSecret:%s, BaseURL:%q, SquareVersion:%q}",
		kind, clientID, mark(clientSecret), baseURL, squareVersion)
}

// mark says whether a secret is set, without showing it.
func mark(secret string) string {
	if secret == "" {
		return `""`
	}
	return "[REDACTED]"
}
