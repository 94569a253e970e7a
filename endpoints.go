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
	return c.obtainToken(ctx, req, true)
}

// obtainToken is ObtainToken; fillSecret false keeps Config.ClientSecret
// out of the request, for refreshing a PKCE token in a Client that also has
// a secret, and known are more secrets to keep out of errors, such as the
// access token a refresh replaces.
func (c *Client) obtainToken(ctx context.Context, req ObtainTokenRequest, fillSecret bool, known ...string) (*ObtainTokenResponse, error) {
	req, err := c.prepareObtainToken(req, fillSecret)
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
