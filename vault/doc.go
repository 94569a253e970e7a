// Package vault stores many Square sellers' OAuth tokens, encrypted at
// rest, and keeps them fresh with one refresh per seller across every
// instance of an application that shares the database.
//
// Square's ObtainToken documentation asks that "OAuth tokens should be
// encrypted and stored on a secure server", and its guidance on token
// management (https://developer.squareup.com/docs/oauth-api/refresh-revoke-limit-scope)
// to renew every access token at least every 7 days. A marketplace
// application holds hundreds or thousands of sellers and runs several
// instances; the vault is the store those instances share.
//
// # Engines
//
// Open picks the engine by the DSN: "sqlite:PATH" is an embedded database
// file (modernc.org/sqlite, no cgo) that the processes of one machine share
// safely; "postgres://…" or "postgresql://…" serves instances on many
// machines (github.com/jackc/pgx/v5).
//
// # One refresh everywhere
//
// A due seller is refreshed by whichever instance first takes its lease: a
// short statement writes the instance's ID and an expiry (Config.Lease)
// into the seller's row, and only if the row is still as that instance
// read it. No transaction or lock is held while Square is called. The new
// token is written with a compare-and-set on the row's version before any
// caller gets it, so that a PKCE refresh token, which Square rotates on
// every refresh, is never lost; then the lease ends. Other callers, in
// this process or any other, wait for that write (or for the lease to
// expire) and read the new token: Square sees one request.
//
// # What a killed instance costs
//
// An instance killed while it holds a lease delays the others by at most
// Config.Lease; then one of them takes the lease and refreshes. With the
// code flow that costs nothing more: the refresh token is reusable. With
// PKCE the refresh token is single-use: if the instance was killed after
// Square read the request but before the answer was stored, Square has
// spent the stored refresh token and its replacement died with the
// instance. The next refresh is then refused, and the vault reports it
// like any refusal: the seller goes to StateReauthorize, Token returns an
// error matching ErrReauthorize, and Seller's LastError carries Square's
// refusal. The seller must authorize again. Nothing can close this window
// (the answer exists only in the killed process); the vault keeps it as
// short as one request.
//
// # Failures
//
// A refresh Square refuses with its own error sets StateReauthorize for
// every instance, and nothing more is sent for the seller until Save or
// Connect. For a code-flow token the refusal is believed only if Square
// also refuses the access token (squareoauth.Client.Refresh asks): a
// refresh refused while the access token works points at the
// application's configuration, such as a rotated client secret, and is a
// passing failure whose LastError says what to check, so that one bad
// deployment cannot send every seller back to authorize.
//
// A passing failure (network, 5xx, 429, an answer without Square's error
// body) leaves the current token in use while it works and is retried
// after a backoff shared by every instance (30 seconds first, doubling up
// to an hour). With PKCE the retry sends the same refresh token, the only
// one there is: when the failed request had left, Square may have spent
// it, and the retry is then refused like any refusal. When Square answered but the database write
// failed, the token is kept in memory and the write retried, and every
// call for the seller fails until it lands. The write is a compare-and-set
// like any other: a Save or a revocation that lands first outranks it.
// Only the instance that holds the token can write it, so if the database
// stays out of its reach for longer than Config.Lease while other
// instances reach it, one of them may refresh the seller meanwhile; with
// PKCE that refresh is refused (the refresh token is spent) and the seller
// must authorize again.
//
// # Encryption
//
// Tokens are encrypted with AES-256-GCM under Config.Keys[0], with a random
// nonce per write and additional data naming the seller and the key ID, so
// that a ciphertext copied to another seller's row does not decrypt.
// Rekey moves every row to Keys[0] after a rotation.
package vault
