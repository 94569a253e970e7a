package vault

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/squareoauth/squareoauth"
)

// Key is one AES-256 key of the vault.
type Key struct {
	// ID names the key; it is stored beside every row the key encrypts, so
	// that a later Config can find it. IDs must be unique and non-empty.
	ID string
	// Secret is the 32-byte AES-256 key. Keep it out of the database and
	// out of reach of whoever can read the database.
	Secret []byte
}

// String shows the key's ID, never its secret.
func (k Key) String() string {
	return fmt.Sprintf("vault.Key{ID:%q, Secret:[%d bytes]}", k.ID, len(k.Secret))
}

// GoString is String, for %#v.
func (k Key) GoString() string { return k.String() }

// Config configures a Vault. Client and Keys are required; zero values of
// the other fields mean the documented defaults.
type Config struct {
	// Client refreshes and revokes tokens. Required.
	Client *squareoauth.Client
	// Keys encrypt the tokens at rest: Keys[0] encrypts every write, and
	// every key decrypts the rows it wrote. To rotate, put the new key first,
	// keep the old ones, call Rekey, then drop them. Required.
	Keys []Key
	// RefreshMargin makes a seller due once its access token has less than
	// this left. 0 means the refresh point of squareoauth's TokenSource
	// (23 days before expiry for a 30-day token, 6 hours for a short-lived
	// one). Either way a per-seller jitter moves it earlier by up to a day,
	// so that sellers connected together are not all due together.
	RefreshMargin time.Duration
	// Lease is how long one instance may hold a seller's refresh before
	// another may take it over: the longest a killed instance delays the
	// others. 0 means 1 minute. The request to Square is bounded to three
	// quarters of it.
	Lease time.Duration
	// WebhookSignatureKey is the signature key of the Square webhook
	// subscription, for WebhookHandler.
	WebhookSignatureKey string
	// WebhookURL is the notification URL registered with Square, byte for
	// byte, for WebhookHandler.
	WebhookURL string
	// MaxConns bounds the vault's database connections in this process. 0
	// means 10 for PostgreSQL (which allows 100 connections in all by
	// default: mind the number of instances) and 4 for SQLite.
	MaxConns int
	// RefreshConcurrency bounds the refreshes RefreshDue runs at once in
	// this process. 0 means 16.
	RefreshConcurrency int
	// Logger receives refresh failures and storage retries, never a token
	// or key. nil means no logging.
	Logger *slog.Logger
}

const (
	defaultLease       = time.Minute
	defaultConcurrency = 16
	keySize            = 32
)

// check validates c and fills in the defaults.
func (c Config) check() (Config, error) {
	if c.Client == nil {
		return c, inputErr("Config.Client", "is required")
	}
	if len(c.Keys) == 0 {
		return c, inputErr("Config.Keys", "is required: give at least one 32-byte key")
	}
	seen := make(map[string]bool, len(c.Keys))
	for i, k := range c.Keys {
		switch {
		case k.ID == "":
			return c, inputErr(fmt.Sprintf("Config.Keys[%d].ID", i), "is empty")
		case seen[k.ID]:
			return c, inputErr(fmt.Sprintf("Config.Keys[%d].ID", i), fmt.Sprintf("%q is used twice", k.ID))
		case len(k.Secret) != keySize:
			return c, inputErr(fmt.Sprintf("Config.Keys[%d].Secret", i), fmt.Sprintf("is %d bytes; AES-256 needs 32", len(k.Secret)))
		}
		seen[k.ID] = true
	}
	switch {
	case c.RefreshMargin < 0:
		return c, inputErr("Config.RefreshMargin", "is negative")
	case c.Lease < 0:
		return c, inputErr("Config.Lease", "is negative")
	case c.Lease > 0 && c.Lease < time.Second:
		return c, inputErr("Config.Lease", "is under a second, too short for a request to Square")
	case c.MaxConns < 0:
		return c, inputErr("Config.MaxConns", "is negative")
	case c.RefreshConcurrency < 0:
		return c, inputErr("Config.RefreshConcurrency", "is negative")
	}
	if c.Lease == 0 {
		c.Lease = defaultLease
	}
	if c.RefreshConcurrency == 0 {
		c.RefreshConcurrency = defaultConcurrency
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
