package squareoauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/squareoauth/squareoauth/internal/printable"
)

// Printing and logging never show a secret. The types below that hold one
// implement fmt.Formatter, so that every verb, with any width or flag,
// prints their redacted form (String for %v, %+v, %s, %q, %x and %X,
// GoString for %#v, fmt's own %!verb(…) mark around String for the rest),
// also inside slices, maps and exported struct fields, which fmt formats
// with the same methods. LogValue does the same for log/slog.
// encoding/json still encodes them in full, for storage.

// String describes the Config without its secret.
func (cfg Config) String() string {
	return describe("Config", cfg.ClientID, cfg.ClientSecret, cfg.BaseURL, cfg.SquareVersion)
}

// GoString is String, for %#v.
func (cfg Config) GoString() string { return cfg.String() }

// Format prints the Config redacted under every verb.
func (cfg Config) Format(f fmt.State, verb rune) { formatRedacted(f, verb, "Config", cfg.String()) }

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

// Format prints the Client redacted under every verb. Its receiver is a
// value so that a dereferenced *Client, whose unexported fields fmt would
// otherwise print one by one, is covered too.
func (c Client) Format(f fmt.State, verb rune) { formatRedacted(f, verb, "Client", c.String()) }

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
	return redactedMark
}

// redactedMark replaces every secret.
const redactedMark = "[REDACTED]"

// String shows the request with its credentials redacted.
func (r ObtainTokenRequest) String() string { return redactedString(r) }

// GoString is String, for %#v.
func (r ObtainTokenRequest) GoString() string { return r.String() }

// Format prints the request redacted under every verb.
func (r ObtainTokenRequest) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, "ObtainTokenRequest", r.String())
}

// LogValue keeps the credentials out of log/slog output.
func (r ObtainTokenRequest) LogValue() slog.Value { return redactedLogValue(r) }

// String shows the answer with its tokens redacted.
func (r ObtainTokenResponse) String() string { return redactedString(r) }

// GoString is String, for %#v.
func (r ObtainTokenResponse) GoString() string { return r.String() }

// Format prints the answer redacted under every verb.
func (r ObtainTokenResponse) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, "ObtainTokenResponse", r.String())
}

// LogValue keeps the tokens out of log/slog output.
func (r ObtainTokenResponse) LogValue() slog.Value { return redactedLogValue(r) }

// String shows the request with its access token redacted.
func (r RevokeTokenRequest) String() string { return redactedString(r) }

// GoString is String, for %#v.
func (r RevokeTokenRequest) GoString() string { return r.String() }

// Format prints the request redacted under every verb.
func (r RevokeTokenRequest) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, "RevokeTokenRequest", r.String())
}

// LogValue keeps the access token out of log/slog output.
func (r RevokeTokenRequest) LogValue() slog.Value { return redactedLogValue(r) }

// String shows the Token without its secrets.
func (t Token) String() string {
	return fmt.Sprintf("squareoauth.Token{AccessToken:%s, RefreshToken:%s, MerchantID:%q, ExpiresAt:%s, RefreshTokenExpiresAt:%s, ShortLived:%t}",
		mark(t.AccessToken), mark(t.RefreshToken), t.MerchantID,
		timeString(t.ExpiresAt), timeString(t.RefreshTokenExpiresAt), t.ShortLived)
}

// GoString is String, for %#v.
func (t Token) GoString() string { return t.String() }

// timeString is RFC 3339, or "none" for the zero time.
func timeString(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.Format(time.RFC3339)
}

// Format prints the Token redacted under every verb.
func (t Token) Format(f fmt.State, verb rune) { formatRedacted(f, verb, "Token", t.String()) }

// LogValue keeps the tokens out of log/slog output.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// Format prints the Error as Error() does under every verb, and as
// GoString under %#v; none shows Body. Its receiver is a value so that a
// dereferenced *Error is covered too.
func (e Error) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(e.GoString()))
		return
	}
	formatRedacted(f, verb, "Error", e.Error())
}

// Format prints the TokenSource as its Client, under every verb: fmt
// would otherwise print the Client behind it field by field for any verb
// but %v, secret included.
func (s *TokenSource) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, "TokenSource", "&squareoauth.TokenSource{Client:"+s.client.String()+"}")
}

// Format prints the RefreshError as Error() does, under every verb: fmt
// would otherwise print the *Error it wraps field by field for verbs that
// take no string, Body included.
func (e *RefreshError) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, "RefreshError", e.Error())
}

