package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/squareoauth/squareoauth"
)

// options are the flags every command but demo shares.
type options struct {
	env  string
	json bool
}

// newFlags returns a flag set for a command with --env and --json; synopsis
// and about make its --help text.
func newFlags(c *cli, name, synopsis, about string) (*flag.FlagSet, *options) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	opts := &options{}
	fs.StringVar(&opts.env, "env", "sandbox", `Square environment: "sandbox", "production" or a base URL`)
	fs.BoolVar(&opts.json, "json", false, "print JSON for scripts, tokens included")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: squareoauth %s %s\n\n%s\n\nFlags:\n", name, synopsis, about)
		fs.PrintDefaults()
	}
	return fs, opts
}

// parseFlags parses args; done is true when the command must stop with code
// (after --help, or a bad flag). Help that was asked for goes to stdout, as
// the top-level help does; help after a mistake goes to stderr.
func parseFlags(c *cli, fs *flag.FlagSet, args []string) (code int, done bool) {
	usage := fs.Usage
	fs.Usage = func() {} // flag.Parse would print it before we know where
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(c.stdout)
		fs.Usage()
		return exitOK, true
	case err != nil:
		fs.Usage()
		return exitUsage, true
	case fs.NArg() > 0:
		fmt.Fprintf(fs.Output(), "squareoauth %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, true
	}
	return exitOK, false
}

// envChoices lists what --env takes, for its errors.
const envChoices = `"sandbox", "production" or a base URL`

// baseURL maps --env to a base URL. A value that is neither an environment
// nor a URL is refused rather than passed on: an empty or mistyped one
// would otherwise reach Config.BaseURL, where empty means production.
func baseURL(env string) (string, error) {
	switch {
	case env == "sandbox":
		return squareoauth.SandboxURL, nil
	case env == "production":
		return squareoauth.ProductionURL, nil
	case strings.Contains(env, "://"):
		return env, nil
	}
	return "", usagef(`--env must be %s, not %q`, envChoices, env)
}

// client builds a Client from the environment variables and --env.
func (o *options) client(c *cli) (*squareoauth.Client, error) {
	id := c.getenv("SQUARE_CLIENT_ID")
	if id == "" {
		return nil, usagef("SQUARE_CLIENT_ID is not set")
	}
	base, err := baseURL(o.env)
	if err != nil {
		return nil, err
	}
	return squareoauth.New(squareoauth.Config{
		ClientID:     id,
		ClientSecret: c.getenv("SQUARE_CLIENT_SECRET"),
		BaseURL:      base,
	})
}

// secret returns the environment variable name, or else the first line of
// standard input: never a flag. On a terminal it asks for the value first.
func (c *cli) secret(name string) (string, error) {
	if v := c.getenv(name); v != "" {
		return v, nil
	}
	if interactive(c.stdin) {
		fmt.Fprintf(c.stderr, "%s is not set; paste the value (it shows on screen; pipe it in to avoid that) and press Enter: ", name)
	}
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	line = strings.TrimSpace(line)
	if line == "" {
		if err != nil && !errors.Is(err, io.EOF) {
			return "", usagef("reading standard input: %v", err)
		}
		return "", usagef("%s is not set and standard input is empty", name)
	}
	return line, nil
}

// interactive reports whether r is a terminal that a person types into: a
// character device, but not the null device (< /dev/null), which is one
// too and only ever reads as empty.
func interactive(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	if err != nil || info.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(info, null)
}

// authorizeFlagValues are the flags that shape an authorization URL, shared
// by authorize-url and login.
type authorizeFlagValues struct {
	scopes, locale, redirectURI string
	noSession                   bool
}

func authorizeFlags(fs *flag.FlagSet) *authorizeFlagValues {
	a := &authorizeFlagValues{}
	fs.StringVar(&a.scopes, "scopes", "MERCHANT_PROFILE_READ", "space-separated permissions to request")
	fs.StringVar(&a.locale, "locale", "", "authorization page locale: en-IE, en-US, en-CA, es-US, fr-CA or ja-JP")
	fs.BoolVar(&a.noSession, "no-session", false, "make the seller log in even with a live Square session")
	if fs.Name() == "authorize-url" {
		fs.StringVar(&a.redirectURI, "redirect-uri", "", "where Square sends the seller back (default: the URL registered for the application)")
	}
	return a
}

func (a *authorizeFlagValues) options() squareoauth.AuthorizeOptions {
	o := squareoauth.AuthorizeOptions{Scopes: strings.Fields(a.scopes), Locale: a.locale, RedirectURI: a.redirectURI}
	if a.noSession {
		no := false
		o.Session = &no
	}
	return o
}
