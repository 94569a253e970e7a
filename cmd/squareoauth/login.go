package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/squareoauth/squareoauth"
	"golang.org/x/oauth2"
)

func runLogin(ctx context.Context, c *cli, args []string) int {
	fs, opts := newFlags(c, "login", "[--env ENV] [--json] [--port N] [--scopes \"A B\"] [flags]",
		"Prints the URL of Square's authorization page, receives the redirect on\nhttp://127.0.0.1:PORT/callback (register that URL for the application in the\nDeveloper Dashboard, or pass the one registered with --redirect-uri), checks\nthe state, exchanges the code and prints the token. Without\nSQUARE_CLIENT_SECRET it uses PKCE.")
	authorize := authorizeFlags(fs)
	port := fs.Int("port", 8765, "loopback port for the redirect (0 picks a free one: for tests, since Square redirects only to a registered URL)")
	redirect := fs.String("redirect-uri", "", "the redirect URL registered for the application, if not http://127.0.0.1:PORT/callback; it must lead to --port on this machine")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long to wait for the seller's redirect")
	if code, done := parseFlags(c, fs, args); done {
		return code
	}
	client, err := opts.client(c)
	if err != nil {
		return c.fail("login", err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		return c.fail("login", usagef("listening for the redirect: %v", err))
	}
	defer ln.Close()

	o := authorize.options()
	o.State = rand.Text()
	o.RedirectURI = *redirect
	if o.RedirectURI == "" {
		o.RedirectURI = "http://" + ln.Addr().String() + "/callback"
	}
	req := squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, RedirectURI: o.RedirectURI}
	if c.getenv("SQUARE_CLIENT_SECRET") == "" {
		req.CodeVerifier = oauth2.GenerateVerifier()
		o.CodeChallenge = oauth2.S256ChallengeFromVerifier(req.CodeVerifier)
	}
	u, err := client.AuthorizeURL(o)
	if err != nil {
		return c.fail("login", err)
	}
	fmt.Fprintf(c.stderr, "Open this URL in a browser and authorize the application:\n\n%s\n\nWaiting for the redirect to %s …\n", u, o.RedirectURI)

	// The timeout is the seller's: the exchange that follows gets the
	// client's own, however late the seller comes back.
	wait, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if req.Code, err = awaitCallback(wait, ln, o.State, c.stderr); err != nil {
		return c.fail("login", err)
	}
	tok, err := client.ObtainToken(ctx, req)
	if err != nil {
		return c.fail("login", err)
	}
	c.printToken(opts.json, tok)
	return exitOK
}

// awaitCallback serves ln until the redirect with the expected state arrives,
// on whatever path --redirect-uri named, and returns its code or Square's
// refusal. Any web page can send the browser to a loopback port, so a
// redirect without that state is answered with the reason and noted on
// stderr, and the wait goes on. Requests that are no redirect at all (a
// browser's favicon) are ignored.
func awaitCallback(ctx context.Context, ln net.Listener, state string, notes io.Writer) (string, error) {
	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if !q.Has("code") && !q.Has("error") && !q.Has("state") {
			http.NotFound(w, r)
			return
		}
		code, err := squareoauth.ParseCallback(q, state)
		if err != nil {
			http.Error(w, "Authorization failed: "+err.Error(), http.StatusBadRequest)
		} else {
			fmt.Fprintln(w, "Authorized. You can close this window and return to the terminal.")
		}
		var input *squareoauth.InputError
		if q.Get("state") == "" || errors.As(err, &input) && input.Field == "callback state" {
			fmt.Fprintf(notes, "Ignored a redirect without this login's state: %v\n", err)
			return
		}
		select {
		case done <- result{code, err}:
		default: // a second redirect after the first: ignore it
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		// Shutdown, not Close: the browser must still get the page that
		// the handler wrote just before the wait ended.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()

	select {
	case r := <-done:
		return r.code, r.err
	case <-ctx.Done():
		return "", usagef("no redirect arrived (%v); check the redirect URL registered for the application", ctx.Err())
	}
}
