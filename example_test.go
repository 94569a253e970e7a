package squareoauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// The examples run against an in-process fake Square. In an application,
// BaseURL is squareoauth.SandboxURL or left empty for production, and the
// code comes from the redirect after the seller's consent.
const (
	exampleClientID     = "sq0idp-example-app"
	exampleClientSecret = "sq0csp-example-secret"
	exampleMerchant     = "MLEXAMPLE0001"
)

// exampleSquare starts a fake Square and returns it with a Client for it.
func exampleSquare() (*squareoauth.Client, *fakesquare.Server, func()) {
	fake := fakesquare.New(fakesquare.App{ClientID: exampleClientID, ClientSecret: exampleClientSecret})
	srv := httptest.NewServer(fake)
	c, err := squareoauth.New(squareoauth.Config{
		ClientID:     exampleClientID,
		ClientSecret: exampleClientSecret,
		BaseURL:      srv.URL,
	})
	if err != nil {
		panic(err)
	}
	return c, fake, srv.Close
}

func ExampleNew() {
	c, err := squareoauth.New(squareoauth.Config{
		ClientID:     "sq0idp-your-application-id",
		ClientSecret: "sq0csp-your-application-secret",
		BaseURL:      squareoauth.SandboxURL,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)
	// Output: squareoauth.Client{ClientID:"sq0idp-your-application-id", ClientSecret:[REDACTED], BaseURL:"https://connect.squareupsandbox.com", SquareVersion:"2025-08-20"}
}

func ExampleClient_ObtainToken() {
	c, square, done := exampleSquare()
	defer done()
	code := square.Authorize(exampleMerchant, "PAYMENTS_READ") // the seller consents

	tok, err := c.ObtainToken(context.Background(), squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      code,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.MerchantID, tok.TokenType, tok.AccessToken != "", tok.RefreshToken != "")
	// Output: MLEXAMPLE0001 bearer true true
}

func ExampleClient_ObtainToken_refresh() {
	c, square, done := exampleSquare()
	defer done()
	ctx := context.Background()
	first, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      square.Authorize(exampleMerchant),
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// In the code flow the refresh token stays the same; only the access
	// token is new.
	next, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType:    squareoauth.GrantTypeRefreshToken,
		RefreshToken: first.RefreshToken,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("new access token:", next.AccessToken != first.AccessToken)
	fmt.Println("same refresh token:", next.RefreshToken == first.RefreshToken)
	// Output:
	// new access token: true
	// same refresh token: true
}

func ExampleClient_RetrieveTokenStatus() {
	c, square, done := exampleSquare()
	defer done()
	ctx := context.Background()
	tok, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      square.Authorize(exampleMerchant, "MERCHANT_PROFILE_READ", "PAYMENTS_READ"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	st, err := c.RetrieveTokenStatus(ctx, tok.AccessToken)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.MerchantID, st.ClientID, st.Scopes)
	// Output: MLEXAMPLE0001 sq0idp-example-app [MERCHANT_PROFILE_READ PAYMENTS_READ]
}

func ExampleClient_RevokeToken() {
	c, square, done := exampleSquare()
	defer done()
	ctx := context.Background()
	tok, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      square.Authorize(exampleMerchant),
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// Sent with "Authorization: Client <application secret>".
	res, err := c.RevokeToken(ctx, squareoauth.RevokeTokenRequest{AccessToken: tok.AccessToken})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("revoked:", res.Success)
	// Output: revoked: true
}

func ExampleError() {
	c, _, done := exampleSquare()
	defer done()

	_, err := c.RetrieveTokenStatus(context.Background(), "EAAAl-not-a-token-square-issued")
	var e *squareoauth.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, e.HasCode("UNAUTHORIZED"))
	}
	// Output: 401 true
}

func ExampleInputError() {
	c, _, done := exampleSquare()
	defer done()

	// Refused before anything is sent: the refresh token is missing.
	_, err := c.ObtainToken(context.Background(), squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeRefreshToken,
	})
	var ie *squareoauth.InputError
	if errors.As(err, &ie) {
		fmt.Println(ie.Field)
	}
	fmt.Println(err)
	// Output:
	// ObtainTokenRequest.RefreshToken
	// squareoauth: ObtainTokenRequest.RefreshToken is empty
}
