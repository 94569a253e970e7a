package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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

func TestDemoAgainstFake(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, nil, "", "demo")
	if code != exitOK {
		t.Fatalf("exit %d; stderr: %s", code, errOut)
	}
	for _, step := range []string{"0. Seller consent", "1. ObtainToken (authorization_code)", "2. RetrieveTokenStatus: scopes [MERCHANT_PROFILE_READ PAYMENTS_READ]",
		"3. ObtainToken (refresh_token)", "4. RevokeToken", "5. RetrieveTokenStatus after revoke: squareoauth: 401 Unauthorized: UNAUTHORIZED"} {
		if !strings.Contains(out, step) {
			t.Errorf("output lacks %q:\n%s", step, out)
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
		{"revoke without secret", map[string]string{"SQUARE_CLIENT_ID": "sq0idp-x"}, "EAAA-x", []string{"revoke"}, "Config.ClientSecret"},
		{"empty --env", full, "EAAA-x", []string{"status", "--env="}, `--env must be "sandbox", "production" or a base URL`},
		{"mistyped --env", full, "", []string{"demo", "--env", "sanbox"}, `not "sanbox"`},
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

func TestHelp(t *testing.T) {
	t.Parallel()
	if code, out, _ := runCLI(t, nil, "", "--help"); code != exitOK || !strings.Contains(out, "login") {
		t.Errorf("--help: exit %d, output %q", code, out)
	}
	for name := range commands {
		if name == "fake" {
			continue // no --env; TestFakeUsage checks its help
		}
		if code, _, errOut := runCLI(t, nil, "", name, "--help"); code != exitOK || !strings.Contains(errOut, "Usage: squareoauth "+name) || !strings.Contains(errOut, "-env") {
			t.Errorf("%s --help: exit %d, output %q", name, code, errOut)
		}
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
