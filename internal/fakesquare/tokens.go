package fakesquare

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"time"
)

// Lifetimes from Square's OAuth docs
// (https://developer.squareup.com/docs/oauth-api/how-oauth-works and the
// short_lived field of https://developer.squareup.com/reference/square/oauth-api/obtain-token).
const (
	codeLifetime        = 5 * time.Minute
	accessLifetime      = 30 * 24 * time.Hour
	shortAccessLifetime = 24 * time.Hour
	pkceRefreshLifetime = 90 * 24 * time.Hour
)

// Token prefixes mimic Square's so that logs and tests look familiar.
const (
	codePrefix    = "sq0cgb-"
	accessPrefix  = "EAAA"
	refreshPrefix = "EQAA"
	legacyPrefix  = "sq0atp-"
)

// defaultScopes are what Square grants when the authorize URL names none.
var defaultScopes = []string{"MERCHANT_PROFILE_READ", "PAYMENTS_READ", "SETTLEMENTS_READ", "BANK_ACCOUNTS_READ"}

// authCode is an authorization code waiting to be exchanged.
type authCode struct {
	merchantID string
	scopes     []string
	expiresAt  time.Time
	pkce       bool
	challenge  string // S256 code_challenge, PKCE only
	// redirectURI is the redirect_uri of the authorize request, which the
	// exchange must repeat exactly; "" when it named none.
	redirectURI string
}

// accessGrant is an issued access token.
type accessGrant struct {
	merchantID string
	scopes     []string
	expiresAt  time.Time
	revoked    bool
}

// refreshGrant is an issued refresh token. Code-flow tokens never expire
// and are reused; PKCE tokens are single-use and expire.
type refreshGrant struct {
	merchantID string
	scopes     []string
	pkce       bool
	expiresAt  time.Time // zero: never
	used       bool
	revoked    bool
}

// tokenState is everything the fake has issued. The Server's mutex guards it.
// The fake serves one application, so "per (app, merchant)" is per merchant.
type tokenState struct {
	codes   map[string]*authCode
	access  map[string]*accessGrant
	refresh map[string]*refreshGrant
	// codeFlowRefresh is the merchant's one code-flow refresh token: Square
	// returns the same one across repeated authorizations.
	codeFlowRefresh map[string]string
	legacy          map[string]string // legacy access token -> merchant ID
}

func newTokenState() tokenState {
	return tokenState{
		codes:           make(map[string]*authCode),
		access:          make(map[string]*accessGrant),
		refresh:         make(map[string]*refreshGrant),
		codeFlowRefresh: make(map[string]string),
		legacy:          make(map[string]string),
	}
}

// Authorize simulates a seller consenting on Square's authorize page for the
// code flow, and returns the authorization code the redirect would carry:
// single-use and valid for 5 minutes. With no scopes, Square's defaults are
// granted. merchantID should look like Square's (8 to 191 characters), or the
// token response will break the spec and the fake will answer 500.
func (s *Server) Authorize(merchantID string, scopes ...string) string {
	return s.authorize(merchantID, false, "", "", scopes)
}

// AuthorizePKCE is Authorize for the PKCE flow: the code must be exchanged
// with a code_verifier whose S256 challenge (base64url without padding of its
// SHA-256) equals codeChallenge; no client_secret is needed.
func (s *Server) AuthorizePKCE(merchantID, codeChallenge string, scopes ...string) string {
	return s.authorize(merchantID, true, codeChallenge, "", scopes)
}

func (s *Server) authorize(merchantID string, pkce bool, challenge, redirectURI string, scopes []string) string {
	if len(scopes) == 0 {
		scopes = defaultScopes
	}
	code := newToken(codePrefix)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens.codes[code] = &authCode{
		merchantID:  merchantID,
		scopes:      slices.Clone(scopes),
		expiresAt:   s.nowLocked().Add(codeLifetime),
		pkce:        pkce,
		challenge:   challenge,
		redirectURI: redirectURI,
	}
	return code
}

