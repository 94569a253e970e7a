// Command squareoauth exercises Square's OAuth API through the squareoauth
// package.
//
//	squareoauth demo [--env fake|sandbox|production|URL]
//
// The demo walks the whole flow: authorization code → token → status →
// refresh → revoke → status again (now UNAUTHORIZED). By default it runs
// against an in-process fake Square and needs nothing. Against a real
// environment it reads the credentials from the environment, never from
// flags (flags show in process lists):
//
//	SQUARE_CLIENT_ID      application ID
//	SQUARE_CLIENT_SECRET  application secret
//	SQUARE_AUTH_CODE      an authorization code from the seller's consent
//
// Secrets are printed redacted.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// Exit codes: distinct so that scripts can tell a mistake in the command
// line from a failure at Square or on the network.
const (
	exitOK      = 0
	exitFailure = 1 // Square refused a call, or the network failed
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "demo":
		return runDemo(ctx, args[1:], stdout, stderr, getenv)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "squareoauth: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
}

const usage = `Usage: squareoauth <command> [flags]

Commands:
  demo   walk the OAuth flow (code → token → status → refresh → revoke)
         against an in-process fake Square, or a real environment

Run "squareoauth <command> --help" for a command's flags.
`
