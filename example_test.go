package squareoauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
)

// The examples run against a fake Square from squareoauthtest, on a
// loopback port: nothing leaves the machine. In an application, BaseURL is
// squareoauth.SandboxURL or left empty for production, and the code comes
// from the redirect after the seller's consent.

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
	square, err := squareoauthtest.Start() // a fake Square
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := square.Close(); err != nil {
			fmt.Println(err) // a request Square would have refused
		}
	}()
	c, err := squareoauth.New(square.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	code := square.Authorize("MLEXAMPLE0001", "PAYMENTS_READ") // the seller consents

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
	square, err := squareoauthtest.Start() // a fake Square
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := square.Close(); err != nil {
			fmt.Println(err) // a request Square would have refused
		}
	}()
	c, err := squareoauth.New(square.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	first, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      square.Authorize("MLEXAMPLE0001"),
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
	square, err := squareoauthtest.Start() // a fake Square
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := square.Close(); err != nil {
			fmt.Println(err) // a request Square would have refused
		}
	}()
	c, err := squareoauth.New(square.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	tok, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      square.Authorize("MLEXAMPLE0001", "MERCHANT_PROFILE_READ", "PAYMENTS_READ"),
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
	fmt.Println(st.MerchantID, st.ClientID == square.ClientID, st.Scopes)
	// Output: MLEXAMPLE0001 true [MERCHANT_PROFILE_READ PAYMENTS_READ]
}

func ExampleClient_RevokeToken() {
	square, err := squareoauthtest.Start() // a fake Square
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := square.Close(); err != nil {
			fmt.Println(err) // a request Square would have refused
		}
	}()
	c, err := squareoauth.New(square.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	tok, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      square.Authorize("MLEXAMPLE0001"),
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
	square, err := squareoauthtest.Start() // a fake Square
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := square.Close(); err != nil {
			fmt.Println(err) // a request Square would have refused
		}
	}()
	c, err := squareoauth.New(square.Config())
	if err != nil {
		fmt.Println(err)
		return
	}

	_, err = c.RetrieveTokenStatus(context.Background(), "EAAAl-not-a-token-square-issued")
	var e *squareoauth.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, e.HasCode("UNAUTHORIZED"))
	}
	// Output: 401 true
}

func ExampleInputError() {
	c, err := squareoauth.New(squareoauth.Config{
		ClientID:     "sq0idp-your-application-id",
		ClientSecret: "sq0csp-your-application-secret",
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// Refused before anything is sent: the refresh token is missing.
	_, err = c.ObtainToken(context.Background(), squareoauth.ObtainTokenRequest{
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

func ExampleClient_AuthorizeURL() {
	c, err := squareoauth.New(squareoauth.Config{ClientID: "sq0idp-your-application-id", BaseURL: squareoauth.SandboxURL})
	if err != nil {
		fmt.Println(err)
		return
	}
	// With PKCE, keep the verifier in the user's session next to the state,
	// and send oauth2.S256ChallengeFromVerifier(verifier) as CodeChallenge.
	u, err := c.AuthorizeURL(squareoauth.AuthorizeOptions{
		Scopes: []string{"MERCHANT_PROFILE_READ", "PAYMENTS_READ"},
		State:  "c2a4e1f0b37d", // random per login, kept in the user's session
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u)
	// Output: https://connect.squareupsandbox.com/oauth2/authorize?client_id=sq0idp-your-application-id&scope=MERCHANT_PROFILE_READ+PAYMENTS_READ&state=c2a4e1f0b37d
}

func ExampleParseCallback() {
	// In the redirect handler: r.URL.Query(), and the state saved in the
	// user's session when the authorization started.
	query, _ := url.ParseQuery("code=sq0cgb-from-square&state=c2a4e1f0b37d")
	code, err := squareoauth.ParseCallback(query, "c2a4e1f0b37d")
	fmt.Println(code, err)

	denied, _ := url.ParseQuery("error=access_denied&error_description=user_denied&state=c2a4e1f0b37d")
	_, err = squareoauth.ParseCallback(denied, "c2a4e1f0b37d")
	var ce *squareoauth.CallbackError
	if errors.As(err, &ce) {
		fmt.Println(ce.Code, ce.Description)
	}
	// Output:
	// sq0cgb-from-square <nil>
	// access_denied user_denied
}

func ExampleClient_TokenSource() {
	square, err := squareoauthtest.Start() // a fake Square
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		if err := square.Close(); err != nil {
			fmt.Println(err) // a request Square would have refused
		}
	}()
	c, err := squareoauth.New(square.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	resp, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      square.Authorize("MLEXAMPLE0001"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := resp.Token()
	if err != nil {
		fmt.Println(err)
		return
	}

	ts := c.TokenSource(tok, squareoauth.OnRefresh(func(ctx context.Context, t squareoauth.Token) error {
		return nil // store t (it may carry a new refresh token) before it is used
	}))
	// ts is an oauth2.TokenSource: oauth2.NewClient(ctx, ts) sends Square's
	// access token on every request and refreshes it ahead of expiry.
	current, err := ts.TokenContext(ctx)
	fmt.Println(current.MerchantID, err)
	fmt.Println("printing shows the token:", strings.Contains(fmt.Sprint(current), current.AccessToken))
	// Output:
	// MLEXAMPLE0001 <nil>
	// printing shows the token: false
}
