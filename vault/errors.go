package vault

import (
	"errors"
	"fmt"
)

// ErrNotFound is the error, found with errors.Is, for a seller the vault
// does not hold.
var ErrNotFound = errors.New("vault: no such seller")

// ErrReauthorize is the error, found with errors.Is, when a seller must
// authorize the application again: Square refused the refresh, the
// authorization was revoked, or the token expired with no way to refresh
// it. The vault sends nothing more for that seller until Save or Connect
// stores a new token.
var ErrReauthorize = errors.New("vault: the seller must authorize the application again")

// InputError reports a bad argument or Config field, before anything is
// sent to Square or written to the database.
type InputError struct {
	// Field names the argument or field at fault, such as "Config.Keys[1].Secret".
	Field string
	// Reason says what is wrong with it, without quoting a secret.
	Reason string
}

// Error implements error.
func (e *InputError) Error() string { return fmt.Sprintf("vault: %s %s", e.Field, e.Reason) }

func inputErr(field, reason string) error { return &InputError{Field: field, Reason: reason} }

// reauthorizeError carries the reason a seller must authorize again and
// matches ErrReauthorize.
type reauthorizeError struct {
	merchantID string
	reason     string
	cause      error
}

func (e *reauthorizeError) Error() string {
	return fmt.Sprintf("vault: seller %q must authorize the application again: %s", e.merchantID, e.reason)
}

func (e *reauthorizeError) Is(target error) bool { return target == ErrReauthorize }

func (e *reauthorizeError) Unwrap() error { return e.cause }
