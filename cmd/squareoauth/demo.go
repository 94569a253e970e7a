package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// The fake application and seller the demo uses when no environment is given.
const (
	demoClientID     = "sq0idp-demo-application"
	demoClientSecret = "sq0csp-demo-secret-never-printed"
	demoMerchantID   = "MLDEMO0MERCHANT"
)

var demoScopes = []string{"MERCHANT_PROFILE_READ", "PAYMENTS_READ"}

func runDemo(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	env := fs.String("env", "fake", `where to run: "fake" (in-process), "sandbox", "production" or a base URL`)
	fs.Usage = func() {
		fmt.Fprint(c.stderr, `Usage: squareoauth demo [--env fake|sandbox|production|URL]

Walks the OAuth flow: seller consent → ObtainToken → RetrieveTokenStatus →
refresh → RevokeToken → RetrieveTokenStatus again (now UNAUTHORIZED). With
--env other than fake, the credentials come from SQUARE_CLIENT_ID,
SQUARE_CLIENT_SECRET and SQUARE_AUTH_CODE; the demo revokes that authorization.

Flags:
`)
		fs.PrintDefaults()
	}
	if code, done := parseFlags(fs, args); done {
		return code
	}
	cfg, code, cleanup, err := demoTarget(*env, c.getenv)
	if err != nil {
		return c.fail("demo", err)
	}
	defer cleanup()
	client, err := squareoauth.New(cfg)
	if err != nil {
		return c.fail("demo", err)
	}
	if err := walkFlow(ctx, client, code, c.stdout); err != nil {
		return c.fail("demo", err)
	}
	return exitOK
}

// demoTarget returns the Config and authorization code for env. For the fake
// it starts one and simulates the seller's consent.
func demoTarget(env string, getenv func(string) string) (squareoauth.Config, string, func(), error) {
	if env == "fake" {
		fake := fakesquare.New(fakesquare.App{ClientID: demoClientID, ClientSecret: demoClientSecret})
		srv := httptest.NewServer(fake)
		cfg := squareoauth.Config{ClientID: demoClientID, ClientSecret: demoClientSecret, BaseURL: srv.URL}
		return cfg, fake.Authorize(demoMerchantID, demoScopes...), srv.Close, nil
	}
	base, err := baseURL(env)
	if err != nil {
		return squareoauth.Config{}, "", nil, err
	}
	cfg := squareoauth.Config{
		ClientID:     getenv("SQUARE_CLIENT_ID"),
		ClientSecret: getenv("SQUARE_CLIENT_SECRET"),
		BaseURL:      base,
	}
	code := getenv("SQUARE_AUTH_CODE")
	for _, name := range []string{"SQUARE_CLIENT_ID", "SQUARE_CLIENT_SECRET", "SQUARE_AUTH_CODE"} {
		if getenv(name) == "" {
			return cfg, "", nil, usagef("%s is not set (--env %s needs SQUARE_CLIENT_ID, SQUARE_CLIENT_SECRET and SQUARE_AUTH_CODE)", name, env)
		}
	}
	return cfg, code, func() {}, nil
}

// walkFlow runs the steps after the seller's consent and prints each with secrets redacted.
func walkFlow(ctx context.Context, c *squareoauth.Client, code string, out io.Writer) error {
	fmt.Fprintf(out, "0. Seller consent: authorization code %s\n", mask(code))
	tok, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      code,
	})
	if err != nil {
		return fmt.Errorf("exchanging the authorization code: %w", err)
	}
	fmt.Fprintf(out, "1. ObtainToken (authorization_code): access token %s for merchant %s, expires %s\n",
		mask(tok.AccessToken), tok.MerchantID, tok.ExpiresAt)

	st, err := c.RetrieveTokenStatus(ctx, tok.AccessToken)
	if err != nil {
		return fmt.Errorf("checking the token: %w", err)
	}
	fmt.Fprintf(out, "2. RetrieveTokenStatus: scopes %v, expires %s\n", st.Scopes, st.ExpiresAt)

	refreshed, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType:    squareoauth.GrantTypeRefreshToken,
		RefreshToken: tok.RefreshToken,
	})
	if err != nil {
		return fmt.Errorf("refreshing: %w", err)
	}
	fmt.Fprintf(out, "3. ObtainToken (refresh_token): new access token %s, expires %s\n",
		mask(refreshed.AccessToken), refreshed.ExpiresAt)

	if _, err := c.RevokeToken(ctx, squareoauth.RevokeTokenRequest{AccessToken: refreshed.AccessToken}); err != nil {
		return fmt.Errorf("revoking: %w", err)
	}
	fmt.Fprintln(out, "4. RevokeToken: every token of this application for the merchant is revoked")

	_, err = c.RetrieveTokenStatus(ctx, refreshed.AccessToken)
	// Square's exact code for a revoked token is undocumented: any
	// authentication failure is the expected outcome.
	var e *squareoauth.Error
	if !errors.As(err, &e) || (e.StatusCode != http.StatusUnauthorized && !slices.ContainsFunc(e.Errors, func(d squareoauth.ErrorDetail) bool {
		return d.Category == "AUTHENTICATION_ERROR"
	})) {
		return fmt.Errorf("%w: the revoked token should be refused as unauthorized, got: %v", errUnexpectedAnswer, err)
	}
	fmt.Fprintf(out, "5. RetrieveTokenStatus after revoke: %v\n", err)
	return nil
}
