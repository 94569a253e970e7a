// Package squareoauth is a client for Square's OAuth API: ObtainToken,
// RevokeToken and RetrieveTokenStatus, with Square's header rules built in and
// every failure returned as a typed error.
//
// # Getting started
//
//	c, err := squareoauth.New(squareoauth.Config{
//		ClientID:     "sq0idp-…",
//		ClientSecret: "sq0csp-…", // empty for a PKCE-only application
//		BaseURL:      squareoauth.SandboxURL,
//	})
//	tok, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
//		GrantType: squareoauth.GrantTypeAuthorizationCode,
//		Code:      code,
//	})
//	st, err := c.RetrieveTokenStatus(ctx, tok.AccessToken)
//	_, err = c.RevokeToken(ctx, squareoauth.RevokeTokenRequest{AccessToken: tok.AccessToken})
//
// # Header rules
//
// Each endpoint authenticates differently, and the [Client] sends the right
// header for each so that callers cannot get it wrong:
//
//   - ObtainToken sends no Authorization header; client_id and client_secret
//     (or, with PKCE, code_verifier) travel in the body.
//   - RevokeToken sends "Authorization: Client <application secret>".
//   - RetrieveTokenStatus sends "Authorization: Bearer <access token>".
//
// Every request also carries Square-Version ([DefaultSquareVersion] unless
// [Config].SquareVersion says otherwise), a User-Agent naming this package, and
// Accept: application/json.
//
// # Errors
//
// A request the package can tell is wrong is refused before anything is sent,
// with an [*InputError] naming the field. An answer that is not a success is
// an [*Error] carrying the HTTP status, Square's error details and the start of
// the body. Network failures, timeouts and cancellation wrap their cause, so
// errors.Is(err, context.DeadlineExceeded) works. No error contains a
// secret, token, code or code verifier, and neither does the fmt or
// log/slog output of a [Config], a [Client], a [Token] or a token request
// or answer; encoding/json still encodes them in full, for storage.
//
// # The whole flow
//
// [Client.AuthorizeURL] builds the address of Square's authorization page,
// [ParseCallback] checks the redirect that comes back, [ObtainTokenResponse.Token]
// parses the answer's timestamps, and [Client.TokenSource] keeps the access
// token fresh: it refreshes ahead of expiry, once however many goroutines ask,
// adopts rotated PKCE refresh tokens, and plugs into golang.org/x/oauth2.
// Package squareoauthtest runs a fake Square for tests of code built on this
// one.
//
// # Retries
//
// A call that fails for a passing reason is repeated, within [Config].Retry
// (default: 3 attempts, waits from 250ms growing to at most 10s, with full
// jitter), and only where repeating cannot spend a credential:
//
//   - RetrieveTokenStatus and RevokeToken: after a connection error and
//     after 408, 429, 500, 502, 503 and 504.
//   - ObtainToken: only after 429, 503 with Retry-After, or a connection that
//     failed before the request was written. An authorization code and a
//     PKCE refresh token are single-use, and Square's token endpoint takes no
//     idempotency key, so a request Square may have acted on is never sent
//     again.
//
// Retry-After is obeyed up to MaxDelay; a longer one returns the error at
// once. Waits end with the context. The last attempt's [*Error] carries the
// number of attempts. See [RetryPolicy].
//
// # Generated code
//
// The request and response models and the low-level [RawClient] are generated
// by oapi-codegen from openapi.yaml into oauth.gen.go; [Client.Raw] reaches
// them for calls this package does not wrap.
package squareoauth
