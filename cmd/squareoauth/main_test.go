package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runCLI runs the command as main would, with env as the environment and
// stdin as standard input.
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut syncBuffer
	code = run(t.Context(), args, &cli{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut,
		getenv: func(k string) string { return env[k] }})
	return code, out.String(), errOut.String()
}

// A token or code longer than the masked prefix means a secret was printed.
var unmaskedCredential = regexp.MustCompile(`(EAAA|EQAA|sq0cgb-)[A-Za-z0-9_-]{4,}`)

func assertNoSecretPrinted(t *testing.T, output string, secrets ...string) {
	t.Helper()
	if unmaskedCredential.MatchString(output) {
		t.Errorf("output shows a token or code:\n%s", output)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(output, s) {
			t.Errorf("output shows secret %q:\n%s", s, output)
		}
	}
}

// fakeEnv starts a fake Square and returns it with the environment that
// points the CLI at it.
func fakeEnv(t *testing.T) (*squareoauthtest.Server, map[string]string) {
	srv := squareoauthtest.NewServer(t)
	return srv, map[string]string{"SQUARE_CLIENT_ID": srv.ClientID, "SQUARE_CLIENT_SECRET": srv.ClientSecret}
}

// obtain returns a live token for merchant from srv.
func obtain(t *testing.T, srv *squareoauthtest.Server) *squareoauth.ObtainTokenResponse {
	t.Helper()
	c, err := squareoauth.New(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode, Code: srv.Authorize("MLCLITEST01", "PAYMENTS_READ")})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestDemoAgainstFake reads the demo as a newcomer would: where it runs
// first, one line per step on what it means, a refreshed token that expires
// later than the first, and the final refusal marked as expected, all on
// one screen.
func TestDemoAgainstFake(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, nil, "", "demo")
	if code != exitOK {
		t.Fatalf("exit %d; stderr: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if !strings.Contains(lines[0], "fake Square inside this process") || !strings.Contains(lines[0]+lines[1], "nothing leaves this") {
		t.Errorf("the demo does not first say it runs against an in-process fake:\n%s", out)
	}
	for _, step := range []string{
		"1. Consent: the seller approves your app on Square, and the redirect brings a code.",
		"   authorization code  sq0c…[REDACTED]",
		"2. ObtainToken: the code becomes an access token, which calls Square as the seller.",
		"   refresh token       EQAA…[REDACTED] (gets new access tokens",
		"3. RetrieveTokenStatus: Square says what the access token may do, and until when.",
		"   scopes              MERCHANT_PROFILE_READ PAYMENTS_READ",
		"4. 8 days later (the fake's clock moves), the refresh token gets a new access token.",
		"5. RevokeToken: your app gives up its access; all the seller's tokens stop working.",
		"6. RetrieveTokenStatus with the revoked token: Square refuses it, as it should.",
		"   401 Unauthorized: UNAUTHORIZED: access token is revoked (expected)",
	} {
		if !strings.Contains(out, "\n"+step) {
			t.Errorf("output lacks the line %q:\n%s", step, out)
		}
	}
	// The refreshed token has its own expiry, 8 days after the first.
	expiry := regexp.MustCompile(`(?m)^   access token +EAAA…\[REDACTED\].*expires (\d{4}-\d\d-\d\d \d\d:\d\d UTC)`)
	m := expiry.FindAllStringSubmatch(out, -1)
	if len(m) != 2 {
		t.Fatalf("want two access token lines with an expiry:\n%s", out)
	}
	first, err1 := time.Parse("2006-01-02 15:04 MST", m[0][1])
	second, err2 := time.Parse("2006-01-02 15:04 MST", m[1][1])
	if err1 != nil || err2 != nil || second.Sub(first) != refreshAfter || !strings.Contains(out, "(8 days after the first)") {
		t.Errorf("refreshed expiry %s, first %s; want %v later, said so:\n%s", m[1][1], m[0][1], refreshAfter, out)
	}
	if len(lines) > 24 {
		t.Errorf("the demo prints %d lines; want one screen (24):\n%s", len(lines), out)
	}
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > 100 {
			t.Errorf("line of %d characters: %q", n, l)
		}
	}
	assertNoSecretPrinted(t, out+errOut, demoClientSecret)
}

