package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/squareoauth/squareoauth"
)

// mask shows enough of a token to tell tokens apart, never the secret part.
func mask(token string) string {
	if len(token) < 16 {
		return "[REDACTED]"
	}
	return token[:4] + "…[REDACTED]"
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// printToken prints an ObtainToken answer: JSON in full, or redacted text.
func printToken(w io.Writer, asJSON bool, tok *squareoauth.ObtainTokenResponse) {
	if asJSON {
		printJSON(w, tok)
		return
	}
	fmt.Fprintf(w, "merchant:       %s\n", tok.MerchantID)
	fmt.Fprintf(w, "access token:   %s (expires %s)\n", mask(tok.AccessToken), tok.ExpiresAt)
	fmt.Fprintf(w, "refresh token:  %s", mask(tok.RefreshToken))
	if tok.RefreshTokenExpiresAt != "" {
		fmt.Fprintf(w, " (expires %s; single-use: store the new one after each refresh)", tok.RefreshTokenExpiresAt)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Tokens are redacted; run with --json to print them for storage.")
}
