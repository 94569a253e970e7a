package squareoauth

import (
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
)

// Printing and logging never show a secret. The types below that hold one
// print it as [REDACTED] under every fmt verb (String for %v, %+v and %s,
// GoString for %#v) and in log/slog output (LogValue), while encoding/json
// still encodes them in full, for storage.

// String describes the Config without its secret.
func (cfg Config) String() string {
	return describe("Config", cfg.ClientID, cfg.ClientSecret, cfg.BaseURL, cfg.SquareVersion)
}

// GoString is String, for %#v.
func (cfg Config) GoString() string { return cfg.String() }

// LogValue keeps the secret out of log/slog output.
func (cfg Config) LogValue() slog.Value { return slog.StringValue(cfg.String()) }

// String describes the Client without its secret.
func (c *Client) String() string {
	base := ""
	if c.baseURL != nil { // a Client not made by New
		base = c.baseURL.String()
	}
	return describe("Client", c.clientID, c.clientSecret, base, c.squareVersion)
}

// GoString is String, for %#v.
func (c *Client) GoString() string { return c.String() }

// LogValue keeps the secret out of log/slog output.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

func describe(kind, clientID, clientSecret, baseURL, squareVersion string) string {
	return fmt.Sprintf("squareoauth.%s{ClientID:%q, ClientSecret:%s, BaseURL:%q, SquareVersion:%q}",
		kind, clientID, mark(clientSecret), baseURL, squareVersion)
}

// mark says whether a secret is set, without showing it.
func mark(secret string) string {
	if secret == "" {
		return `""`
	}
	return "[REDACTED]"
}

// String shows the request with its credentials redacted.
func (r ObtainTokenRequest) String() string { return redactedString(r) }

// GoString is String, for %#v.
func (r ObtainTokenRequest) GoString() string { return r.String() }

// LogValue keeps the credentials out of log/slog output.
func (r ObtainTokenRequest) LogValue() slog.Value { return redactedLogValue(r) }

// String shows the answer with its tokens redacted.
func (r ObtainTokenResponse) String() string { return redactedString(r) }

// GoString is String, for %#v.
func (r ObtainTokenResponse) GoString() string { return r.String() }

// LogValue keeps the tokens out of log/slog output.
func (r ObtainTokenResponse) LogValue() slog.Value { return redactedLogValue(r) }

// String shows the request with its access token redacted.
func (r RevokeTokenRequest) String() string { return redactedString(r) }

// GoString is String, for %#v.
func (r RevokeTokenRequest) GoString() string { return r.String() }

// LogValue keeps the access token out of log/slog output.
func (r RevokeTokenRequest) LogValue() slog.Value { return redactedLogValue(r) }

// LogValue keeps the tokens out of log/slog output.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// isCredentialField reports whether a model field holds a secret, by its
// JSON name, so that a field added to openapi.yaml is covered by the same
// rule that redacts answers in errors.
func isCredentialField(f reflect.StructField) bool {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	for _, key := range credentialKeys {
		if name == key {
			return true
		}
	}
	return false
}

// redactedString prints a generated model like %+v does, with credential
// fields shown only as set or empty.
func redactedString(model any) string {
	v := reflect.ValueOf(model)
	var b strings.Builder
	b.WriteString("squareoauth." + v.Type().Name() + "{")
	for i := range v.NumField() {
		if i > 0 {
			b.WriteString(", ")
		}
		field, value := v.Type().Field(i), v.Field(i)
		b.WriteString(field.Name + ":")
		if isCredentialField(field) {
			b.WriteString(mark(value.String()))
		} else {
			fmt.Fprintf(&b, "%#v", value.Interface())
		}
	}
	b.WriteString("}")
	return b.String()
}

// redactedLogValue is redactedString as a slog group, one attribute a field.
func redactedLogValue(model any) slog.Value {
	v := reflect.ValueOf(model)
	attrs := make([]slog.Attr, 0, v.NumField())
	for i := range v.NumField() {
		field, value := v.Type().Field(i), v.Field(i)
		if isCredentialField(field) {
			attrs = append(attrs, slog.String(field.Name, mark(value.String())))
		} else {
			attrs = append(attrs, slog.Any(field.Name, value.Interface()))
		}
	}
	return slog.GroupValue(attrs...)
}

// credentialKeys are the JSON fields whose values are secrets, whichever
// answer carries them.
var credentialKeys = []string{"access_token", "refresh_token", "client_secret", "code", "code_verifier", "migration_token", "id_token"}

// redactor returns a Replacer that swaps every non-empty secret for
// "[REDACTED]" in one pass, longest first, so that a replacement is never
// rewritten by the next secret (which could multiply a body's size), and a
// secret containing another is removed whole.
func redactor(secrets []string) *strings.Replacer {
	sorted := slices.DeleteFunc(slices.Clone(secrets), func(s string) bool { return s == "" })
	slices.SortFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	sorted = slices.Compact(sorted)
	pairs := make([]string, 0, 2*len(sorted))
	for _, s := range sorted {
		pairs = append(pairs, s, "[REDACTED]")
	}
	return strings.NewReplacer(pairs...)
}
