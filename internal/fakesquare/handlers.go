package fakesquare

import (
	"crypto/subtle"
	"encoding/json"
	"strings"
	"time"

	"github.com/squareoauth/squareoauth"
)

// Each handler runs after the request passed validation, so the body is a
// JSON object of the right shape. Handlers return the 200 body or an error,
// never writing themselves: ServeHTTP validates whatever they return.

// obtainToken is POST /oauth2/token.
func (s *Server) obtainToken(body []byte) (any, *apiError) {
	var req squareoauth.ObtainTokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, newError("EXPECTED_JSON_BODY", "", "request body is not a valid ObtainTokenRequest")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	switch req.GrantType {
	case squareoauth.GrantTypeAuthorizationCode:
		return s.exchangeCodeLocked(&req, now)
	case squareoauth.GrantTypeRefreshToken:
		return s.refreshLocked(&req, now)
	case squareoauth.GrantTypeMigrationToken:
		return s.migrateLocked(&req, now)
	}
	// The spec's enum already rejects this; kept in case the enum grows.
	return nil, newError("INVALID_ENUM_VALUE", "grant_type", "grant_type is not supported")
}

// exchangeCodeLocked handles grant_type=authorization_code.
func (s *Server) exchangeCodeLocked(req *squareoauth.ObtainTokenRequest, now time.Time) (any, *apiError) {
	if req.Code == "" {
		return nil, newError("MISSING_REQUIRED_PARAMETER", "code", "code is required when grant_type is authorization_code")
	}
	// The code is spent by the first attempt that names it, whatever happens
	// next, so a stolen code cannot be tried twice (RFC 6749 §10.5).
	code := s.tokens.codes[req.Code]
	delete(s.tokens.codes, req.Code)

	if e := s.checkClientID(req.ClientID); e != nil {
		return nil, e
	}
	if code == nil {
		return nil, newError("BAD_REQUEST", "code", "authorization code is invalid or already used")
	}
	if !now.Before(code.expiresAt) {
		return nil, newError("BAD_REQUEST", "code", "authorization code is expired")
	}
	// Square requires redirect_uri when the authorize URL had one, and
	// OAuth requires it to be the same (RFC 6749 §4.1.3).
	switch {
	case code.redirectURI != "" && req.RedirectURI == "":
		return nil, newError("MISSING_REQUIRED_PARAMETER", "redirect_uri", "redirect_uri is required: the authorization request named one")
	case code.redirectURI != "" && req.RedirectURI != code.redirectURI:
		return nil, newError("BAD_REQUEST", "redirect_uri", "redirect_uri does not match the authorization request's")
	}
	if code.pkce {
		if req.CodeVerifier == "" {
			return nil, newError("MISSING_REQUIRED_PARAMETER", "code_verifier", "code_verifier is required for a PKCE authorization code")
		}
		if !equal(s256(req.CodeVerifier), code.challenge) {
			return nil, newError("BAD_REQUEST", "code_verifier", "code_verifier does not match the code challenge")
		}
	}
	if e := s.checkSecretFor(code.pkce, req.ClientSecret); e != nil {
		return nil, e
	}

	scopes, e := narrowScopes(code.scopes, req.Scopes)
	if e != nil {
		return nil, e
	}
	resp := s.accessResponseLocked(code.merchantID, scopes, req.ShortLived, now)
	switch {
	case req.ShortLived:
		// "returns only an access token" (Square's ObtainToken reference).
	case code.pkce:
		exp := now.Add(pkceRefreshLifetime)
		resp.RefreshToken = s.pkceRefreshLocked(code.merchantID, code.scopes, exp)
		resp.RefreshTokenExpiresAt = timestamp(exp)
	default:
		resp.RefreshToken = s.codeFlowRefreshLocked(code.merchantID, code.scopes)
	}
	return resp, nil
}

