package squareoauth

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
)

// ObtainToken calls POST /oauth2/token to exchange an authorization code, a
// refresh token or a legacy migration token for an access token.
//
// The request carries no Authorization header: Square reads the
// application's credentials from the body. ObtainToken fills ClientID from
// the Config when empty, and ClientSecret too unless the request carries a
// CodeVerifier (PKCE). A refresh without any secret is a PKCE refresh, and
// Square then answers with a new refresh token that replaces the old one.
//
// The request is checked before anything is sent; a problem is an
// *InputError naming the field. A non-2xx answer, or a 2xx that carries
// errors or no access token, is an *Error; when such a 2xx carries a
// refresh_token, the decoded answer comes with the *Error, so that a PKCE
// refresh token Square rotated can still be kept.
//
// ObtainToken is retried only when Square cannot have acted on the request
// (see RetryPolicy): an authorization code and a PKCE refresh token are
// single-use, and a repeated request could find them spent.
func (c *Client) ObtainToken(ctx context.Context, req ObtainTokenRequest) (*ObtainTokenResponse, error) {
	// The code flow authenticates with the secret; PKCE proves possession
	// with the verifier instead. A refresh without any secret (a PKCE-only
	// application leaves Config.ClientSecret empty) is a PKCE refresh.
	if req.ClientSecret == "" && req.CodeVerifier == "" {
		req.ClientSecret = c.clientSecret
	}
	return c.obtainToken(ctx, req)
}

// obtainToken sends req with the client ID filled in but its secret as
// given: the TokenSource refreshes a PKCE token without the secret even in
// a Client that has one. known are more secrets to keep out of errors, such
// as the access token a refresh replaces.
func (c *Client) obtainToken(ctx context.Context, req ObtainTokenRequest, known ...string) (*ObtainTokenResponse, error) {
	req, err := c.prepareObtainToken(req)
	if err != nil {
		return nil, err
	}
	// Encoded once, so every attempt sends the same bytes. (RevokeToken
	// repeats these lines: a shared helper taking the generated method as a
	// value costs two allocations a call, measured in bench_test.go.)
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	send := func(ctx context.Context) (*http.Response, error) {
		return c.raw.ObtainTokenWithBody(ctx, jsonContentType, bytes.NewReader(body))
	}
	var out ObtainTokenResponse
	secrets := append([]string{req.ClientSecret, req.Code, req.CodeVerifier, req.RefreshToken, req.MigrationToken}, known...)
	if err := c.call(ctx, "ObtainToken", spendsCredential, send, &out, secrets); err != nil {
		if out.RefreshToken != "" {
			return &out, err // a 2xx that failed still issued it: see ObtainToken
		}
		return nil, err
	}
	return &out, nil
}

// prepareObtainToken fills client_id from the Client, then checks the
// request against the grant's rules.
func (c *Client) prepareObtainToken(req ObtainTokenRequest) (ObtainTokenRequest, error) {
	const t = "ObtainTokenRequest."
	if req.ClientID == "" {
		req.ClientID = c.clientID
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

// RevokeToken calls POST /oauth2/revoke to end an application's access to a
// seller's account: every token the application holds for that seller, or
// only req.AccessToken when req.RevokeOnlyAccessToken is set. Square also
// cancels the subscriptions tied to a revoked authorization.
//
// Name the seller by exactly one of req.AccessToken and req.MerchantID.
// RevokeToken authenticates with "Authorization: Client <Config.ClientSecret>"
// and fills req.ClientID from the Config when empty; without a ClientSecret
// it returns an *InputError and sends nothing. A non-2xx answer, or a 2xx
// whose "success" is not true, is an *Error.
func (c *Client) RevokeToken(ctx context.Context, req RevokeTokenRequest) (*RevokeTokenResponse, error) {
	req, err := c.prepareRevokeToken(req)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	send := func(ctx context.Context) (*http.Response, error) {
		return c.raw.RevokeTokenWithBody(ctx, jsonContentType, bytes.NewReader(body), c.revokeAuth)
	}
	var out RevokeTokenResponse
	if err := c.call(ctx, "RevokeToken", safeToRepeat, send, &out, []string{c.clientSecret, req.AccessToken}); err != nil {
		return nil, err
	}
	return &out, nil
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

// RetrieveTokenStatus calls POST /oauth2/token/status to learn the scopes,
// expiry, application and seller of accessToken, which may be an OAuth access
// token or a personal access token. It sends
// "Authorization: Bearer <accessToken>" and no body.
//
// An expired, revoked or unknown token is an *Error for which
// HasCode("UNAUTHORIZED") is true. A malformed accessToken is an
// *InputError, and nothing is sent.
func (c *Client) RetrieveTokenStatus(ctx context.Context, accessToken string) (*RetrieveTokenStatusResponse, error) {
	if err := checkCredential("accessToken", accessToken, 1, 0); err != nil {
		return nil, err
	}
	auth := withAuthorization("Bearer " + accessToken)
	send := func(ctx context.Context) (*http.Response, error) {
		return c.raw.RetrieveTokenStatus(ctx, auth)
	}
	var out RetrieveTokenStatusResponse
	if err := c.call(ctx, "RetrieveTokenStatus", safeToRepeat, send, &out, []string{accessToken}); err != nil {
		return nil, err
	}
	return &out, nil
}

// jsonContentType is the Content-Type of every request body.
const jsonContentType = "application/json"
