package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/squareoauth/squareoauth"
)

func runStatus(ctx context.Context, c *cli, args []string) int {
	fs, opts := newFlags(c, "status", "[--env ENV] [--json] < access-token",
		"Shows the scopes, expiry, application and seller of an access token, read from\nSQUARE_ACCESS_TOKEN or the first line of standard input.")
	if code, done := parseFlags(c, fs, args); done {
		return code
	}
	client, err := opts.client(c)
	if err != nil {
		return c.fail("status", err)
	}
	token, err := c.secret("SQUARE_ACCESS_TOKEN")
	if err != nil {
		return c.fail("status", err)
	}
	st, err := client.RetrieveTokenStatus(ctx, token)
	if err != nil {
		return c.fail("status", err)
	}
	if opts.json {
		c.printJSON(st)
		return exitOK
	}
	expires := st.ExpiresAt
	if expires == "" {
		expires = "never"
	}
	fmt.Fprintf(c.stdout, "merchant:     %s\napplication:  %s\nexpires:      %s\nscopes:       %s\n",
		st.MerchantID, st.ClientID, expires, strings.Join(st.Scopes, " "))
	return exitOK
}

func runRefresh(ctx context.Context, c *cli, args []string) int {
	fs, opts := newFlags(c, "refresh", "[--env ENV] [--json] < refresh-token",
		"Exchanges a refresh token, read from SQUARE_REFRESH_TOKEN or the first line of\nstandard input, for a new access token. Without SQUARE_CLIENT_SECRET it is a\nPKCE refresh: Square then returns a new refresh token and the old one is spent,\nso --json is required to keep it.")
	if code, done := parseFlags(c, fs, args); done {
		return code
	}
	// A PKCE refresh spends the refresh token and answers with its only
	// replacement: redacted output would lose the authorization.
	if c.getenv("SQUARE_CLIENT_SECRET") == "" && !opts.json {
		return c.fail("refresh", usagef("without SQUARE_CLIENT_SECRET this is a PKCE refresh, which spends the refresh token; add --json to receive the new one"))
	}
	client, err := opts.client(c)
	if err != nil {
		return c.fail("refresh", err)
	}
	refresh, err := c.secret("SQUARE_REFRESH_TOKEN")
	if err != nil {
		return c.fail("refresh", err)
	}
	tok, err := client.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType:    squareoauth.GrantTypeRefreshToken,
		RefreshToken: refresh,
	})
	if err != nil {
		// A failed 2xx can still carry the refresh token that replaced the
		// spent one: print it, or the authorization is lost with this run.
		if tok != nil && opts.json {
			c.printJSON(tok)
		}
		return c.fail("refresh", err)
	}
	c.printToken(opts.json, tok)
	return exitOK
}

func runRevoke(ctx context.Context, c *cli, args []string) int {
	fs, opts := newFlags(c, "revoke", "[--env ENV] [--json] [--merchant-id ID] [--only-access-token] < access-token",
		"Revokes the application's access to a seller: every token, or with\n--only-access-token just the given one. The seller is named by --merchant-id or by\nan access token from SQUARE_ACCESS_TOKEN or the first line of standard input.\nNeeds SQUARE_CLIENT_SECRET.")
	merchant := fs.String("merchant-id", "", "the seller to revoke, instead of an access token")
	only := fs.Bool("only-access-token", false, "revoke only the given access token, not the whole authorization")
	if code, done := parseFlags(c, fs, args); done {
		return code
	}
	client, err := opts.client(c)
	if err != nil {
		return c.fail("revoke", err)
	}
	// Say what is missing before asking for a token that cannot be used.
	if c.getenv("SQUARE_CLIENT_SECRET") == "" {
		return c.fail("revoke", usagef("SQUARE_CLIENT_SECRET is not set: revoking needs the application secret"))
	}
	req := squareoauth.RevokeTokenRequest{MerchantID: *merchant, RevokeOnlyAccessToken: *only}
	if *merchant == "" {
		if req.AccessToken, err = c.secret("SQUARE_ACCESS_TOKEN"); err != nil {
			return c.fail("revoke", err)
		}
	}
	res, err := client.RevokeToken(ctx, req)
	if err != nil {
		return c.fail("revoke", err)
	}
	if opts.json {
		c.printJSON(res)
		return exitOK
	}
	fmt.Fprintln(c.stdout, "revoked")
	return exitOK
}

func runAuthorizeURL(_ context.Context, c *cli, args []string) int {
	fs, opts := newFlags(c, "authorize-url", "[--env ENV] [--json] [--scopes \"A B\"] [--state S] [flags]",
		"Prints the URL of Square's authorization page for the application in\nSQUARE_CLIENT_ID, and the state to check on the redirect.")
	authorize := authorizeFlags(fs)
	state := fs.String("state", "", "the state to send (default: a random one)")
	challenge := fs.String("code-challenge", "", "PKCE code challenge (S256 of your code verifier)")
	if code, done := parseFlags(c, fs, args); done {
		return code
	}
	client, err := opts.client(c)
	if err != nil {
		return c.fail("authorize-url", err)
	}
	o := authorize.options()
	o.State, o.CodeChallenge = *state, *challenge
	if o.State == "" {
		o.State = rand.Text()
	}
	u, err := client.AuthorizeURL(o)
	if err != nil {
		return c.fail("authorize-url", err)
	}
	if opts.json {
		c.printJSON(map[string]string{"url": u, "state": o.State})
		return exitOK
	}
	fmt.Fprintf(c.stdout, "%s\nstate: %s\n", u, o.State)
	return exitOK
}