// checkSecretFor checks the client secret of a code or refresh token's flow:
// the code flow requires it; PKCE clients hold none, but one that sends it
// must send the right one.
func (s *Server) checkSecretFor(pkce bool, secret string) *apiError {
	if !pkce {
		return s.requireClientSecret(secret)
	}
	if secret != "" {
		return s.checkClientSecret(secret)
	}
	return nil
}

// refreshLocked handles grant_type=refresh_token.
func (s *Server) refreshLocked(req *squareoauth.ObtainTokenRequest, now time.Time) (any, *apiError) {
	if req.RefreshToken == "" {
		return nil, newError("MISSING_REQUIRED_PARAMETER", "refresh_token", "refresh_token is required when grant_type is refresh_token")
	}
	if e := s.checkClientID(req.ClientID); e != nil {
		return nil, e
	}
	rt := s.tokens.refresh[req.RefreshToken]
	switch {
	case rt == nil:
		return nil, newError("BAD_REQUEST", "refresh_token", "refresh token is invalid")
	case rt.revoked:
		return nil, newError("BAD_REQUEST", "refresh_token", "refresh token is revoked")
	case rt.used:
		return nil, newError("BAD_REQUEST", "refresh_token", "refresh token is already used")
	case !rt.expiresAt.IsZero() && !now.Before(rt.expiresAt):
		return nil, newError("BAD_REQUEST", "refresh_token", "refresh token is expired")
	}
	if e := s.checkSecretFor(rt.pkce, req.ClientSecret); e != nil {
		return nil, e
	}

	scopes, e := narrowScopes(rt.scopes, req.Scopes)
	if e != nil {
		return nil, e
	}
	resp := s.accessResponseLocked(rt.merchantID, scopes, req.ShortLived, now)
	switch {
	case rt.pkce && req.ShortLived:
		// Single use, and a short-lived answer carries no refresh token
		// (Square's ObtainToken reference): the authorization ends with
		// this access token. The fake's choice, as Square does not say
		// whether the presented token is spent; spending it keeps the
		// single-use rule.
		rt.used = true
	case req.ShortLived:
		// The code-flow refresh token stays valid; it is just not repeated.
	case rt.pkce:
		// Single use: the old token dies, a new one takes its place.
		rt.used = true
		exp := now.Add(pkceRefreshLifetime)
		resp.RefreshToken = s.pkceRefreshLocked(rt.merchantID, rt.scopes, exp)
		resp.RefreshTokenExpiresAt = timestamp(exp)
	default:
		// Square returns the same code-flow refresh token.
		resp.RefreshToken = req.RefreshToken
	}
	return resp, nil
}

// migrateLocked handles grant_type=migration_token.
func (s *Server) migrateLocked(req *squareoauth.ObtainTokenRequest, now time.Time) (any, *apiError) {
	if req.MigrationToken == "" {
		return nil, newError("MISSING_REQUIRED_PARAMETER", "migration_token", "migration_token is required when grant_type is migration_token")
	}
	if e := s.checkClientID(req.ClientID); e != nil {
		return nil, e
	}
	if e := s.requireClientSecret(req.ClientSecret); e != nil {
		return nil, e
	}
	merchantID, ok := s.tokens.legacy[req.MigrationToken]
	if !ok {
		return nil, newError("BAD_REQUEST", "migration_token", "migration token is invalid")
	}
	scopes, e := narrowScopes(defaultScopes, req.Scopes)
	if e != nil {
		return nil, e
	}
	resp := s.accessResponseLocked(merchantID, scopes, req.ShortLived, now)
	if !req.ShortLived {
		resp.RefreshToken = s.codeFlowRefreshLocked(merchantID, defaultScopes)
	}
	return resp, nil
}

// accessResponseLocked mints an access token and the response fields common
// to every grant.
func (s *Server) accessResponseLocked(merchantID string, scopes []string, shortLived bool, now time.Time) *squareoauth.ObtainTokenResponse {
	life := accessLifetime
	if shortLived {
		life = shortAccessLifetime
	}
	exp := now.Add(life)
	return &squareoauth.ObtainTokenResponse{
		AccessToken: s.issueAccessLocked(merchantID, scopes, exp),
		TokenType:   "bearer",
		ExpiresAt:   timestamp(exp),
		MerchantID:  merchantID,
		ShortLived:  shortLived,
	}
}