func TestStatusRefreshRevoke(t *testing.T) {
	t.Parallel()
	srv, env := fakeEnv(t)
	tok := obtain(t, srv)
	envWith := func(k, v string) map[string]string {
		e := map[string]string{k: v}
		for name, value := range env {
			e[name] = value
		}
		return e
	}
	secrets := []string{srv.ClientSecret, tok.AccessToken, tok.RefreshToken}

	// status: token from stdin, human output.
	code, out, errOut := runCLI(t, env, tok.AccessToken+"\n", "status", "--env", srv.URL)
	if code != exitOK || !strings.Contains(out, "merchant:     MLCLITEST01") || !strings.Contains(out, "scopes:       PAYMENTS_READ") {
		t.Fatalf("status: exit %d\n%s%s", code, out, errOut)
	}
	assertNoSecretPrinted(t, out+errOut, secrets...)

	// status --json: token from the environment.
	code, out, _ = runCLI(t, envWith("SQUARE_ACCESS_TOKEN", tok.AccessToken), "", "status", "--env", srv.URL, "--json")
	var st squareoauth.RetrieveTokenStatusResponse
	if code != exitOK || json.Unmarshal([]byte(out), &st) != nil || st.MerchantID != "MLCLITEST01" {
		t.Fatalf("status --json: exit %d, %q", code, out)
	}

	// refresh: human output is redacted; --json has the tokens.
	code, out, errOut = runCLI(t, envWith("SQUARE_REFRESH_TOKEN", tok.RefreshToken), "", "refresh", "--env", srv.URL)
	if code != exitOK || !strings.Contains(out, "access token:   EAAA…[REDACTED]") || !strings.Contains(out, "--json") {
		t.Fatalf("refresh: exit %d\n%s%s", code, out, errOut)
	}
	assertNoSecretPrinted(t, out+errOut, secrets...)
	code, out, _ = runCLI(t, env, tok.RefreshToken, "refresh", "--env", srv.URL, "--json")
	var refreshed squareoauth.ObtainTokenResponse
	if code != exitOK || json.Unmarshal([]byte(out), &refreshed) != nil || refreshed.AccessToken == "" {
		t.Fatalf("refresh --json: exit %d, %q", code, out)
	}

	// revoke, then status is a Square refusal: exit 1.
	code, out, errOut = runCLI(t, env, refreshed.AccessToken, "revoke", "--env", srv.URL)
	if code != exitOK || strings.TrimSpace(out) != "revoked" {
		t.Fatalf("revoke: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, env, refreshed.AccessToken, "status", "--env", srv.URL)
	if code != exitSquare || !strings.Contains(errOut, "UNAUTHORIZED") {
		t.Errorf("status after revoke: exit %d, stderr %q; want %d and UNAUTHORIZED", code, errOut, exitSquare)
	}
	assertNoSecretPrinted(t, out+errOut, append(secrets, refreshed.AccessToken)...)
}

func TestRevokeByMerchant(t *testing.T) {
	t.Parallel()
	srv, env := fakeEnv(t)
	tok := obtain(t, srv)
	if code, _, errOut := runCLI(t, env, "", "revoke", "--env", srv.URL, "--merchant-id", "MLCLITEST01", "--json"); code != exitOK {
		t.Fatalf("revoke --merchant-id: exit %d: %s", code, errOut)
	}
	if code, _, _ := runCLI(t, env, tok.AccessToken, "status", "--env", srv.URL); code != exitSquare {
		t.Errorf("status after revoking the merchant: exit %d; want %d", code, exitSquare)
	}
}

func TestAuthorizeURLCommand(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SQUARE_CLIENT_ID": "sq0idp-cli"}
	code, out, errOut := runCLI(t, env, "", "authorize-url", "--scopes", "PAYMENTS_READ ORDERS_READ", "--state", "abc123", "--no-session", "--locale", "en-CA")
	want := squareoauth.SandboxURL + "/oauth2/authorize?client_id=sq0idp-cli&locale=en-CA&scope=PAYMENTS_READ+ORDERS_READ&session=false&state=abc123\nstate: abc123\n"
	if code != exitOK || out != want {
		t.Errorf("exit %d, output %q; want %q (stderr %q)", code, out, want, errOut)
	}
	code, out, _ = runCLI(t, env, "", "authorize-url", "--env", "production", "--json")
	var v struct{ URL, State string }
	if code != exitOK || json.Unmarshal([]byte(out), &v) != nil || len(v.State) < 16 || !strings.HasPrefix(v.URL, squareoauth.ProductionURL) {
		t.Errorf("--json: exit %d, %q; want a production URL and a random state", code, out)
	}
	if code, _, errOut := runCLI(t, env, "", "authorize-url", "--locale", "xx-XX"); code != exitUsage || !strings.Contains(errOut, "AuthorizeOptions.Locale") {
		t.Errorf("bad locale: exit %d, stderr %q", code, errOut)
	}
}

// TestLogin runs login against the fake's authorization page: a browser
// (an http.Client) opens the printed URL, the fake consents and redirects to
// login's loopback listener, and login exchanges the code.
func TestLogin(t *testing.T) {
	t.Parallel()
	for _, flow := range []string{"code", "pkce", "denied", "human"} {
		t.Run(flow, func(t *testing.T) {
			t.Parallel()
			srv, env := fakeEnv(t)
			args := []string{"login", "--env", srv.URL, "--port", "0", "--scopes", "PAYMENTS_READ", "--timeout", "20s"}
			if flow != "human" {
				args = append(args, "--json")
			}
			srv.SetConsent("MLLOGINSELLER")
			if flow == "pkce" {
				delete(env, "SQUARE_CLIENT_SECRET")
			}
			if flow == "denied" {
				srv.DenyConsent(true)
			}
			var out, errOut syncBuffer
			exit := make(chan int, 1)
			go func() {
				exit <- run(t.Context(), args,
					&cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(k string) string { return env[k] }})
			}()
			authorizeURL := waitForURL(t, &errOut, srv.URL+"/oauth2/authorize?")
			resp, err := http.Get(authorizeURL) // follows the redirect to login's listener
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()

			code := <-exit
			if flow == "denied" {
				if code != exitSquare || !strings.Contains(errOut.String(), "access_denied") || !strings.Contains(string(page), "user_denied") {
					t.Errorf("denied: exit %d, stderr %q, page %q", code, errOut.String(), page)
				}
				return
			}
			if code != exitOK || resp.StatusCode != http.StatusOK {
				t.Fatalf("exit %d, callback page %d %q, stderr %s", code, resp.StatusCode, page, errOut.String())
			}
			if flow == "human" {
				if !strings.Contains(out.String(), "merchant:       MLLOGINSELLER") || !strings.Contains(out.String(), "[REDACTED]") {
					t.Errorf("human output %q; want the merchant and redacted tokens", out.String())
				}
				assertNoSecretPrinted(t, out.String()+errOut.String(), srv.ClientSecret)
				return
			}
			var tok squareoauth.ObtainTokenResponse
			if err := json.Unmarshal([]byte(out.String()), &tok); err != nil || tok.MerchantID != "MLLOGINSELLER" {
				t.Fatalf("token output %q: %v", out.String(), err)
			}
			if pkce := tok.RefreshTokenExpiresAt != ""; pkce != (flow == "pkce") {
				t.Errorf("PKCE token = %v; want %v", pkce, flow == "pkce")
			}
			assertNoSecretPrinted(t, errOut.String(), srv.ClientSecret)
		})
	}
}

// TestLoginIgnoresForgedRedirects sends redirects without login's state to
// its listener, as any web page could: each is refused and the wait goes
// on, and the seller's real redirect then completes the login.
func TestLoginIgnoresForgedRedirects(t *testing.T) {
	t.Parallel()
	srv, env := fakeEnv(t)
	var out, errOut syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- run(t.Context(), []string{"login", "--env", srv.URL, "--port", "0", "--json", "--timeout", "20s"},
			&cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(k string) string { return env[k] }})
	}()
	authorizeURL := waitForURL(t, &errOut, srv.URL+"/oauth2/authorize?")
	u, err := url.Parse(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	callback := u.Query().Get("redirect_uri")
	for _, forged := range []string{
		"?code=sq0cgb-forged&state=forged",
		"?error=access_denied&error_description=user_denied&state=forged",
		"?error=access_denied&error_description=user_denied",
	} {
		resp, err := http.Get(callback + forged)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forged redirect %s: status %d; want 400", forged, resp.StatusCode)
		}
	}
	select {
	case code := <-exit:
		t.Fatalf("login ended with exit %d after forged redirects; stderr %q", code, errOut.String())
	default:
	}
	if n := srv.Hits("/oauth2/token"); n != 0 {
		t.Errorf("token requests after forged redirects: %d; want 0", n)
	}
	resp, err := http.Get(authorizeURL) // the seller consents
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := <-exit; code != exitOK || srv.Hits("/oauth2/token") != 1 {
		t.Errorf("real redirect: exit %d after %d token requests; stderr %q", code, srv.Hits("/oauth2/token"), errOut.String())
	}
	if notes := strings.Count(errOut.String(), "Ignored a redirect"); notes != 3 {
		t.Errorf("stderr notes %d ignored redirects; want 3:\n%s", notes, errOut.String())
	}
}

