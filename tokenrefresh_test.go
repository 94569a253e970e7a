package squareoauth_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
	"golang.org/x/oauth2"
)

// RefreshAt is the TokenSource's default refresh point.
func TestTokenRefreshAt(t *testing.T) {
	t.Parallel()
	exp := time.Date(2030, 1, 31, 0, 0, 0, 0, time.UTC)
	if got, want := (squareoauth.Token{ExpiresAt: exp}).RefreshAt(), exp.Add(-23*24*time.Hour); !got.Equal(want) {
		t.Errorf("30-day token: RefreshAt = %v, want %v", got, want)
	}
	if got, want := (squareoauth.Token{ExpiresAt: exp, ShortLived: true}).RefreshAt(), exp.Add(-6*time.Hour); !got.Equal(want) {
		t.Errorf("short-lived token: RefreshAt = %v, want %v", got, want)
	}
}

// Client.Refresh sends one request as TokenSource does: PKCE without the
// secret (so Square rotates), the code flow keeping its refresh token; a
// refusal or a token it cannot refresh is a *RefreshError.
func TestClientRefresh(t *testing.T) {
	t.Parallel()
	srv := squareoauthtest.NewServer(t)
	c, err := squareoauth.New(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasClientSecret() {
		t.Error("HasClientSecret = false for a Client with a secret")
	}
	ctx := context.Background()
	exchange := func(req squareoauth.ObtainTokenRequest) squareoauth.Token {
		resp, err := c.ObtainToken(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := resp.Token()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	code := exchange(squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: srv.Authorize("MLREFRESH001")})
	next, err := c.Refresh(ctx, code)
	if err != nil || next.AccessToken == code.AccessToken || next.RefreshToken != code.RefreshToken || next.MerchantID != "MLREFRESH001" {
		t.Errorf("code flow: Refresh = %v, %v", next, err)
	}

	verifier := oauth2.GenerateVerifier()
	pkce := exchange(squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code: srv.AuthorizePKCE("MLREFRESH002", oauth2.S256ChallengeFromVerifier(verifier)), CodeVerifier: verifier})
	next, err = c.Refresh(ctx, pkce)
	if err != nil || next.RefreshToken == pkce.RefreshToken || next.RefreshTokenExpiresAt.IsZero() {
		t.Errorf("PKCE: Refresh = %v, %v; want a rotated refresh token", next, err)
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; bytes.Contains(last.Body, []byte("client_secret")) {
		t.Error("a PKCE refresh sent the client secret")
	}

	var refusal *squareoauth.RefreshError
	if _, err := c.Refresh(ctx, pkce); !errors.As(err, &refusal) { // spent
		t.Errorf("spent PKCE refresh token: %v; want a *RefreshError", err)
	}
	before := srv.Hits("/oauth2/token")
	if _, err := c.Refresh(ctx, squareoauth.Token{AccessToken: "EAAAno-refresh-token", ExpiresAt: time.Now().Add(time.Hour)}); !errors.As(err, &refusal) {
		t.Errorf("no refresh token: %v; want a *RefreshError", err)
	}
	if srv.Hits("/oauth2/token") != before {
		t.Error("a refresh was sent without a refresh token")
	}
	srv.InjectFault("/oauth2/token", squareoauthtest.Fault{Status: 502}) // not retried: Square may have acted
	if _, err := c.Refresh(ctx, next); err == nil || errors.As(err, &refusal) {
		t.Errorf("a 502: %v; want a passing error", err)
	}
}
