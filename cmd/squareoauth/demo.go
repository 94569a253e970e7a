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
	"strings"
	"time"

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

// refreshAfter is how far the demo moves the fake's clock before refreshing:
// past the 7 days within which Square advises a refresh, so the new token's
// later expiry shows.
const refreshAfter = 8 * 24 * time.Hour

func runDemo(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	env := fs.String("env", "fake", `where to run: "fake" (in-process), "sandbox", "production" or a base URL`)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: squareoauth demo [--env fake|sandbox|production|URL]

Walks the OAuth flow, explaining each step: seller consent → ObtainToken →
RetrieveTokenStatus → refresh → RevokeToken → RetrieveTokenStatus again (now
UNAUTHORIZED, as expected). By default it runs against a fake Square inside
the process, and nothing leaves the machine. With --env other than fake, the
credentials come from SQUARE_CLIENT_ID, SQUARE_CLIENT_SECRET and
SQUARE_AUTH_CODE; the demo revokes that authorization.

Flags:
`)
		fs.PrintDefaults()
	}
	if code, done := parseFlags(c, fs, args); done {
		return code
	}
	target, err := newDemoTarget(*env, c.getenv)
	if err != nil {
		return c.fail("demo", err)
	}
	defer target.close()
	client, err := squareoauth.New(target.cfg)
	if err != nil {
		return c.fail("demo", err)
	}
	if err := walkFlow(ctx, client, target, c.stdout); err != nil {
		return c.fail("demo", err)
	}
	return exitOK
}

// demoTarget is where the demo runs and what it starts with.
type demoTarget struct {
	cfg   squareoauth.Config
	code  string // the seller's authorization code
	intro string // the first lines printed: where the demo runs
	// advance moves the server's clock; nil for a real Square.
	advance func(time.Duration)
	close   func()
}

// newDemoTarget returns the target for env. For the fake it starts one and
// simulates the seller's consent.
func newDemoTarget(env string, getenv func(string) string) (demoTarget, error) {
	if env == "fake" {
		fake := fakesquare.New(fakesquare.App{ClientID: demoClientID, ClientSecret: demoClientSecret})
		srv := httptest.NewServer(fake)
		return demoTarget{
			cfg:  squareoauth.Config{ClientID: demoClientID, ClientSecret: demoClientSecret, BaseURL: srv.URL},
			code: fake.Authorize(demoMerchantID, demoScopes...),
			intro: "This demo runs against a fake Square inside this process: nothing leaves this\n" +
				"machine, and the application, the seller and every token are made up.\n",
			advance: fake.Advance,
			close:   srv.Close,
		}, nil
	}
	base, err := baseURL(env)
	if err != nil {
		return demoTarget{}, usagef(`--env must be "fake" (a fake Square inside this process, the default), %s, not %q`, envChoices, env)
	}
	for _, name := range []string{"SQUARE_CLIENT_ID", "SQUARE_CLIENT_SECRET", "SQUARE_AUTH_CODE"} {
		if getenv(name) == "" {
			return demoTarget{}, usagef("%s is not set (--env %s needs SQUARE_CLIENT_ID, SQUARE_CLIENT_SECRET and SQUARE_AUTH_CODE)", name, env)
		}
	}
	return demoTarget{
		cfg: squareoauth.Config{
			ClientID:     getenv("SQUARE_CLIENT_ID"),
			ClientSecret: getenv("SQUARE_CLIENT_SECRET"),
			BaseURL:      base,
		},
		code:  getenv("SQUARE_AUTH_CODE"),
		intro: "This demo runs against " + base + " with your application; its last steps revoke\nthe authorization it uses.\n",
		close: func() {},
	}, nil
}

// walkFlow runs the steps after the seller's consent and prints each: one
// line on what it means, then what came back, with secrets redacted.
func walkFlow(ctx context.Context, c *squareoauth.Client, target demoTarget, out io.Writer) error {
	fmt.Fprintln(out, target.intro)
	fmt.Fprintln(out, "1. Consent: the seller approves your app on Square, and the redirect brings a code.")
	fmt.Fprintf(out, "   authorization code  %s (single-use, valid 5 minutes)\n", mask(target.code))

	resp, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      target.code,
	})
	if err != nil {
		return fmt.Errorf("exchanging the authorization code: %w", err)
	}
	first, err := resp.Token()
	if err != nil {
		return fmt.Errorf("reading the token: %w", err)
	}
	fmt.Fprintln(out, "2. ObtainToken: the code becomes an access token, which calls Square as the seller.")
	fmt.Fprintf(out, "   access token        %s for %s, expires %s\n", mask(first.AccessToken), first.MerchantID, day(first.ExpiresAt))
	fmt.Fprintf(out, "   refresh token       %s (gets new access tokens: store it safely)\n", mask(first.RefreshToken))

	st, err := c.RetrieveTokenStatus(ctx, first.AccessToken)
	if err != nil {
		return fmt.Errorf("checking the token: %w", err)
	}
	fmt.Fprintln(out, "3. RetrieveTokenStatus: Square says what the access token may do, and until when.")
	fmt.Fprintf(out, "   scopes              %s\n", strings.Join(st.Scopes, " "))

	if target.advance != nil {
		target.advance(refreshAfter)
		fmt.Fprintf(out, "4. %d days later (the fake's clock moves), the refresh token gets a new access token.\n", refreshAfter/(24*time.Hour))
	} else {
		fmt.Fprintln(out, "4. Refresh: the refresh token gets a new access token, with its own expiry.")
	}
	resp, err = c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType:    squareoauth.GrantTypeRefreshToken,
		RefreshToken: first.RefreshToken,
	})
	if err != nil {
		return fmt.Errorf("refreshing: %w", err)
	}
	refreshed, err := resp.Token()
	if err != nil {
		return fmt.Errorf("reading the refreshed token: %w", err)
	}
	later := fmt.Sprintf("the first: %s", day(first.ExpiresAt))
	if d := refreshed.ExpiresAt.Sub(first.ExpiresAt); d >= 24*time.Hour {
		later = fmt.Sprintf("%d days after the first", d/(24*time.Hour))
	}
	fmt.Fprintf(out, "   access token        %s, expires %s (%s)\n", mask(refreshed.AccessToken), day(refreshed.ExpiresAt), later)

	if _, err := c.RevokeToken(ctx, squareoauth.RevokeTokenRequest{AccessToken: refreshed.AccessToken}); err != nil {
		return fmt.Errorf("revoking: %w", err)
	}
	fmt.Fprintln(out, "5. RevokeToken: your app gives up its access; all the seller's tokens stop working.")

	_, err = c.RetrieveTokenStatus(ctx, refreshed.AccessToken)
	// Square's exact code for a revoked token is undocumented: any
	// authentication failure is the expected outcome.
	var e *squareoauth.Error
	if !errors.As(err, &e) || (e.StatusCode != http.StatusUnauthorized && !slices.ContainsFunc(e.Errors, func(d squareoauth.ErrorDetail) bool {
		return d.Category == "AUTHENTICATION_ERROR"
	})) {
		return fmt.Errorf("%w: the revoked token should be refused as unauthorized, got: %v", errUnexpectedAnswer, err)
	}
	fmt.Fprintln(out, "6. RetrieveTokenStatus with the revoked token: Square refuses it, as it should.")
	fmt.Fprintf(out, "   %s (expected)\n", strings.TrimPrefix(e.Error(), "squareoauth: "))
	return nil
}

// day prints an expiry to the minute, which is all a reader compares.
func day(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