// formatRedacted writes text, a value's redacted form, the way fmt writes
// a string under verb, width and flags included; %#v writes it as is (it
// is a GoString), and a verb that takes no string writes fmt's
// "%!verb(squareoauth.kind=text)" mark.
func formatRedacted(f fmt.State, verb rune, kind, text string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = f.Write([]byte(text))
	case strings.ContainsRune("vsqxX", verb):
		fmt.Fprintf(f, fmt.FormatString(f, verb), text)
	default:
		fmt.Fprintf(f, "%%!%c(squareoauth.%s=%s)", verb, kind, text)
	}
}

// isCredentialField reports whether a model field holds a secret, by its
// JSON name, so that a field added to openapi.yaml is covered by the same
// rule that redacts answers in errors.
func isCredentialField(f reflect.StructField) bool {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return credentialJSONNames[name]
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

// credentialFields are the JSON fields whose values are secrets, whichever
// model or answer carries them. Decoding an answer into this struct finds
// the credentials it issued; its JSON names are also the rule by which the
// models print (credentialJSONNames).
type credentialFields struct {
	AccessToken    string `json:"access_token"`
	RefreshToken   string `json:"refresh_token"`
	ClientSecret   string `json:"client_secret"`
	Code           string `json:"code"`
	CodeVerifier   string `json:"code_verifier"`
	MigrationToken string `json:"migration_token"`
	IDToken        string `json:"id_token"`
}

// credentialJSONNames holds the JSON name of each credential field.
var credentialJSONNames = func() map[string]bool {
	t := reflect.TypeFor[credentialFields]()
	m := make(map[string]bool, t.NumField())
	for i := range t.NumField() {
		m[t.Field(i).Tag.Get("json")] = true
	}
	return m
}()

// values returns the credentials that are set.
func (c *credentialFields) values() []string {
	var out []string
	v := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		if s := v.Field(i).String(); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// minRedactLen is the length below which a "secret" is not searched for in
// text. Square's credentials are far longer: the examples of Square's
// ObtainToken reference (https://developer.squareup.com/reference/square/oauth-api/obtain-token)
// show an application secret of "sq0csp-" and 44 characters, an
// authorization code of "sq0cgb-" and 22, and access and refresh tokens of
// 63 and 64 characters; a PKCE code verifier has at least 43 (RFC 7636,
// section 4.1). A value shorter than 16 is no real credential, and
// replacing every occurrence of one (every "x" of a hostile answer that
// issued "x") would turn a 1 MiB answer into 10 MiB of marks. Since every
// secret searched for is longer than redactedMark, redacting never grows a
// text.
const minRedactLen = 16

// redactor replaces secrets in text: written as they are, with any of their
// characters JSON-escaped ("\u0073" or "\/") or URL-encoded ("%73"), as an
// answer or a transport error may echo them. The zero redactor replaces
// nothing.
type redactor struct {
	secrets []string // each at least minRedactLen bytes
}

// newRedactor returns a redactor for the secrets of every list that are
// long enough to be real credentials (see minRedactLen).
func newRedactor(lists ...[]string) redactor {
	var r redactor
	for _, list := range lists {
		for _, s := range list {
			if len(s) >= minRedactLen {
				r.secrets = append(r.secrets, s)
			}
		}
	}
	return r
}

// redact returns s with every run of text that spells a secret replaced by
// one redactedMark. It allocates only when it finds something to replace
// or s holds an escape.
func (r redactor) redact(s string) string {
	if len(r.secrets) == 0 || len(s) < minRedactLen {
		return s
	}
	escaped := strings.ContainsAny(s, `\%`)
	if !escaped && !r.appearsIn(s) {
		return s
	}
	// Search the text as it is, and with its escapes resolved: a secret
	// written as it is can follow what reads as the start of an escape
	// ("%C" before "CANARY").
	var hidden []bool // per byte of s, whether it spells part of a secret
	hidden = r.hide(decoded{text: s}, hidden)
	if escaped {
		hidden = r.hide(decode(s), hidden)
	}
	if hidden == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case !hidden[i]:
			b.WriteByte(s[i])
		case i == 0 || !hidden[i-1]:
			b.WriteString(redactedMark)
		}
	}
	return b.String()
}

// hide marks in hidden the bytes of the original text that spell a secret
// in v, allocating hidden at the first. Each byte is marked once, however
// many occurrences overlap it: a hostile answer can issue a credential
// such as 1,000 "a"s and repeat "a" for a mebibyte.
func (r redactor) hide(v decoded, hidden []bool) []bool {
	for _, secret := range r.secrets {
		marked := 0 // hidden[:marked] is done for this secret
		for from := 0; from+len(secret) <= len(v.text); {
			i := strings.Index(v.text[from:], secret)
			if i < 0 {
				break
			}
			start := from + i
			if hidden == nil {
				hidden = make([]bool, v.offset(len(v.text)))
			}
			end := v.offset(start + len(secret))
			for j := max(v.offset(start), marked); j < end; j++ {
				hidden[j] = true
			}
			marked = max(marked, end)
			from = start + 1 // overlapping occurrences too
		}
	}
	return hidden
}