// waitForURL waits until w holds a line starting with prefix and returns it.
func waitForURL(t *testing.T, w *syncBuffer, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(w.String(), "\n") {
			if strings.HasPrefix(line, prefix) {
				return line
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no line starting with %q in:\n%s", prefix, w.String())
	return ""
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	full := map[string]string{"SQUARE_CLIENT_ID": "sq0idp-x", "SQUARE_CLIENT_SECRET": "sq0csp-CANARY-secret", "SQUARE_AUTH_CODE": "sq0cgb-CANARY"}
	tests := []struct {
		name    string
		env     map[string]string
		stdin   string
		args    []string
		wantErr string
	}{
		{"no command", nil, "", nil, "Usage: squareoauth"},
		{"unknown command", nil, "", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"demo sandbox without credentials", nil, "", []string{"demo", "--env", "sandbox"}, "SQUARE_CLIENT_ID is not set"},
		{"plain http remote URL", full, "", []string{"demo", "--env", "http://example.com"}, "Config.BaseURL"},
		{"stray argument", nil, "", []string{"demo", "extra"}, `unexpected argument "extra"`},
		{"bad flag", nil, "", []string{"status", "--nope"}, "flag provided but not defined"},
		{"status without client ID", nil, "EAAA-x", []string{"status"}, "SQUARE_CLIENT_ID is not set"},
		{"status without token", full, "", []string{"status"}, "SQUARE_ACCESS_TOKEN is not set and standard input is empty"},
		{"refresh without token", full, "\n", []string{"refresh"}, "SQUARE_REFRESH_TOKEN is not set"},
		{"malformed token on stdin", full, "Bearer sq0cgb-CANARY\n", []string{"status"}, "accessToken"},
		{"revoke without secret", map[string]string{"SQUARE_CLIENT_ID": "sq0idp-x"}, "", []string{"revoke"}, "SQUARE_CLIENT_SECRET is not set: revoking needs the application secret"},
		{"revoke by merchant without secret", map[string]string{"SQUARE_CLIENT_ID": "sq0idp-x"}, "", []string{"revoke", "--merchant-id", "ML1"}, "SQUARE_CLIENT_SECRET is not set"},
		{"empty --env", full, "EAAA-x", []string{"status", "--env="}, `--env must be "sandbox", "production" or a base URL`},
		{"mistyped --env", full, "", []string{"demo", "--env", "sanbox"}, `--env must be "fake" (a fake Square inside this process, the default), "sandbox", "production" or a base URL, not "sanbox"`},
		{"PKCE refresh without --json", map[string]string{"SQUARE_CLIENT_ID": "sq0idp-x"}, "EQAA-CANARY-refresh", []string{"refresh", "--env", "http://127.0.0.1:1"}, "add --json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, tt.env, tt.stdin, tt.args...)
			if code != exitUsage || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, exitUsage, tt.wantErr)
			}
			assertNoSecretPrinted(t, out+errOut, "CANARY")
		})
	}
}

