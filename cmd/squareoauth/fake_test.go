package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fakeProcess is squareoauth fake running in-process, as main would run it.
type fakeProcess struct {
	URL, ClientID, ClientSecret, AdminURL string

	stderr *syncBuffer
	stop   context.CancelFunc // stands for Ctrl-C
	exit   chan int
}

func startFake(t *testing.T, args ...string) *fakeProcess {
	t.Helper()
	ctx, stop := context.WithCancel(t.Context())
	var out, errOut syncBuffer
	p := &fakeProcess{stderr: &errOut, stop: stop, exit: make(chan int, 1)}
	go func() {
		p.exit <- run(ctx, append([]string{"fake"}, args...), &cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
			getenv: func(string) string { return "" }})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "\n") {
		if time.Now().After(deadline) {
			t.Fatalf("no start line; stderr %q", errOut.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	line := out.String()
	if strings.Count(line, "\n") != 1 {
		t.Fatalf("stdout got %q; want one JSON line", line)
	}
	var start struct {
		URL          string `json:"url"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		AdminURL     string `json:"admin_url"`
	}
	if err := json.Unmarshal([]byte(line), &start); err != nil {
		t.Fatalf("start line %q: %v", line, err)
	}
	p.URL, p.ClientID, p.ClientSecret, p.AdminURL = start.URL, start.ClientID, start.ClientSecret, start.AdminURL
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") || p.AdminURL != p.URL+"/_fake" ||
		!strings.HasPrefix(p.ClientID, "sq0idp-") || !strings.HasPrefix(p.ClientSecret, "sq0csp-") {
		t.Fatalf("start line %q; want a loopback URL, its admin URL and Square-shaped credentials", line)
	}
	t.Cleanup(func() { p.stop() })
	return p
}

// interrupt stops the fake and returns its exit status.
func (p *fakeProcess) interrupt(t *testing.T) int {
	t.Helper()
	p.stop()
	select {
	case code := <-p.exit:
		return code
	case <-time.After(20 * time.Second):
		t.Fatal("squareoauth fake did not stop on interrupt")
		return -1
	}
}

// post sends a JSON body with the given Authorization, as any HTTP client
// in any language would, and decodes the JSON answer.
func post(t *testing.T, u, auth, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

func wantOK(t *testing.T, what string, status int, m map[string]any) {
	t.Helper()
	if status != http.StatusOK {
		t.Fatalf("%s: got %d %v; want 200", what, status, m)
	}
}

// TestFakeCodeFlow drives a whole code flow against squareoauth fake with
// plain net/http and JSON, as an application in another language would:
// the authorize page, the redirect with the code, ObtainToken, the status
// call, and RevokeToken.
func TestFakeCodeFlow(t *testing.T) {
	t.Parallel()
	p := startFake(t)

	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(p.URL + "/oauth2/authorize?client_id=" + url.QueryEscape(p.ClientID) +
		"&scope=PAYMENTS_READ&state=st4te&redirect_uri=" + url.QueryEscape("http://localhost:3000/cb"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil || loc.Host != "localhost:3000" || loc.Query().Get("state") != "st4te" {
		t.Fatalf("authorize page: got %d to %v; want 302 to the redirect URL with the state", resp.StatusCode, loc)
	}
	code := loc.Query().Get("code")

	status, tok := post(t, p.URL+"/oauth2/token", "", `{"client_id":"`+p.ClientID+`","client_secret":"`+p.ClientSecret+
		`","grant_type":"authorization_code","code":"`+code+`","redirect_uri":"http://localhost:3000/cb"}`)
	wantOK(t, "ObtainToken", status, tok)
	access, _ := tok["access_token"].(string)

	status, st := post(t, p.URL+"/oauth2/token/status", "Bearer "+access, "")
	wantOK(t, "RetrieveTokenStatus", status, st)
	if st["merchant_id"] != "MLFAKESELLER01" || st["client_id"] != p.ClientID {
		t.Errorf("status got %v; want the default seller and the application", st)
	}

	status, rv := post(t, p.URL+"/oauth2/revoke", "Client "+p.ClientSecret, `{"client_id":"`+p.ClientID+`","access_token":"`+access+`"}`)
	wantOK(t, "RevokeToken", status, rv)
	if status, _ := post(t, p.URL+"/oauth2/token/status", "Bearer "+access, ""); status != http.StatusUnauthorized {
		t.Errorf("status after revoke got %d; want 401", status)
	}

	if code := p.interrupt(t); code != exitOK {
		t.Errorf("exit status got %d; want %d (stderr %q)", code, exitOK, p.stderr.String())
	}
}

// TestFakeAdmin covers the admin endpoint: a PKCE code, a migration token,
// a fault, the clock, and a mistake refused with the field named.
func TestFakeAdmin(t *testing.T) {
	t.Parallel()
	p := startFake(t)

	const verifier = "a-verifier-of-at-least-forty-three-characters-0001"
	sum := sha256.Sum256([]byte(verifier))
	status, out := post(t, p.AdminURL+"/authorize", "", `{"merchant_id":"MLSELLER0001","scopes":["PAYMENTS_READ"],"code_challenge":"`+
		base64.RawURLEncoding.EncodeToString(sum[:])+`"}`)
	wantOK(t, "admin authorize", status, out)
	status, tok := post(t, p.URL+"/oauth2/token", "", `{"client_id":"`+p.ClientID+`","grant_type":"authorization_code","code":"`+
		out["code"].(string)+`","code_verifier":"`+verifier+`"}`)
	wantOK(t, "PKCE exchange", status, tok)
	if tok["merchant_id"] != "MLSELLER0001" || tok["refresh_token_expires_at"] == nil {
		t.Errorf("PKCE exchange got %v; want the seller's PKCE tokens", tok)
	}

	status, out = post(t, p.AdminURL+"/migration-token", "", `{"merchant_id":"MLSELLER0002"}`)
	wantOK(t, "admin migration-token", status, out)
	status, tok = post(t, p.URL+"/oauth2/token", "", `{"client_id":"`+p.ClientID+`","client_secret":"`+p.ClientSecret+
		`","grant_type":"migration_token","migration_token":"`+out["migration_token"].(string)+`"}`)
	wantOK(t, "migration", status, tok)
	access, _ := tok["access_token"].(string)

	status, out = post(t, p.AdminURL+"/fault", "", `{"path":"/oauth2/token/status","status":503,"header":{"Retry-After":["1"]},"body":"busy"}`)
	wantOK(t, "admin fault", status, out)
	if status, _ := post(t, p.URL+"/oauth2/token/status", "Bearer "+access, ""); status != http.StatusServiceUnavailable {
		t.Errorf("faulted status call got %d; want 503", status)
	}

	status, out = post(t, p.AdminURL+"/advance", "", `{"by":"721h"}`)
	wantOK(t, "admin advance", status, out)
	if status, _ := post(t, p.URL+"/oauth2/token/status", "Bearer "+access, ""); status != http.StatusUnauthorized {
		t.Errorf("status after 30 days got %d; want 401", status)
	}

	for _, tt := range []struct{ path, body, want string }{
		{"/authorize", `{"merchant_id":"seller1"}`, `merchant_id: merchant ID "seller1" has 7 characters`},
		{"/authorize", `{"merchant_id":"MLSELLER0001","scope":["A"]}`, `unknown field "scope"`},
		{"/fault", `{"path":"/v2/locations","status":503}`, `path "/v2/locations" is not served`},
		{"/fault", `{"path":"/oauth2/token","delay":"soon"}`, "delay:"},
		{"/advance", `{"by":"-1h"}`, "by: duration -1h0m0s is negative"},
		{"/redirect-url", `{"url":"http://app.example/cb"}`, "url: redirect URL"},
	} {
		status, out := post(t, p.AdminURL+tt.path, "", tt.body)
		if msg, _ := out["error"].(string); status != http.StatusBadRequest || !strings.Contains(msg, tt.want) {
			t.Errorf("%s %s: got %d %v; want 400 with %q", tt.path, tt.body, status, out, tt.want)
		}
	}
	if status, _ := post(t, p.AdminURL+"/nothing", "", "{}"); status != http.StatusNotFound {
		t.Errorf("unknown admin path got %d; want 404", status)
	}
	if code := p.interrupt(t); code != exitOK {
		t.Errorf("exit status got %d; want %d (stderr %q)", code, exitOK, p.stderr.String())
	}
}

// TestFakeReportsViolations: a request Square would refuse gets Square's
// answer, and is reported on stderr, by the admin endpoint and in the exit
// status.
func TestFakeReportsViolations(t *testing.T) {
	t.Parallel()
	p := startFake(t)
	// RevokeToken's secret without the "Client " prefix.
	status, out := post(t, p.URL+"/oauth2/revoke", p.ClientSecret, `{"client_id":"`+p.ClientID+`","merchant_id":"MLSELLER0001"}`)
	if status != http.StatusBadRequest || out["message"] != "bad authorization header" {
		t.Errorf("revoke without Client got %d %v; want Square's 400 bad authorization header", status, out)
	}
	if v := violations(t, p); len(v) != 1 || !strings.Contains(v[0], "POST /oauth2/revoke") {
		t.Errorf("violations got %q; want the revoke", v)
	}
	code := p.interrupt(t)
	errOut := p.stderr.String()
	if code != exitSquare || !strings.Contains(errOut, "Square would reject this request: POST /oauth2/revoke") {
		t.Errorf("exit %d, stderr %q; want %d and the violation", code, errOut, exitSquare)
	}
	if strings.Contains(errOut, p.ClientSecret) {
		t.Errorf("stderr %q quotes the secret sent in the header", errOut)
	}
}

// TestFakeStopEndsDelays: an interrupt stops the fake at once even while a
// fault delays an answer for an hour to a client that waits.
func TestFakeStopEndsDelays(t *testing.T) {
	t.Parallel()
	p := startFake(t)
	status, out := post(t, p.AdminURL+"/fault", "", `{"path":"/oauth2/token","delay":"1h"}`)
	wantOK(t, "admin fault", status, out)
	failed := make(chan error, 1)
	go func() {
		resp, err := http.Post(p.URL+"/oauth2/token", "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
		}
		failed <- err
	}()
	// The body breaks the spec, so the request is recorded as a violation
	// before it waits in its Delay.
	for len(violations(t, p)) == 0 {
		time.Sleep(time.Millisecond)
	}
	p.interrupt(t) // fails after 20 s, short of the 30-second grace for requests in flight
	if err := <-failed; err == nil {
		t.Error("the delayed request got an answer; want its connection ended")
	}
}

func TestFakeUsage(t *testing.T) {
	t.Parallel()
	code, out, _ := runCLI(t, nil, "", "fake", "--help")
	for _, want := range []string{"/_fake/fault", "/_fake/authorize", "/oauth2/authorize?client_id=", "printed because", "--addr", "-addr"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("fake --help: exit %d, stdout lacks %q", code, want)
		}
	}
	code, _, errOut := runCLI(t, nil, "", "fake", "--addr", "0.0.0.0:0")
	if code != exitUsage || !strings.Contains(errOut, "not a loopback address") {
		t.Errorf("--addr 0.0.0.0:0: exit %d, stderr %q; want %d and a loopback message", code, errOut, exitUsage)
	}
}

// violations asks the admin endpoint for the violations so far.
func violations(t *testing.T, p *fakeProcess) []string {
	t.Helper()
	resp, err := http.Get(p.AdminURL + "/violations")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ Violations []string }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.Violations == nil {
		t.Fatalf("GET /_fake/violations: %v, %v; want a violations array", err, v)
	}
	return v.Violations
}

// TestFakeAdminRefusesWebPages: a web page on another origin can make the
// browser POST to a loopback port, directly or through a host name that
// resolves to 127.0.0.1; the admin endpoint refuses both and changes
// nothing, while a local tool (no Origin, a loopback Host) is served.
func TestFakeAdminRefusesWebPages(t *testing.T) {
	t.Parallel()
	p := startFake(t)
	send := func(origin, host string) int {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, p.AdminURL+"/legacy-errors", strings.NewReader(`{"on":true}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/plain")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	port := strings.TrimPrefix(p.URL, "http://127.0.0.1:")
	for _, c := range []struct{ origin, host string }{
		{"https://attacker.example", ""},
		{"null", ""},
		{"", "rebound.example:" + port},
		{"http://rebound.example:" + port, "rebound.example:" + port},
	} {
		if got := send(c.origin, c.host); got != http.StatusForbidden {
			t.Errorf("Origin %q, Host %q: status %d; want 403", c.origin, c.host, got)
		}
	}
	// Nothing changed: errors still come in Square's current shape.
	status, m := post(t, p.URL+"/oauth2/token", "", `{"client_id":"`+p.ClientID+`","grant_type":"authorization_code","code":"sq0cgp-unknown-code-000000"}`)
	if _, ok := m["errors"]; status == http.StatusOK || !ok {
		t.Errorf("after the refused requests, a bad exchange got %d %v; want Square's current error shape", status, m)
	}
	for _, origin := range []string{"", p.URL} {
		if got := send(origin, ""); got != http.StatusOK {
			t.Errorf("Origin %q from a local tool: status %d; want 200", origin, got)
		}
	}
}