// appearsIn reports whether a secret appears verbatim in s.
func (r redactor) appearsIn(s string) bool {
	for _, secret := range r.secrets {
		if strings.Contains(s, secret) {
			return true
		}
	}
	return false
}

// decoded is a text with its escapes resolved: text[i] was written at
// bytes at[i]..at[i+1] of the original (at nil: the text is the original).
type decoded struct {
	text string
	at   []int32
}

// offset is where text[i] starts in the original; offset(len(text)) is
// the original's length.
func (d decoded) offset(i int) int {
	if d.at == nil {
		return i
	}
	return int(d.at[i])
}

// decode resolves s's JSON escapes (\uXXXX, \/, \" and the control
// escapes) and URL escapes (%XX) one level deep. Other bytes, broken
// escapes included, stand for themselves. "\\" is left as two backslashes,
// the second of which may start an escape: in `\\u0043` JSON sees a
// backslash and "u0043", but a reader may see "\C", and finding a secret
// where there is none costs nothing.
func decode(s string) decoded {
	text, at := make([]byte, 0, len(s)), make([]int32, 0, len(s)+1)
	for i := 0; i < len(s); {
		c, n := s[i], 1
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			c, n = unhex(s[i+1])<<4|unhex(s[i+2]), 3
		case c == '\\' && i+5 < len(s) && s[i+1] == 'u' && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]):
			r := rune(unhex(s[i+2]))<<12 | rune(unhex(s[i+3]))<<8 | rune(unhex(s[i+4]))<<4 | rune(unhex(s[i+5]))
			var buf [utf8.UTFMax]byte
			for _, b := range buf[:utf8.EncodeRune(buf[:], r)] {
				text, at = append(text, b), append(at, int32(i))
			}
			i += 6
			continue
		case c == '\\' && i+1 < len(s):
			if e := strings.IndexByte(`"/bfnrt`, s[i+1]); e >= 0 {
				c, n = "\"/\b\f\n\r\t"[e], 2
			}
		}
		text, at = append(text, c), append(at, int32(i))
		i += n
	}
	return decoded{text: string(text), at: append(at, int32(len(s)))}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// redactTransport returns err unchanged when its text holds no secret of
// r. Otherwise it returns an error with the redacted text that keeps what
// callers test with errors.Is and errors.As: the *url.Error around a
// failed request (its Op, its URL redacted, its Timeout), and of the chain
// beneath it the sentinel errors (context's, io.EOF, …), which carry no
// text. The rest of the original chain is dropped: a caller unwrapping
// down to it and printing it would print the secret.
func redactTransport(err error, r redactor) error {
	text := err.Error()
	if r.show(text) == text {
		return err
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) && urlErr.Err != nil {
		return &url.Error{Op: urlErr.Op, URL: r.show(urlErr.URL), Err: newRedactedError(urlErr.Err, r)}
	}
	return newRedactedError(err, r)
}

// show is text from a transport, which may quote what a server sent (a
// proxy's CONNECT answer is quoted raw), as an error may print it: secrets
// redacted and control characters masked.
func (r redactor) show(text string) string { return printable.Line(r.redact(text)) }

// redactedError stands for an error whose text quoted a secret or a
// control character.
type redactedError struct {
	text      string
	timeout   bool
	sentinels []error
}

// sentinels are the errors a transport failure may wrap that callers match
// with errors.Is.
var sentinels = []error{context.Canceled, context.DeadlineExceeded, os.ErrDeadlineExceeded,
	io.EOF, io.ErrUnexpectedEOF, net.ErrClosed}

func newRedactedError(err error, r redactor) *redactedError {
	e := &redactedError{text: r.show(err.Error())}
	var netErr net.Error
	e.timeout = errors.As(err, &netErr) && netErr.Timeout()
	for _, s := range sentinels {
		if errors.Is(err, s) {
			e.sentinels = append(e.sentinels, s)
		}
	}
	return e
}

// Error is the original text, redacted.
func (e *redactedError) Error() string { return e.text }

// Unwrap returns the sentinels the original chain held.
func (e *redactedError) Unwrap() []error { return e.sentinels }

// Timeout and Temporary make a redactedError a net.Error, as the error it
// stands for may have been.
func (e *redactedError) Timeout() bool   { return e.timeout }
func (e *redactedError) Temporary() bool { return e.timeout }
