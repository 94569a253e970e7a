// Command squareoauth runs Square's OAuth calls from a terminal, through the
// squareoauth package.
//
//	squareoauth demo           walk the whole flow against an in-process fake
//	squareoauth authorize-url  print the URL that asks a seller for consent
//	squareoauth login          authorize in a browser and exchange the code
//	squareoauth status         show an access token's scopes and expiry
//	squareoauth refresh        exchange a refresh token for a new access token
//	squareoauth revoke         revoke the application's access to a seller
//	squareoauth fake           serve a fake Square on a loopback port, for any language
//	squareoauth help COMMAND   print a command's flags (as does COMMAND --help)
//
// Credentials come from the environment, and tokens from the environment or
// standard input, never from flags, which other users can read in the
// process list:
//
//	SQUARE_CLIENT_ID       application ID (every command but fake, and demo without --env)
//	SQUARE_CLIENT_SECRET   application secret (revoke; login without it uses PKCE)
//	SQUARE_ACCESS_TOKEN    for status and revoke; else the first line of stdin
//	SQUARE_REFRESH_TOKEN   for refresh; else the first line of stdin
//	SQUARE_AUTH_CODE       for demo against a real environment
//
// --env picks Square's environment: sandbox (the default), production, or
// a base URL, such as the url squareoauth fake prints. Output is for people, with tokens redacted and control
// characters in what the server sent shown as '?'; --json prints JSON for
// scripts, including the tokens, so send it somewhere safe.
//
// Exit codes: 0 success, 1 Square refused (or answered unexpectedly), 2
// usage or invalid input (a login that no redirect reaches in time
// included), 3 network failure or timeout. They are the built binary's:
// go run reports any failure as its own exit status 1.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"

	"github.com/squareoauth/squareoauth"
)

// Exit codes, distinct so that scripts can tell a mistake in the command
// line from a refusal by Square and from a network failure.
const (
	exitOK      = 0
	exitSquare  = 1
	exitUsage   = 2
	exitNetwork = 3
)

// cli is what a command reads and writes, and its environment, so that
// tests can run commands without a process.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	// data is stdout unfiltered, for --json; run sets it and wraps
	// stdout and stderr for a terminal.
	data io.Writer
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, c *cli, args []string) int
}

var commands = map[string]command{
	"demo":          {"walk the OAuth flow against an in-process fake Square (or a real environment)", runDemo},
	"authorize-url": {"print the URL that asks a seller to authorize the application", runAuthorizeURL},
	"login":         {"authorize in a browser, receive the redirect locally and exchange the code", runLogin},
	"status":        {"show the scopes, expiry and seller of an access token", runStatus},
	"refresh":       {"exchange a refresh token for a new access token", runRefresh},
	"revoke":        {"revoke the application's access to a seller", runRevoke},
	"fake":          {"serve a fake Square on a loopback port, for tests in any language", runFake},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], &cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, c *cli) int {
	c = c.forTerminal()
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usage())
		return exitUsage
	}
	switch name := args[0]; name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if cmd, ok := commands[args[1]]; ok {
				return cmd.run(ctx, c, []string{"--help"})
			}
			fmt.Fprintf(c.stderr, "squareoauth: no help for unknown command %q\n\n%s", args[1], usage())
			return exitUsage
		}
		fmt.Fprint(c.stdout, usage())
		return exitOK
	default:
		cmd, ok := commands[name]
		if !ok {
			fmt.Fprintf(c.stderr, "squareoauth: unknown command %q\n\n%s", name, usage())
			return exitUsage
		}
		return cmd.run(ctx, c, args[1:])
	}
}

func usage() string {
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	s := "Usage: squareoauth <command> [flags]\n\nCommands:\n"
	for _, name := range names {
		s += fmt.Sprintf("  %-14s %s\n", name, commands[name].summary)
	}
	return s + `
Run "squareoauth help <command>" for a command's flags. Credentials come from
SQUARE_CLIENT_ID and SQUARE_CLIENT_SECRET; tokens from SQUARE_ACCESS_TOKEN
or SQUARE_REFRESH_TOKEN, or the first line of standard input. Commands call
Square's sandbox unless --env names production or another base URL, such as
the url "squareoauth fake" prints; demo runs in-process unless --env is given.
Exit codes: 0 success, 1 Square refused, 2 usage or invalid input, 3 network.
`
}

// fail prints err and returns the exit code its kind calls for. The line
// already names the program, so the package's own "squareoauth: " prefix
// is dropped wherever a wrapped error repeats it.
func (c *cli) fail(name string, err error) int {
	msg := strings.ReplaceAll(": "+err.Error(), ": squareoauth: ", ": ")[2:]
	fmt.Fprintf(c.stderr, "squareoauth %s: %s\n", name, msg)
	var (
		input    *squareoauth.InputError
		answer   *squareoauth.Error
		callback *squareoauth.CallbackError
		usage    *usageError
	)
	switch {
	case errors.As(err, &input), errors.As(err, &usage):
		return exitUsage
	case errors.As(err, &answer), errors.As(err, &callback), errors.Is(err, errUnexpectedAnswer):
		return exitSquare
	default:
		return exitNetwork
	}
}

// usageError is a mistake in the command line or the environment.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errUnexpectedAnswer marks an answer that is a success where Square should
// have refused, or a refusal of the wrong kind.
var errUnexpectedAnswer = errors.New("unexpected answer from Square")