func TestUnexpectedAnswerExitCode(t *testing.T) {
	t.Parallel()
	var errOut syncBuffer
	c := &cli{stderr: &errOut}
	if code := c.fail("demo", fmt.Errorf("%w: the revoked token was accepted", errUnexpectedAnswer)); code != exitSquare {
		t.Errorf("exit %d; want %d: Square answered, the network did not fail", code, exitSquare)
	}
}

// TestRefreshKeepsRotatedTokenOfFailedAnswer: Square answered a PKCE
// refresh with a new refresh token but no usable access token. The old one
// is spent, so --json must still print the new one, and the exit says the
// call failed.
func TestRefreshKeepsRotatedTokenOfFailedAnswer(t *testing.T) {
	t.Parallel()
	const rotated = "EQAA-rotated-refresh-token-000000000"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"refresh_token":%q,"refresh_token_expires_at":"2027-03-01T00:00:00Z"}`, rotated)
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"SQUARE_CLIENT_ID": "sq0idp-x", "SQUARE_REFRESH_TOKEN": "EQAA-spent-refresh-token-0000000000"}
	code, out, errOut := runCLI(t, env, "", "refresh", "--env", srv.URL, "--json")
	var got struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.RefreshToken != rotated {
		t.Errorf("stdout %q (%v); want the rotated refresh token as JSON", out, err)
	}
	if code != exitSquare || !strings.Contains(errOut, "squareoauth refresh:") {
		t.Errorf("exit %d, stderr %q; want the failure reported", code, errOut)
	}
}

func TestNetworkFailureExitCode(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SQUARE_CLIENT_ID": "sq0idp-x", "SQUARE_CLIENT_SECRET": "sq0csp-CANARY-secret", "SQUARE_AUTH_CODE": "sq0cgb-CANARY"}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a port nothing listens on once closed
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	closed := "http://" + ln.Addr().String()
	for _, args := range [][]string{{"demo", "--env", closed}, {"status", "--env", closed}} {
		code, out, errOut := runCLI(t, env, "EAAA-CANARY-token", args...)
		if code != exitNetwork {
			t.Errorf("%v: exit %d; want %d (stderr %q)", args, code, exitNetwork, errOut)
		}
		assertNoSecretPrinted(t, out+errOut, "CANARY")
	}
}

// TestHelp: asked-for help goes to stdout with exit 0, for the program and
// for each command, whether as "CMD --help" or "help CMD".
func TestHelp(t *testing.T) {
	t.Parallel()
	if code, out, _ := runCLI(t, nil, "", "--help"); code != exitOK || !strings.Contains(out, "login") {
		t.Errorf("--help: exit %d, output %q", code, out)
	}
	for name := range commands {
		if name == "fake" {
			continue // no --env; TestFakeUsage checks its help
		}
		for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
			code, out, errOut := runCLI(t, nil, "", args...)
			if code != exitOK || !strings.Contains(out, "Usage: squareoauth "+name) || !strings.Contains(out, "-env") || errOut != "" {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want the command's help on stdout", args, code, out, errOut)
			}
		}
	}
	// After a mistake the help is no answer: it goes to stderr.
	code, out, errOut := runCLI(t, nil, "", "status", "--nope")
	if code != exitUsage || out != "" || !strings.Contains(errOut, "Usage: squareoauth status") {
		t.Errorf("bad flag: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, nil, "", "help", "frobnicate")
	if code != exitUsage || out != "" || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("help for an unknown command: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestNoPromptWithoutTerminal: with standard input redirected from the null
// device (a character device, like a terminal) nobody can paste a token, so
// no prompt is shown, only the error.
func TestNoPromptWithoutTerminal(t *testing.T) {
	t.Parallel()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	var out, errOut syncBuffer
	env := map[string]string{"SQUARE_CLIENT_ID": "sq0idp-x"}
	code := run(t.Context(), []string{"status"}, &cli{stdin: null, stdout: &out, stderr: &errOut, getenv: func(k string) string { return env[k] }})
	if code != exitUsage || strings.Contains(errOut.String(), "paste") || !strings.Contains(errOut.String(), "standard input is empty") {
		t.Errorf("exit %d, stderr %q; want no prompt, and that SQUARE_ACCESS_TOKEN is missing", code, errOut.String())
	}
	if interactive(strings.NewReader("")) {
		t.Error("a reader that is no file counts as a terminal")
	}
}

// TestErrorsNameTheProgramOnce: an error of the package already starts with
// "squareoauth: "; the command's line must not repeat it.
func TestErrorsNameTheProgramOnce(t *testing.T) {
	t.Parallel()
	srv, env := fakeEnv(t)
	tok := obtain(t, srv)
	srv.RevokeAll("MLCLITEST01")
	code, _, errOut := runCLI(t, env, tok.AccessToken, "status", "--env", srv.URL)
	if code != exitSquare || !strings.HasPrefix(errOut, "squareoauth status: 401 Unauthorized: ") || strings.Count(errOut, "squareoauth") != 1 {
		t.Errorf("exit %d, stderr %q; want one \"squareoauth status: 401 …\"", code, errOut)
	}
	// Wrapped, as the demo wraps its steps' errors.
	var buf syncBuffer
	(&cli{stderr: &buf}).fail("demo", fmt.Errorf("refreshing: %w", &squareoauth.Error{StatusCode: 400}))
	if got, want := buf.String(), "squareoauth demo: refreshing: 400 Bad Request\n"; got != want {
		t.Errorf("wrapped error printed as %q; want %q", got, want)
	}
}

// TestLoginWithRegisteredRedirect: --redirect-uri names the URL registered
// with Square; a browser's stray request first does not end the wait.
func TestLoginWithRegisteredRedirect(t *testing.T) {
	t.Parallel()
	srv, env := fakeEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	redirect := "http://127.0.0.1:" + port + "/square/back"
	var out, errOut syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- run(t.Context(), []string{"login", "--env", srv.URL, "--port", port, "--redirect-uri", redirect, "--json", "--timeout", "20s"},
			&cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(k string) string { return env[k] }})
	}()
	u := waitForURL(t, &errOut, srv.URL+"/oauth2/authorize?")
	if !strings.Contains(u, "redirect_uri="+url.QueryEscape(redirect)) {
		t.Errorf("authorize URL %s does not carry the registered redirect", u)
	}
	if resp, err := http.Get("http://127.0.0.1:" + port + "/favicon.ico"); err == nil {
		resp.Body.Close()
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code := <-exit; code != exitOK || !strings.Contains(out.String(), `"access_token"`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

func TestLoginTimesOutAsUsage(t *testing.T) {
	t.Parallel()
	srv, env := fakeEnv(t)
	code, _, errOut := runCLI(t, env, "", "login", "--env", srv.URL, "--port", "0", "--timeout", "50ms")
	if code != exitUsage || !strings.Contains(errOut, "no redirect arrived") {
		t.Errorf("exit %d, stderr %q; want %d and a hint about the redirect URL", code, errOut, exitUsage)
	}
}

// hostile is server-chosen text that would act on a terminal: OSC 52 (write
// the clipboard), a CSI sequence (clear the screen), an 8-bit CSI (U+009B)
// and a bidirectional override (U+202E) that reverses what follows.
const hostile = "ML\x1b]52;c;Y2FuYXJ5\x07\x1b[2J\u009b31m\u202eKCATTA"

// hostileSquare answers like Square but with hostile text in every field a
// person reads: the merchant and application IDs, the scopes, the expiry
// and an error's code, detail and field.
func hostileSquare(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		var body any
		switch {
		case r.URL.Path == "/oauth2/token/status" && r.Header.Get("Authorization") == "Bearer EAAA-revoked-token-000":
			w.WriteHeader(http.StatusUnauthorized)
			body = map[string]any{"errors": []map[string]string{{"category": "AUTHENTICATION_ERROR", "code": "UNAUTHORIZED" + hostile, "detail": hostile, "field": hostile}}}
		case r.URL.Path == "/oauth2/token/status":
			body = map[string]any{"merchant_id": hostile, "client_id": hostile, "expires_at": hostile, "scopes": []string{"PAYMENTS_READ", hostile}}
		case r.URL.Path == "/oauth2/token":
			body = map[string]any{"access_token": "EAAA" + hostile + "-access-token", "token_type": "bearer", "expires_at": "2030-01-01T00:00:00Z",
				"merchant_id": hostile, "refresh_token": "EQAA-refresh-token-000000"}
		default:
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestServerTextCannotDriveTheTerminal: whatever a server puts in the fields
// a person reads reaches the terminal as text, with its control characters
// shown as '?'; --json keeps the value exact but escaped.
func TestServerTextCannotDriveTheTerminal(t *testing.T) {
	t.Parallel()
	srv := hostileSquare(t)
	env := map[string]string{"SQUARE_CLIENT_ID": "sq0idp-x", "SQUARE_CLIENT_SECRET": "sq0csp-x", "SQUARE_REFRESH_TOKEN": "EQAA-refresh-token-000000"}
	cases := [][]string{
		{"status", "--env", srv.URL},
		{"status", "--env", srv.URL, "--json"},
		{"refresh", "--env", srv.URL},
		{"refresh", "--env", srv.URL, "--json"},
	}
	for _, args := range cases {
		code, out, errOut := runCLI(t, env, "EAAA-live-token-0000000\n", args...)
		if code != exitOK {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
			continue
		}
		assertInert(t, args, out+errOut)
		if args[len(args)-1] == "--json" {
			var v struct {
				MerchantID string `json:"merchant_id"`
			}
			if err := json.Unmarshal([]byte(out), &v); err != nil || v.MerchantID != hostile {
				t.Errorf("%v: --json merchant %q (%v); want the server's value exactly", args, v.MerchantID, err)
			}
		} else if !strings.Contains(out, "ML?]52;c;Y2FuYXJ5??[2J?31m?KCATTA") {
			t.Errorf("%v: the merchant ID is not shown with '?' for its controls:\n%s", args, out)
		}
	}
	code, out, errOut := runCLI(t, env, "EAAA-revoked-token-000\n", "status", "--env", srv.URL)
	if code != exitSquare || !strings.Contains(errOut, "UNAUTHORIZEDML?]52") {
		t.Errorf("refused status: exit %d, stderr %q", code, errOut)
	}
	assertInert(t, []string{"status (refused)"}, out+errOut)
}

// assertInert fails if output holds a character a terminal would act on.
func assertInert(t *testing.T, args []string, output string) {
	t.Helper()
	for _, r := range output {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)) {
			t.Errorf("%v: output carries %U:\n%q", args, r, output)
			return
		}
	}
}
