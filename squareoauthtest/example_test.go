package squareoauthtest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
)

func ExampleStart() {
	square, err := squareoauthtest.Start() // a fake Square on a loopback port
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

	code := square.Authorize("MLSELLER0001", "PAYMENTS_READ") // the seller consents
	tok, err := c.ObtainToken(context.Background(), squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      code,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.MerchantID, tok.RefreshToken != "")
	// Output: MLSELLER0001 true
}

func ExampleServer_Close() {
	square, err := squareoauthtest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	// A request Square would refuse: the Authorization header lacks
	// RevokeToken's "Client " prefix.
	req, err := http.NewRequest(http.MethodPost, square.URL+"/oauth2/revoke", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	req.Header.Set("Authorization", square.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	fmt.Println(len(square.Violations()), square.Close() != nil)
	// Output:
	// 400
	// 1 true
}

func ExampleServer_IssueMigrationToken() {
	square, err := squareoauthtest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer square.Close()
	c, err := squareoauth.New(square.Config())
	if err != nil {
		fmt.Println(err)
		return
	}

	// A seller's access token from before Square-Version 2019-03-13.
	legacy := square.IssueMigrationToken("MLSELLER0001")
	tok, err := c.ObtainToken(context.Background(), squareoauth.ObtainTokenRequest{
		GrantType:      squareoauth.GrantTypeMigrationToken,
		MigrationToken: legacy,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.MerchantID, tok.RefreshToken != "")
	// Output: MLSELLER0001 true
}

func ExampleServer_InjectFault() {
	square, err := squareoauthtest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer square.Close()
	cfg := square.Config()
	cfg.Retry = &squareoauth.RetryPolicy{MaxAttempts: 1} // show the fault, not a retry
	c, err := squareoauth.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}

	// A load balancer's HTML page instead of Square's answer.
	square.InjectFault("/oauth2/token/status", squareoauthtest.Fault{
		Status: http.StatusBadGateway,
		Header: http.Header{"Content-Type": {"text/html"}},
		Body:   []byte("<html><body>502 Bad Gateway</body></html>"),
	})
	_, err = c.RetrieveTokenStatus(context.Background(), "EAAA-some-access-token")
	var e *squareoauth.Error
	if errors.As(err, &e) {
		fmt.Println(e.StatusCode, len(e.Errors))
	}
	// Output: 502 0
}

func ExampleServer_Advance() {
	square, err := squareoauthtest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer square.Close()
	c, err := squareoauth.New(square.Config())
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	tok, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      square.Authorize("MLSELLER0001"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	square.Advance(31 * 24 * time.Hour) // access tokens last 30 days
	_, err = c.RetrieveTokenStatus(ctx, tok.AccessToken)
	var e *squareoauth.Error
	fmt.Println(errors.As(err, &e) && e.HasCode("UNAUTHORIZED"))
	// Output: true
}
