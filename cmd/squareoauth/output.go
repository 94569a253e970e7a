package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/printable"
)

// mask shows enough of a token to tell tokens apart, never the secret part.
func mask(token string) string {
	if len(token) < 16 {
		return "[REDACTED]"
	}
	return token[:4] + "…[REDACTED]"
}

// forTerminal returns a copy of c whose stdout and stderr show what a
// server chose (a merchant ID, scopes, an error's detail) as text, never as
// instructions to the terminal; data keeps stdout as it is, for --json.
func (c *cli) forTerminal() *cli {
	if _, done := c.stdout.(terminalWriter); done {
		return c
	}
	safe := *c
	safe.data = c.stdout
	safe.stdout = terminalWriter{c.stdout}
	safe.stderr = terminalWriter{c.stderr}
	return &safe
}

// terminalWriter writes text for people with every character a terminal
// would act on rather than show replaced by '?' (printable.Text): every
// human-readable line the command prints goes through one, so no print
// site can forget it. Invalid UTF-8 becomes U+FFFD.
type terminalWriter struct{ w io.Writer }

func (t terminalWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(t.w, printable.Text(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// printJSON writes v as indented JSON. encoding/json escapes C0 controls;
// the C1 and bidirectional controls it leaves raw are escaped here too
// (\u009b), which is the same JSON value, so scripts get the data exactly
// and a terminal gets nothing to act on.
func (c *cli) printJSON(v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(c.stderr, "squareoauth: encoding JSON: %v\n", err)
		return
	}
	var out strings.Builder
	for _, r := range buf.String() {
		if r != '\n' && printable.Hazard(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	_, _ = io.WriteString(c.data, out.String())
}

// printToken prints an ObtainToken answer: JSON in full, or redacted text.
func (c *cli) printToken(asJSON bool, tok *squareoauth.ObtainTokenResponse) {
	if asJSON {
		c.printJSON(tok)
		return
	}
	w := c.stdout
	fmt.Fprintf(w, "merchant:       %s\n", tok.MerchantID)
	fmt.Fprintf(w, "access token:   %s (expires %s)\n", mask(tok.AccessToken), tok.ExpiresAt)
	fmt.Fprintf(w, "refresh token:  %s", mask(tok.RefreshToken))
	if tok.RefreshTokenExpiresAt != "" {
		fmt.Fprintf(w, " (expires %s; single-use: store the new one after each refresh)", tok.RefreshTokenExpiresAt)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Tokens are redacted; run with --json to print them for storage.")
}
