package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/squareoauth/squareoauth/internal/fakesquare"
	"github.com/squareoauth/squareoauth/internal/printable"
)

// fakeHelp is the --help text of squareoauth fake.
const fakeHelp = `Usage: squareoauth fake [--addr HOST:PORT]

Serves a fake Square OAuth API, the one package squareoauthtest runs in Go
tests, on a loopback address until interrupted (Ctrl-C or SIGTERM), so that
an application in any language, or a person with curl, can run a whole OAuth
flow without Square. Point the application's Square base URL at it.

On start it prints one JSON line to standard output:

  {"url":"http://127.0.0.1:PORT","client_id":"sq0idp-…","client_secret":"sq0csp-…","admin_url":"http://127.0.0.1:PORT/_fake"}

client_id and client_secret are the only application the fake knows. They
are a test fake's random credentials, printed because using them is the
point; they are good for nothing else.

It serves, checking every request against Square's API description and
documented rules:

  POST /oauth2/token         ObtainToken (authorization_code, refresh_token,
                             migration_token; PKCE too)
  POST /oauth2/revoke        RevokeToken (Authorization: Client SECRET)
  POST /oauth2/token/status  RetrieveTokenStatus (Authorization: Bearer TOKEN)
  GET  /oauth2/authorize     Square's authorize page: the seller consents at
                             once and the browser is redirected, as at Square

Consent as a seller without code: open the authorize page, in a browser or
with curl, as your application would send the seller there:

  URL/oauth2/authorize?client_id=ID&redirect_uri=http://localhost:3000/cb&state=S

It answers 302 with Location: http://localhost:3000/cb?code=CODE&state=S.
The redirect URL must be https, or http to a loopback host. Add
code_challenge=CHALLENGE (S256) for a PKCE code; scope=A+B for scopes.

The admin endpoint, under /_fake (a path Square does not use), takes and
answers JSON; unknown fields are refused, and every answer to a mistake is
400 with {"error": "…"} naming the field. A request from a web page (an
Origin other than the fake's own) or for a host that is not loopback is
refused with 403, so that no page open in a browser can change the fake:

  POST /_fake/authorize           {"merchant_id":"MLSELLER0001","scopes":["PAYMENTS_READ"],
                                   "code_challenge":"…"}  -> {"code":"…"}
                                  (a PKCE code when code_challenge is given)
  POST /_fake/migration-token     {"merchant_id":"…"} -> {"migration_token":"…"}
  POST /_fake/fault               {"path":"/oauth2/token","status":503,"header":{"Retry-After":["1"]},
                                   "body":"…","delay":"2s","drop":false,"after_handling":false}
                                  queues a fault: the next request to path gets it
                                  instead of Square's answer
  POST /_fake/advance             {"by":"720h"} moves the fake's clock forward
  POST /_fake/consent             {"merchant_id":"…","deny":false} who consents, or declines,
                                  on the authorize page
  POST /_fake/redirect-url        {"url":"https://…"} the registered redirect URL ("" clears it)
  POST /_fake/expire-access-tokens {"merchant_id":"…"}
  POST /_fake/revoke-all          {"merchant_id":"…"} the seller disconnects the application
  POST /_fake/legacy-errors       {"on":true} errors in Square's legacy shape {"message","type"}
  GET  /_fake/violations          {"violations":["…"]}

A request that breaks Square's rules gets the error Square would answer with,
and is also reported, without its body, on standard error and by GET
/_fake/violations. The exit status is 0 when no request broke a rule, 1 when
one did, 2 for a usage mistake.

Flags:
`

func runFake(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on; port 0 picks a free one")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), fakeHelp)
		fs.PrintDefaults()
	}
	if code, done := parseFlags(c, fs, args); done {
		return code
	}
	l, err := listenLoopback(*addr)
	if err != nil {
		return c.fail("fake", err)
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := fakesquare.RandomApp()
	fake := fakesquare.New(app)
	fake.SetStrictHeaders(false) // Square's documented rules, as squareoauthtest
	rep := &violationReporter{fake: fake, w: c.stderr}
	mux := http.NewServeMux()
	mux.Handle("/_fake/", http.StripPrefix("/_fake", adminHandler(fake)))
	mux.Handle("/", rep)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	url := "http://" + l.Addr().String()
	line, _ := json.Marshal(map[string]string{ // plain strings: cannot fail
		"url": url, "client_id": app.ClientID, "client_secret": app.ClientSecret, "admin_url": url + "/_fake",
	})
	fmt.Fprintf(c.stdout, "%s\n", line)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		fake.Close() // delayed faults end now rather than hold the shutdown
		shutdown, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		err = srv.Shutdown(shutdown)
		if err != nil {
			_ = srv.Close()
		}
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return c.fail("fake", err)
	}
	if n := len(fake.Violations()); n > 0 {
		fmt.Fprintf(c.stderr, "squareoauth fake: %d request(s) broke Square's rules\n", n)
		return exitSquare
	}
	return exitOK
}

// shutdownGrace is how long an interrupted fake lets requests in flight
// finish; delayed faults end at once and do not count against it.
const shutdownGrace = 30 * time.Second

// listenLoopback listens on addr, which must name a loopback host: the fake
// prints its secret and accepts any code flow, so it must not be reachable
// from other machines.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usagef("--addr %q is not HOST:PORT: %v", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, usagef("--addr %q is not a loopback address; use 127.0.0.1, [::1] or localhost", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usagef("--addr: %v", err)
	}
	return l, nil
}

// violationReporter serves the fake and prints each new violation to the
// writer, once, as it happens.
type violationReporter struct {
	fake *fakesquare.Server
	w    io.Writer

	mu      sync.Mutex
	printed int
}

func (v *violationReporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.fake.ServeHTTP(w, r)
	all := v.fake.Violations()
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, s := range all[min(v.printed, len(all)):] {
		fmt.Fprintf(v.w, "squareoauth fake: Square would reject this request: %s\n", printable.Line(s))
	}
	v.printed = max(v.printed, len(all))
}