// IssueLegacyToken returns a pre-2019 style access token for merchantID that
// grant_type=migration_token accepts, as often as it is presented.
func (s *Server) IssueLegacyToken(merchantID string) string {
	tok := newToken(legacyPrefix)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens.legacy[tok] = merchantID
	return tok
}

// issueAccessLocked mints an access token.
func (s *Server) issueAccessLocked(merchantID string, scopes []string, expiresAt time.Time) string {
	tok := newToken(accessPrefix)
	s.tokens.access[tok] = &accessGrant{merchantID: merchantID, scopes: slices.Clone(scopes), expiresAt: expiresAt}
	return tok
}

// codeFlowRefreshLocked returns the merchant's code-flow refresh token,
// minting it on first use. A re-authorization replaces its scopes, as the
// seller's latest consent is what the token stands for.
func (s *Server) codeFlowRefreshLocked(merchantID string, scopes []string) string {
	if tok, ok := s.tokens.codeFlowRefresh[merchantID]; ok {
		s.tokens.refresh[tok].scopes = slices.Clone(scopes)
		return tok
	}
	tok := newToken(refreshPrefix)
	s.tokens.refresh[tok] = &refreshGrant{merchantID: merchantID, scopes: slices.Clone(scopes)}
	s.tokens.codeFlowRefresh[merchantID] = tok
	return tok
}

// pkceRefreshLocked mints a single-use PKCE refresh token.
func (s *Server) pkceRefreshLocked(merchantID string, scopes []string, expiresAt time.Time) string {
	tok := newToken(refreshPrefix)
	s.tokens.refresh[tok] = &refreshGrant{merchantID: merchantID, scopes: slices.Clone(scopes), pkce: true, expiresAt: expiresAt}
	return tok
}

// RevokeAll revokes every access and refresh token the application holds
// for merchantID, as a seller disconnecting the application in Square's
// dashboard would. Codes not yet exchanged are left alone, and the seller's
// next consent starts a new authorization with a new refresh token.
func (s *Server) RevokeAll(merchantID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokeMerchantLocked(merchantID)
}

// ExpireAccessTokens makes every live access token of merchantID expire now
// (its expiry becomes one second ago), without moving the clock and without
// touching refresh tokens, so a refresh still works. Revoked and already
// expired tokens are left as they are.
func (s *Server) ExpireAccessTokens(merchantID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// One second back, so a wall clock that steps back a little cannot
	// bring the tokens back to life.
	past := s.nowLocked().Add(-time.Second)
	for _, a := range s.tokens.access {
		if a.merchantID == merchantID && !a.revoked && a.expiresAt.After(past) {
			a.expiresAt = past
		}
	}
}

// revokeMerchantLocked ends the application's whole authorization for a
// seller: every access and refresh token. The next consent starts afresh.
func (s *Server) revokeMerchantLocked(merchantID string) {
	for _, a := range s.tokens.access {
		if a.merchantID == merchantID {
			a.revoked = true
		}
	}
	for _, r := range s.tokens.refresh {
		if r.merchantID == merchantID {
			r.revoked = true
		}
	}
	delete(s.tokens.codeFlowRefresh, merchantID)
}

// newToken returns prefix followed by 256 random bits, base64url-encoded
// (43 characters), so every token is at least 47 characters long.
func newToken(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// s256 is the PKCE S256 transform (RFC 7636 §4.2).
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// narrowScopes returns the granted scopes that were also requested, in
// granted order; no request means everything granted. A request that keeps
// nothing is an error rather than a token that can do nothing.
func narrowScopes(granted, requested []string) ([]string, *apiError) {
	if len(requested) == 0 {
		return slices.Clone(granted), nil
	}
	var out []string
	for _, g := range granted {
		if slices.Contains(requested, g) {
			out = append(out, g)
		}
	}
	if len(out) == 0 {
		return nil, newError("BAD_REQUEST", "scopes", "none of the requested scopes was granted")
	}
	return out, nil
}

// timestamp formats t as Square does: RFC 3339 in UTC, whole seconds.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