// revokeToken is POST /oauth2/revoke. authorization passed validation, so it
// is "Client " followed by something.
func (s *Server) revokeToken(authorization string, body []byte) (any, *apiError) {
	var req squareoauth.RevokeTokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, newError("EXPECTED_JSON_BODY", "", "request body is not a valid RevokeTokenRequest")
	}
	secret := strings.TrimPrefix(authorization, "Client ")
	if !equal(secret, s.app.ClientSecret) {
		return nil, notAuthorized()
	}
	if req.ClientID == "" {
		return nil, newError("MISSING_REQUIRED_PARAMETER", "client_id", "client_id is required")
	}
	if e := s.checkClientID(req.ClientID); e != nil {
		return nil, e
	}
	switch {
	case req.AccessToken != "" && req.MerchantID != "":
		return nil, newError("CONFLICTING_PARAMETERS", "merchant_id", "give either access_token or merchant_id, not both")
	case req.AccessToken == "" && req.MerchantID == "":
		return nil, newError("MISSING_REQUIRED_PARAMETER", "access_token", "either access_token or merchant_id is required")
	case req.MerchantID != "" && req.RevokeOnlyAccessToken:
		return nil, newError("CONFLICTING_PARAMETERS", "revoke_only_access_token", "revoke_only_access_token needs access_token")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if req.MerchantID != "" {
		// Idempotent: revoking a seller with nothing left to revoke succeeds.
		s.revokeMerchantLocked(req.MerchantID)
		return &squareoauth.RevokeTokenResponse{Success: true}, nil
	}
	at := s.tokens.access[req.AccessToken]
	if at == nil {
		return nil, accessTokenNotFound()
	}
	if req.RevokeOnlyAccessToken {
		at.revoked = true
	} else {
		// "this endpoint revokes all of them, regardless of which token you
		// specify" (Square's RevokeToken description).
		s.revokeMerchantLocked(at.merchantID)
	}
	return &squareoauth.RevokeTokenResponse{Success: true}, nil
}

// retrieveTokenStatus is POST /oauth2/token/status. authorization passed
// validation, so it is "Bearer " followed by something.
func (s *Server) retrieveTokenStatus(authorization string) (any, *apiError) {
	token := strings.TrimPrefix(authorization, "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.tokens.access[token]
	switch {
	case at == nil:
		return nil, newError("UNAUTHORIZED", "", "access token is unknown")
	case at.revoked:
		return nil, newError("UNAUTHORIZED", "", "access token is revoked")
	case !s.nowLocked().Before(at.expiresAt):
		return nil, newError("UNAUTHORIZED", "", "access token is expired")
	}
	return &squareoauth.RetrieveTokenStatusResponse{
		Scopes:     append([]string{}, at.scopes...),
		ExpiresAt:  timestamp(at.expiresAt),
		ClientID:   s.app.ClientID,
		MerchantID: at.merchantID,
	}, nil
}

// checkClientID rejects a client_id other than the registered one.
func (s *Server) checkClientID(id string) *apiError {
	if id != s.app.ClientID {
		return newError("UNAUTHORIZED", "client_id", "client_id is not a registered application")
	}
	return nil
}

// requireClientSecret is the code-flow rule: the secret must be present and right.
func (s *Server) requireClientSecret(secret string) *apiError {
	if secret == "" {
		return newError("MISSING_REQUIRED_PARAMETER", "client_secret", "client_secret is required for this grant")
	}
	return s.checkClientSecret(secret)
}

// checkClientSecret rejects a wrong application secret.
func (s *Server) checkClientSecret(secret string) *apiError {
	if !equal(secret, s.app.ClientSecret) {
		return newError("UNAUTHORIZED", "client_secret", "client_secret is not valid for this application")
	}
	return nil
}

// equal compares credentials in constant time; the fake should not teach
// bad habits even in tests.
func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
