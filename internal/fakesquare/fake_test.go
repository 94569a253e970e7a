package fakesquare_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

const (
	clientID   = "sq0idp-fake-test-app"
	secret     = "sq0csp-CANARY-secret-0001"
	merchantID = "MLQW2MYBY81PZ"
	version    = "2025-08-20"
	// prefix mounts the fake below a path, as a proxy would, to check that
	// routing ignores the servers in openapi.yaml.
	prefix = "/sq"
)

// fixture is a fake behind an httptest server.
type fixture struct {
	fake *fakesquare.Server
	url  string
}

func setup(t *testing.T) fixture {
	t.Helper()
	fake := fakesquare.New(fakesquare.App{ClientID: clientID, ClientSecret: secret})
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", http.StripPrefix(prefix, fake))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return fixture{fake: fake, url: srv.URL + prefix}
}

// reply is a decoded answer.
type reply struct {
	status int
	header http.Header
	raw    []byte
}

// json decodes the body into a generic map for field checks.
func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.raw, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.raw, err)
	}
	return m
}

// str returns a string field of the body.
func (r reply) str(t *testing.T, key string) string {
	t.Helper()
	s, _ := r.json(t)[key].(string)
	return s
}

// firstError returns errors[0] of a v2 error body.
func (r reply) firstError(t *testing.T) map[string]any {
	t.Helper()
	errs, _ := r.json(t)["errors"].([]any)
	if len(errs) == 0 {
		t.Fatalf("body %q has no errors array", r.raw)
	}
	e, _ := errs[0].(map[string]any)
	return e
}

// call sends a request the way a well-behaved client does; edit may break it.
func (f fixture) call(t *testing.T, path, auth string, body any, edit ...func(*http.Request)) reply {
	t.Helper()
	return f.callCtx(context.Background(), t, path, auth, body, edit...)
}

func (f fixture) callCtx(ctx context.Context, t *testing.T, path, auth string, body any, edit ...func(*http.Request)) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				t.Fatal(err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Square-Version", version)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "fakesquare-test/1.0")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for _, e := range edit {
		e(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: reading body: %v", path, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, raw: raw}
}

func (f fixture) exchange(t *testing.T, body map[string]any) reply {
	t.Helper()
	return f.call(t, "/oauth2/token", "", body)
}

func (f fixture) status(t *testing.T, token string) reply {
	t.Helper()
	return f.call(t, "/oauth2/token/status", "Bearer "+token, nil)
}

func (f fixture) revoke(t *testing.T, body map[string]any) reply {
	t.Helper()
	return f.call(t, "/oauth2/revoke", "Client "+secret, body)
}

// codeGrant is the body of a code-flow exchange.
func codeGrant(code string) map[string]any {
	return map[string]any{"client_id": clientID, "client_secret": secret, "code": code, "grant_type": "authorization_code"}
}

func refreshGrant(token string) map[string]any {
	return map[string]any{"client_id": clientID, "client_secret": secret, "refresh_token": token, "grant_type": "refresh_token"}
}

// challenge is the PKCE S256 transform, computed independently of the fake.
func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func wantStatus(t *testing.T, what string, r reply, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status got %d; want %d (body %q)", what, r.status, want, r.raw)
	}
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("%s: Content-Type got %q; want %q", what, got, "application/json")
	}
}

// wantError checks a v2 error answer.
func wantError(t *testing.T, what string, r reply, status int, code, field string) {
	t.Helper()
	wantStatus(t, what, r, status)
	e := r.firstError(t)
	if got, _ := e["code"].(string); got != code {
		t.Errorf("%s: code got %q; want %q (body %q)", what, got, code, r.raw)
	}
	if got, _ := e["field"].(string); got != field {
		t.Errorf("%s: field got %q; want %q", what, got, field)
	}
	if _, ok := e["category"].(string); !ok {
		t.Errorf("%s: no category in %q", what, r.raw)
	}
}

// wantNoLeak fails if any secret value appears in the body.
func wantNoLeak(t *testing.T, what string, r reply, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, secret) {
		if s != "" && bytes.Contains(r.raw, []byte(s)) {
			t.Errorf("%s: body %q echoes a request value %q", what, r.raw, s)
		}
	}
}

func wantNoViolations(t *testing.T, f fixture) {
	t.Helper()
	if v := f.fake.Violations(); len(v) > 0 {
		t.Errorf("violations got %q; want none", v)
	}
}

func parseTime(t *testing.T, what, s string) time.Time {
	t.Helper()
	if len(s) != len("2006-01-02T15:04:05Z") {
		t.Errorf("%s got %q; want RFC 3339 UTC with whole seconds", what, s)
	}
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("%s got %q; want RFC 3339: %v", what, s, err)
	}
	return ts
}

// near reports whether got is within a few seconds of want.
func near(got, want time.Time) bool { return got.Sub(want).Abs() < 5*time.Second }

func TestCodeFlow(t *testing.T) {
	t.Parallel()
	f := setup(t)
	code := f.fake.Authorize(merchantID, "PAYMENTS_READ", "ORDERS_READ")
	if !strings.HasPrefix(code, "sq0cgb-") {
		t.Errorf("code got %q; want prefix %q", code, "sq0cgb-")
	}

	r := f.exchange(t, codeGrant(code))
	wantStatus(t, "exchange", r, http.StatusOK)
	access, refresh := r.str(t, "access_token"), r.str(t, "refresh_token")
	if !strings.HasPrefix(access, "EAAA") || len(access) < 40 {
		t.Errorf("access_token got %q; want EAAA… of at least 40 characters", access)
	}
	if !strings.HasPrefix(refresh, "EQAA") {
		t.Errorf("refresh_token got %q; want prefix %q", refresh, "EQAA")
	}
	for key, want := range map[string]string{"token_type": "bearer", "merchant_id": merchantID, "refresh_token_expires_at": ""} {
		if got := r.str(t, key); got != want {
			t.Errorf("%s got %q; want %q", key, got, want)
		}
	}
	exp := parseTime(t, "expires_at", r.str(t, "expires_at"))
	if want := f.fake.Now().Add(30 * 24 * time.Hour); !near(exp, want) {
		t.Errorf("expires_at got %v; want about %v", exp, want)
	}

	st := f.status(t, access)
	wantStatus(t, "status", st, http.StatusOK)
	for key, want := range map[string]string{"client_id": clientID, "merchant_id": merchantID, "expires_at": r.str(t, "expires_at")} {
		if got := st.str(t, key); got != want {
			t.Errorf("status %s got %q; want %q", key, got, want)
		}
	}
	if got, _ := json.Marshal(st.json(t)["scopes"]); string(got) != `["PAYMENTS_READ","ORDERS_READ"]` {
		t.Errorf("status scopes got %s; want %s", got, `["PAYMENTS_READ","ORDERS_READ"]`)
	}

	rr := f.exchange(t, refreshGrant(refresh))
	wantStatus(t, "refresh", rr, http.StatusOK)
	if got := rr.str(t, "refresh_token"); got != refresh {
		t.Errorf("refresh returned refresh_token %q; want the same %q", got, refresh)
	}
	access2 := rr.str(t, "access_token")
	if access2 == access {
		t.Errorf("refresh returned the old access token %q", access2)
	}

	// Square keeps one code-flow refresh token per seller.
	again := f.exchange(t, codeGrant(f.fake.Authorize(merchantID)))
	wantStatus(t, "second authorization", again, http.StatusOK)
	if got := again.str(t, "refresh_token"); got != refresh {
		t.Errorf("second authorization refresh_token got %q; want %q", got, refresh)
	}

	rv := f.revoke(t, map[string]any{"client_id": clientID, "access_token": access})
	wantStatus(t, "revoke", rv, http.StatusOK)
	if got := string(rv.raw); got != `{"success":true}` {
		t.Errorf("revoke body got %q; want %q", got, `{"success":true}`)
	}
	// Revoking one token ends the whole authorization.
	for _, tok := range []string{access, access2, again.str(t, "access_token")} {
		st := f.status(t, tok)
		wantError(t, "status after revoke", st, http.StatusUnauthorized, "UNAUTHORIZED", "")
		wantNoLeak(t, "status after revoke", st, tok)
	}
	wantError(t, "refresh after revoke", f.exchange(t, refreshGrant(refresh)), http.StatusBadRequest, "BAD_REQUEST", "refresh_token")

	// A new consent after revocation gets a new refresh token.
	fresh := f.exchange(t, codeGrant(f.fake.Authorize(merchantID)))
	wantStatus(t, "authorization after revoke", fresh, http.StatusOK)
	if got := fresh.str(t, "refresh_token"); got == refresh {
		t.Errorf("refresh token after revoke got the revoked %q", got)
	}
	wantNoViolations(t, f)
}

func TestPKCE(t *testing.T) {
	t.Parallel()
	f := setup(t)
	verifier := strings.Repeat("v", 43)
	pkce := func(code, verifier string) map[string]any {
		return map[string]any{"client_id": clientID, "code": code, "code_verifier": verifier, "grant_type": "authorization_code"}
	}

	bad := f.exchange(t, pkce(f.fake.AuthorizePKCE(merchantID, challenge(verifier)), "wrong-verifier"))
	wantError(t, "wrong verifier", bad, http.StatusBadRequest, "BAD_REQUEST", "code_verifier")
	wantNoLeak(t, "wrong verifier", bad, "wrong-verifier")

	missing := f.exchange(t, map[string]any{"client_id": clientID, "code": f.fake.AuthorizePKCE(merchantID, challenge(verifier)), "grant_type": "authorization_code"})
	wantError(t, "missing verifier", missing, http.StatusBadRequest, "MISSING_REQUIRED_PARAMETER", "code_verifier")

	r := f.exchange(t, pkce(f.fake.AuthorizePKCE(merchantID, challenge(verifier), "ITEMS_READ"), verifier))
	wantStatus(t, "exchange", r, http.StatusOK)
	rtExp := parseTime(t, "refresh_token_expires_at", r.str(t, "refresh_token_expires_at"))
	if want := f.fake.Now().Add(90 * 24 * time.Hour); !near(rtExp, want) {
		t.Errorf("refresh_token_expires_at got %v; want about %v", rtExp, want)
	}

	refresh := r.str(t, "refresh_token")
	pkceRefresh := map[string]any{"client_id": clientID, "refresh_token": refresh, "grant_type": "refresh_token"}
	rr := f.exchange(t, pkceRefresh)
	wantStatus(t, "refresh", rr, http.StatusOK)
	next := rr.str(t, "refresh_token")
	if next == "" || next == refresh {
		t.Errorf("PKCE refresh returned refresh_token %q; want a new one (old %q)", next, refresh)
	}
	if rr.str(t, "refresh_token_expires_at") == "" {
		t.Errorf("PKCE refresh has no refresh_token_expires_at in %q", rr.raw)
	}

	old := f.exchange(t, pkceRefresh)
	wantError(t, "reused PKCE refresh token", old, http.StatusBadRequest, "BAD_REQUEST", "refresh_token")
	wantNoLeak(t, "reused PKCE refresh token", old, refresh)

	wrongSecret := map[string]any{"client_id": clientID, "client_secret": "sq0csp-wrong", "refresh_token": next, "grant_type": "refresh_token"}
	wantError(t, "PKCE refresh with wrong secret", f.exchange(t, wrongSecret), http.StatusUnauthorized, "UNAUTHORIZED", "client_secret")
	// The failed attempt did not spend the token.
	pkceRefresh["refresh_token"] = next
	wantStatus(t, "refresh with the new token", f.exchange(t, pkceRefresh), http.StatusOK)
	wantNoViolations(t, f)
}

func TestCodeIsSingleUse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		first map[string]any // may fail; it still spends the code
	}{
		{"after success", nil},
		{"after wrong secret", map[string]any{"client_secret": "sq0csp-wrong-secret"}},
		{"after wrong client_id", map[string]any{"client_id": "sq0idp-someone-else"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			code := f.fake.Authorize(merchantID)
			first := codeGrant(code)
			for k, v := range tt.first {
				first[k] = v
			}
			f.exchange(t, first)
			r := f.exchange(t, codeGrant(code))
			wantError(t, "second exchange", r, http.StatusBadRequest, "BAD_REQUEST", "code")
			wantNoLeak(t, "second exchange", r, code)
			if got, _ := r.firstError(t)["detail"].(string); !strings.Contains(got, "already used") {
				t.Errorf("detail got %q; want it to say %q", got, "already used")
			}
			wantNoViolations(t, f)
		})
	}
}

func TestGrantErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   func(f fixture) map[string]any
		status int
		code   string
		field  string
	}{
		{"code flow without secret", func(f fixture) map[string]any {
			b := codeGrant(f.fake.Authorize(merchantID))
			delete(b, "client_secret")
			return b
		}, 400, "MISSING_REQUIRED_PARAMETER", "client_secret"},
		{"code flow wrong secret", func(f fixture) map[string]any {
			b := codeGrant(f.fake.Authorize(merchantID))
			b["client_secret"] = "sq0csp-not-the-secret"
			return b
		}, 401, "UNAUTHORIZED", "client_secret"},
		{"wrong client_id", func(f fixture) map[string]any {
			b := codeGrant(f.fake.Authorize(merchantID))
			b["client_id"] = "sq0idp-other"
			return b
		}, 401, "UNAUTHORIZED", "client_id"},
		{"no code", func(fixture) map[string]any {
			return map[string]any{"client_id": clientID, "client_secret": secret, "grant_type": "authorization_code"}
		}, 400, "MISSING_REQUIRED_PARAMETER", "code"},
		{"unknown code", func(fixture) map[string]any { return codeGrant("sq0cgb-never-issued") }, 400, "BAD_REQUEST", "code"},
		{"unknown refresh token", func(fixture) map[string]any { return refreshGrant("EQAAnever-issued") }, 400, "BAD_REQUEST", "refresh_token"},
		{"no refresh token", func(fixture) map[string]any {
			return map[string]any{"client_id": clientID, "client_secret": secret, "grant_type": "refresh_token"}
		}, 400, "MISSING_REQUIRED_PARAMETER", "refresh_token"},
		{"code-flow refresh without secret", func(f fixture) map[string]any {
			rt := f.exchange(t, codeGrant(f.fake.Authorize(merchantID))).str(t, "refresh_token")
			b := refreshGrant(rt)
			delete(b, "client_secret")
			return b
		}, 400, "MISSING_REQUIRED_PARAMETER", "client_secret"},
		{"scopes outside the grant", func(f fixture) map[string]any {
			rt := f.exchange(t, codeGrant(f.fake.Authorize(merchantID, "ITEMS_READ"))).str(t, "refresh_token")
			b := refreshGrant(rt)
			b["scopes"] = []string{"PAYMENTS_WRITE"}
			return b
		}, 400, "BAD_REQUEST", "scopes"},
		{"unknown migration token", func(fixture) map[string]any {
			return map[string]any{"client_id": clientID, "client_secret": secret, "grant_type": "migration_token", "migration_token": "sq0atp-never"}
		}, 400, "BAD_REQUEST", "migration_token"},
		{"migration without secret", func(f fixture) map[string]any {
			return map[string]any{"client_id": clientID, "grant_type": "migration_token", "migration_token": f.fake.IssueLegacyToken(merchantID)}
		}, 400, "MISSING_REQUIRED_PARAMETER", "client_secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			body := tt.body(f)
			r := f.exchange(t, body)
			wantError(t, tt.name, r, tt.status, tt.code, tt.field)
			for _, k := range []string{"client_secret", "code", "refresh_token", "migration_token"} {
				v, _ := body[k].(string)
				wantNoLeak(t, tt.name, r, v)
			}
			wantNoViolations(t, f)
		})
	}
}

func TestMigrationAndScopes(t *testing.T) {
	t.Parallel()
	f := setup(t)
	legacy := f.fake.IssueLegacyToken(merchantID)
	body := map[string]any{"client_id": clientID, "client_secret": secret, "grant_type": "migration_token", "migration_token": legacy}
	r := f.exchange(t, body)
	wantStatus(t, "migration", r, http.StatusOK)
	if r.str(t, "access_token") == "" || r.str(t, "refresh_token") == "" {
		t.Fatalf("migration body %q lacks tokens", r.raw)
	}
	// The legacy token stays usable while it is valid.
	wantStatus(t, "second migration", f.exchange(t, body), http.StatusOK)

	rt := f.exchange(t, codeGrant(f.fake.Authorize(merchantID, "ITEMS_READ", "ORDERS_READ", "PAYMENTS_READ"))).str(t, "refresh_token")
	narrow := refreshGrant(rt)
	narrow["scopes"] = []string{"PAYMENTS_READ", "ITEMS_READ", "CUSTOMERS_WRITE"}
	narrow["short_lived"] = true
	nr := f.exchange(t, narrow)
	wantStatus(t, "narrowed refresh", nr, http.StatusOK)
	if got, _ := nr.json(t)["short_lived"].(bool); !got {
		t.Errorf("short_lived got %v; want true", got)
	}
	exp := parseTime(t, "expires_at", nr.str(t, "expires_at"))
	if want := f.fake.Now().Add(24 * time.Hour); !near(exp, want) {
		t.Errorf("short-lived expires_at got %v; want about %v", exp, want)
	}
	st := f.status(t, nr.str(t, "access_token"))
	wantStatus(t, "status", st, http.StatusOK)
	if got, _ := json.Marshal(st.json(t)["scopes"]); string(got) != `["ITEMS_READ","PAYMENTS_READ"]` {
		t.Errorf("narrowed scopes got %s; want %s", got, `["ITEMS_READ","PAYMENTS_READ"]`)
	}
	wantNoViolations(t, f)
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		advance time.Duration
		run     func(f fixture, advance func()) reply
		status  int
		code    string
		detail  string
	}{
		{"code before 5 minutes", 4*time.Minute + 50*time.Second, func(f fixture, advance func()) reply {
			code := f.fake.Authorize(merchantID)
			advance()
			return f.exchange(t, codeGrant(code))
		}, 200, "", ""},
		{"code after 5 minutes", 5*time.Minute + time.Second, func(f fixture, advance func()) reply {
			code := f.fake.Authorize(merchantID)
			advance()
			return f.exchange(t, codeGrant(code))
		}, 400, "BAD_REQUEST", "expired"},
		{"access token after 30 days", 30*24*time.Hour + time.Second, func(f fixture, advance func()) reply {
			tok := f.exchange(t, codeGrant(f.fake.Authorize(merchantID))).str(t, "access_token")
			advance()
			return f.status(t, tok)
		}, 401, "UNAUTHORIZED", "expired"},
		{"short-lived token after 24 hours", 24*time.Hour + time.Second, func(f fixture, advance func()) reply {
			b := codeGrant(f.fake.Authorize(merchantID))
			b["short_lived"] = true
			tok := f.exchange(t, b).str(t, "access_token")
			advance()
			return f.status(t, tok)
		}, 401, "UNAUTHORIZED", "expired"},
		{"code-flow refresh token after a year", 365 * 24 * time.Hour, func(f fixture, advance func()) reply {
			rt := f.exchange(t, codeGrant(f.fake.Authorize(merchantID))).str(t, "refresh_token")
			advance()
			return f.exchange(t, refreshGrant(rt))
		}, 200, "", ""},
		{"PKCE refresh token after 90 days", 90*24*time.Hour + time.Second, func(f fixture, advance func()) reply {
			code := f.fake.AuthorizePKCE(merchantID, challenge("verifier-verifier-verifier-verifier-0001"))
			rt := f.exchange(t, map[string]any{"client_id": clientID, "code": code, "code_verifier": "verifier-verifier-verifier-verifier-0001", "grant_type": "authorization_code"}).str(t, "refresh_token")
			advance()
			return f.exchange(t, map[string]any{"client_id": clientID, "refresh_token": rt, "grant_type": "refresh_token"})
		}, 400, "BAD_REQUEST", "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			before := f.fake.Now()
			r := tt.run(f, func() { f.fake.Advance(tt.advance) })
			if got := f.fake.Now().Sub(before); got < tt.advance {
				t.Errorf("clock moved %v; want at least %v", got, tt.advance)
			}
			if tt.code == "" {
				wantStatus(t, tt.name, r, tt.status)
			} else {
				wantStatus(t, tt.name, r, tt.status)
				e := r.firstError(t)
				if got, _ := e["code"].(string); got != tt.code {
					t.Errorf("code got %q; want %q", got, tt.code)
				}
				if got, _ := e["detail"].(string); !strings.Contains(got, tt.detail) {
					t.Errorf("detail got %q; want it to contain %q", got, tt.detail)
				}
			}
			wantNoViolations(t, f)
		})
	}
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	type tokens struct{ access, access2, refresh string }
	tests := []struct {
		name      string
		auth      string
		body      func(tk tokens) map[string]any
		status    int
		code      string
		field     string
		liveAfter func(tk tokens) []string // access tokens that must still work
		deadAfter func(tk tokens) []string
		refreshOK bool
		exact     string // the whole answer, for a legacy-shaped one
	}{
		{
			name: "by access token revokes everything",
			body: func(tk tokens) map[string]any {
				return map[string]any{"client_id": clientID, "access_token": tk.access}
			},
			status:    200,
			deadAfter: func(tk tokens) []string { return []string{tk.access, tk.access2} },
		},
		{
			name: "revoke_only_access_token keeps the rest",
			body: func(tk tokens) map[string]any {
				return map[string]any{"client_id": clientID, "access_token": tk.access, "revoke_only_access_token": true}
			},
			status:    200,
			deadAfter: func(tk tokens) []string { return []string{tk.access} },
			liveAfter: func(tk tokens) []string { return []string{tk.access2} },
			refreshOK: true,
		},
		{
			name:      "by merchant",
			body:      func(tokens) map[string]any { return map[string]any{"client_id": clientID, "merchant_id": merchantID} },
			status:    200,
			deadAfter: func(tk tokens) []string { return []string{tk.access, tk.access2} },
		},
		{
			name: "unknown access token",
			body: func(tokens) map[string]any {
				return map[string]any{"client_id": clientID, "access_token": "EAAAnever-issued"}
			},
			status:    400,
			code:      "NOT_FOUND",
			field:     "access_token",
			liveAfter: func(tk tokens) []string { return []string{tk.access, tk.access2} },
			refreshOK: true,
		},
		{
			name: "wrong secret",
			auth: "Client sq0csp-not-the-secret",
			body: func(tk tokens) map[string]any {
				return map[string]any{"client_id": clientID, "access_token": tk.access}
			},
			status:    401,
			exact:     `{"message":"Not Authorized","type":"service.not_authorized"}`,
			liveAfter: func(tk tokens) []string { return []string{tk.access, tk.access2} },
			refreshOK: true,
		},
		{
			name: "wrong client_id",
			body: func(tk tokens) map[string]any {
				return map[string]any{"client_id": "sq0idp-other", "access_token": tk.access}
			},
			status: 401, code: "UNAUTHORIZED", field: "client_id",
			refreshOK: true,
		},
		{
			name: "both access_token and merchant_id",
			body: func(tk tokens) map[string]any {
				return map[string]any{"client_id": clientID, "access_token": tk.access, "merchant_id": merchantID}
			},
			status: 400, code: "CONFLICTING_PARAMETERS", field: "merchant_id",
			refreshOK: true,
		},
		{
			name:   "neither access_token nor merchant_id",
			body:   func(tokens) map[string]any { return map[string]any{"client_id": clientID} },
			status: 400, code: "MISSING_REQUIRED_PARAMETER", field: "access_token",
			refreshOK: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			first := f.exchange(t, codeGrant(f.fake.Authorize(merchantID)))
			tk := tokens{access: first.str(t, "access_token"), refresh: first.str(t, "refresh_token")}
			tk.access2 = f.exchange(t, refreshGrant(tk.refresh)).str(t, "access_token")

			auth := tt.auth
			if auth == "" {
				auth = "Client " + secret
			}
			r := f.call(t, "/oauth2/revoke", auth, tt.body(tk))
			switch {
			case tt.exact != "":
				wantStatus(t, "revoke", r, tt.status)
				if string(r.raw) != tt.exact {
					t.Errorf("revoke: body got %s; want %s", r.raw, tt.exact)
				}
			case tt.code == "":
				wantStatus(t, "revoke", r, tt.status)
			default:
				wantError(t, "revoke", r, tt.status, tt.code, tt.field)
			}
			wantNoLeak(t, "revoke", r, tk.access, tk.refresh, "sq0csp-not-the-secret")
			if tt.deadAfter != nil {
				for _, tok := range tt.deadAfter(tk) {
					wantError(t, "status of revoked token", f.status(t, tok), 401, "UNAUTHORIZED", "")
				}
			}
			if tt.liveAfter != nil {
				for _, tok := range tt.liveAfter(tk) {
					wantStatus(t, "status of live token", f.status(t, tok), 200)
				}
			}
			rr := f.exchange(t, refreshGrant(tk.refresh))
			if got := rr.status == 200; got != tt.refreshOK {
				t.Errorf("refresh after revoke succeeded = %v; want %v (body %q)", got, tt.refreshOK, rr.raw)
			}
			wantNoViolations(t, f)
		})
	}
}

func TestLegacyErrors(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.fake.SetLegacyErrors(true)
	b := codeGrant(f.fake.Authorize(merchantID))
	b["client_secret"] = "sq0csp-not-the-secret"
	r := f.exchange(t, b)
	wantStatus(t, "legacy error", r, http.StatusUnauthorized)
	m := r.json(t)
	if _, ok := m["errors"]; ok {
		t.Errorf("legacy body %q has an errors array", r.raw)
	}
	for key, want := range map[string]string{"type": "unauthorized", "field": "client_secret"} {
		if got := r.str(t, key); got != want {
			t.Errorf("legacy %s got %q; want %q", key, got, want)
		}
	}
	if r.str(t, "message") == "" {
		t.Errorf("legacy body %q has no message", r.raw)
	}
	wantNoLeak(t, "legacy error", r, "sq0csp-not-the-secret")

	st := f.status(t, "EAAAunknown-token-0001")
	wantStatus(t, "legacy status error", st, http.StatusUnauthorized)
	if got := st.str(t, "type"); got != "unauthorized" {
		t.Errorf("legacy status type got %q; want %q", got, "unauthorized")
	}

	f.fake.SetLegacyErrors(false)
	wantError(t, "back to v2", f.status(t, "EAAAunknown-token-0001"), 401, "UNAUTHORIZED", "")
	wantNoViolations(t, f)
}

// TestHeaderRules checks the rules kin-openapi and the fake's own checks
// enforce: each broken request is answered with an error and recorded.
func TestHeaderRules(t *testing.T) {
	t.Parallel()
	setH := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	delH := func(k string) func(*http.Request) { return func(r *http.Request) { r.Header.Del(k) } }
	tests := []struct {
		name      string
		path      string
		auth      string
		body      any
		edit      func(*http.Request)
		status    int
		code      string // v2 code; "" for the legacy bad-authorization body
		violation string
	}{
		{"Authorization on token", "/oauth2/token", "Bearer EAAAsome-token", nil, nil,
			400, "BAD_REQUEST", "Authorization header sent to ObtainToken"},
		{"Bearer on revoke", "/oauth2/revoke", "Bearer " + secret, nil, nil,
			400, "", "bad authorization header"},
		{"bare secret on revoke", "/oauth2/revoke", secret, nil, nil,
			400, "", "bad authorization header"},
		{"no Authorization on revoke", "/oauth2/revoke", "", nil, nil,
			400, "", "bad authorization header"},
		{"no Authorization on status", "/oauth2/token/status", "", nil, nil,
			401, "UNAUTHORIZED", `must be "Bearer ACCESS_TOKEN"`},
		{"Client on status", "/oauth2/token/status", "Client " + secret, nil, nil,
			401, "UNAUTHORIZED", `must be "Bearer ACCESS_TOKEN"`},
		{"missing Square-Version", "/oauth2/token", "", nil, delH("Square-Version"),
			400, "BAD_REQUEST", "Square-Version header missing"},
		{"two Square-Version headers", "/oauth2/token", "", nil, func(r *http.Request) { r.Header.Add("Square-Version", "2025-08-20") },
			400, "BAD_REQUEST", "2 Square-Version headers"},
		{"empty Bearer token", "/oauth2/token/status", "Bearer ", nil, nil,
			401, "UNAUTHORIZED", `must be "Bearer ACCESS_TOKEN"`},
		{"two Authorization headers on status", "/oauth2/token/status", "Bearer EAAAsome-token",
			nil, func(r *http.Request) { r.Header.Add("Authorization", "Bearer EAAAsome-token") },
			401, "UNAUTHORIZED", `must be "Bearer ACCESS_TOKEN"`},
		{"malformed Square-Version", "/oauth2/token", "", nil, setH("Square-Version", "2025-13-45"),
			400, "INVALID_SQUARE_VERSION_FORMAT", "not a YYYY-MM-DD date"},
		{"Accept without JSON", "/oauth2/token/status", "Bearer EAAAsome-token", nil, setH("Accept", "text/html, */*"),
			400, "BAD_REQUEST", "does not include application/json"},
		{"no User-Agent", "/oauth2/token", "", nil, setH("User-Agent", ""),
			400, "BAD_REQUEST", "User-Agent header missing"},
		{"wrong Content-Type", "/oauth2/token", "", nil, setH("Content-Type", "text/plain"),
			400, "INVALID_CONTENT_TYPE", "Content-Type"},
		{"body on status", "/oauth2/token/status", "Bearer EAAAsome-token", []byte(`{"x":1}`), nil,
			400, "BAD_REQUEST", "this endpoint takes no request body"},
		{"unknown path", "/oauth2/nowhere", "", nil, nil,
			404, "NOT_FOUND", "no operation in the spec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			body := tt.body
			if body == nil && tt.path != "/oauth2/token/status" {
				body = map[string]any{"client_id": clientID, "client_secret": secret, "grant_type": "refresh_token", "refresh_token": "EQAAsome-refresh"}
				if tt.path == "/oauth2/revoke" {
					body = map[string]any{"client_id": clientID, "access_token": "EAAAsome-token"}
				}
			}
			var edits []func(*http.Request)
			if tt.edit != nil {
				edits = append(edits, tt.edit)
			}
			r := f.call(t, tt.path, tt.auth, body, edits...)
			if tt.code == "" {
				wantStatus(t, tt.name, r, tt.status)
				for key, want := range map[string]string{"message": "bad authorization header", "type": "bad_request.invalid_parameter"} {
					if got := r.str(t, key); got != want {
						t.Errorf("%s got %q; want %q", key, got, want)
					}
				}
			} else {
				wantError(t, tt.name, r, tt.status, tt.code, "")
			}
			wantNoLeak(t, tt.name, r, "EAAAsome-token", "EQAAsome-refresh")
			v := f.fake.Violations()
			if len(v) == 0 || !slices.ContainsFunc(v, func(s string) bool { return strings.Contains(s, tt.violation) }) {
				t.Errorf("violations got %q; want one containing %q", v, tt.violation)
			}
			for _, s := range v {
				if strings.Contains(s, secret) {
					t.Errorf("violation %q quotes a credential from a header", s)
				}
			}
		})
	}
}

// TestRequestRules covers rules of the fake that no other test breaks:
// each request is refused with the field at fault.
func TestRequestRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		path   string
		auth   string
		body   func(f fixture) map[string]any
		status int
		code   string
		field  string
	}{
		{"refresh for another application", "/oauth2/token", "", func(f fixture) map[string]any {
			b := refreshGrant(f.exchange(t, codeGrant(f.fake.Authorize(merchantID))).str(t, "refresh_token"))
			b["client_id"] = "sq0idp-someone-else"
			return b
		}, 401, "UNAUTHORIZED", "client_id"},
		{"migration for another application", "/oauth2/token", "", func(f fixture) map[string]any {
			return map[string]any{"client_id": "sq0idp-someone-else", "client_secret": secret,
				"grant_type": "migration_token", "migration_token": f.fake.IssueLegacyToken(merchantID)}
		}, 401, "UNAUTHORIZED", "client_id"},
		{"revoke without client_id", "/oauth2/revoke", "Client " + secret, func(fixture) map[string]any {
			return map[string]any{"merchant_id": merchantID}
		}, 400, "MISSING_REQUIRED_PARAMETER", "client_id"},
		{"revoke a merchant's access token only", "/oauth2/revoke", "Client " + secret, func(fixture) map[string]any {
			return map[string]any{"client_id": clientID, "merchant_id": merchantID, "revoke_only_access_token": true}
		}, 400, "CONFLICTING_PARAMETERS", "revoke_only_access_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			wantError(t, tt.name, f.call(t, tt.path, tt.auth, tt.body(f)), tt.status, tt.code, tt.field)
		})
	}
}

// TestLenientHeaders: with the SDK's own rules off, a request is judged by
// Square's documented rules only, and a malformed Square-Version still fails.
func TestLenientHeaders(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.fake.SetStrictHeaders(false)
	bare := func(r *http.Request) {
		r.Header.Del("Square-Version")
		r.Header.Set("Accept", "*/*")
		r.Header.Set("User-Agent", "")
	}
	r := f.call(t, "/oauth2/token", "Bearer EAAAsome-token", codeGrant(f.fake.Authorize(merchantID)), bare)
	wantStatus(t, "a request Square accepts", r, http.StatusOK)
	wantNoViolations(t, f)

	r = f.call(t, "/oauth2/token", "", codeGrant(f.fake.Authorize(merchantID)),
		func(r *http.Request) { r.Header.Set("Square-Version", "2025-13-45") })
	wantError(t, "malformed Square-Version", r, http.StatusBadRequest, "INVALID_SQUARE_VERSION_FORMAT", "")
	if v := f.fake.Violations(); len(v) != 1 {
		t.Errorf("violations got %q; want the malformed Square-Version", v)
	}
}

func TestWrongMethod(t *testing.T) {
	t.Parallel()
	f := setup(t)
	req, _ := http.NewRequest(http.MethodGet, f.url+"/oauth2/token", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantError(t, "GET", reply{resp.StatusCode, resp.Header, raw}, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "")
	if got := f.fake.Hits("/oauth2/token"); got != 1 {
		t.Errorf("Hits got %d; want 1", got)
	}
	if v := f.fake.Violations(); len(v) != 1 || !strings.Contains(v[0], "method not allowed") {
		t.Errorf("violations got %q; want one about the method", v)
	}
}

// TestSchemaViolations sends bodies that break openapi.yaml. The answer names
// the field and the rule but never the value sent.
func TestSchemaViolations(t *testing.T) {
	t.Parallel()
	long := "LONGCLIENTID" + strings.Repeat("A", 188) // 200 characters
	longRefresh := "EQAA" + strings.Repeat("R", 1100)
	tests := []struct {
		name      string
		body      any
		code      string
		field     string
		value     string // must not be echoed
		violation string
	}{
		{"client_id of 200 characters", map[string]any{"client_id": long, "grant_type": "authorization_code", "code": "sq0cgb-x"},
			"VALUE_TOO_LONG", "client_id", long, "maximum string length is 191"},
		{"refresh_token too long", map[string]any{"client_id": clientID, "grant_type": "refresh_token", "refresh_token": longRefresh},
			"VALUE_TOO_LONG", "refresh_token", longRefresh, "maximum string length is 1024"},
		{"unknown grant_type", map[string]any{"client_id": clientID, "grant_type": "password-grant"},
			"INVALID_ENUM_VALUE", "grant_type", "password-grant", "allowed values"},
		{"missing grant_type", map[string]any{"client_id": clientID, "client_secret": "sq0csp-CANARY-beside-a-missing-field"},
			"MISSING_REQUIRED_PARAMETER", "grant_type", "sq0csp-CANARY-beside-a-missing-field", `property "grant_type" is missing`},
		{"short_lived not a boolean", map[string]any{"client_id": clientID, "grant_type": "refresh_token", "short_lived": "yes-please"},
			"EXPECTED_BOOLEAN", "short_lived", "yes-please", "value must be a boolean"},
		{"null client_id", map[string]any{"client_id": nil, "grant_type": "refresh_token", "client_secret": "sq0csp-CANARY-beside-a-null"},
			"EXPECTED_STRING", "client_id", "sq0csp-CANARY-beside-a-null", "not nullable"},
		{"not JSON", []byte(`{"client_id": "sq0csp-LEAKED-IN-BROKEN-JSON`),
			"EXPECTED_JSON_BODY", "", "sq0csp-LEAKED-IN-BROKEN-JSON", "request body is not valid JSON"},
		{"JSON array", []byte(`["sq0csp-IN-AN-ARRAY"]`),
			"EXPECTED_OBJECT", "", "sq0csp-IN-AN-ARRAY", "value must be an object"},
		{"no body", nil,
			"EXPECTED_JSON_BODY", "", "", "a JSON request body is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			r := f.call(t, "/oauth2/token", "", tt.body)
			wantError(t, tt.name, r, http.StatusBadRequest, tt.code, tt.field)
			wantNoLeak(t, tt.name, r, tt.value)
			v := f.fake.Violations()
			if len(v) != 1 || !strings.Contains(v[0], tt.violation) {
				t.Errorf("violations got %q; want one containing %q", v, tt.violation)
			}
			// squareoauthtest prints violations in users' test logs.
			if tt.value != "" && len(v) > 0 && strings.Contains(v[0], tt.value) {
				t.Errorf("violation %q quotes the request's value", v[0])
			}
		})
	}
}

// TestQueryStringIsAViolation: the spec declares no parameters, and a
// credential in a URL would reach logs; the violation does not quote it.
func TestQueryStringIsAViolation(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const token = "EAAA-CANARY-in-a-query-string"
	resp, err := http.Post(f.url+"/oauth2/token/status?access_token="+token, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	v := f.fake.Violations()
	if !slices.ContainsFunc(v, func(s string) bool { return strings.Contains(s, "query string") }) {
		t.Errorf("violations got %q; want one about the query string", v)
	}
	for _, s := range v {
		if strings.Contains(s, token) {
			t.Errorf("violation %q quotes the query", s)
		}
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	t.Run("HTML 502 keeps its Content-Type", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		html := []byte("<html><body>502 Bad Gateway</body></html>")
		f.fake.InjectFault("/oauth2/token", fakesquare.Fault{Status: 502, Header: http.Header{"Content-Type": {"text/html"}}, Body: html})
		r := f.exchange(t, codeGrant(f.fake.Authorize(merchantID)))
		if r.status != 502 || !bytes.Equal(r.raw, html) {
			t.Errorf("got %d %q; want 502 %q", r.status, r.raw, html)
		}
		if got := r.header.Get("Content-Type"); got != "text/html" {
			t.Errorf("Content-Type got %q; want %q", got, "text/html")
		}
		wantNoViolations(t, f)
	})
	t.Run("no Content-Type is not sniffed", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.fake.InjectFault("/oauth2/token/status", fakesquare.Fault{Status: 502, Body: []byte("<html>bad gateway</html>")})
		r := f.status(t, "EAAAwhatever")
		if got, ok := r.header["Content-Type"]; ok {
			t.Errorf("Content-Type got %q; want none", got)
		}
	})
	t.Run("queue is FIFO per path and then real answers resume", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.fake.InjectFault("/oauth2/token", fakesquare.Fault{Status: 503, Header: http.Header{"Retry-After": {"1"}}})
		f.fake.InjectFault("/oauth2/token", fakesquare.Fault{Status: 429, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"errors":[{"category":"RATE_LIMIT_ERROR","code":"RATE_LIMITED"}]}`)})
		code := f.fake.Authorize(merchantID)
		var got []int
		for range 3 {
			got = append(got, f.exchange(t, codeGrant(code)).status)
		}
		// A fault stands in for Square, so the faulted attempts did not spend the code.
		if want := []int{503, 429, 200}; !slices.Equal(got, want) {
			t.Errorf("statuses got %v; want %v", got, want)
		}
		if got := f.fake.Hits("/oauth2/token"); got != 3 {
			t.Errorf("Hits got %d; want 3", got)
		}
		if got := len(f.fake.Requests()); got != 3 {
			t.Errorf("Requests got %d; want 3", got)
		}
		wantNoViolations(t, f)
	})
	t.Run("AfterHandling lets Square act, then loses the answer", func(t *testing.T) {
		t.Parallel()
		for _, fault := range []fakesquare.Fault{{Status: 502}, {Drop: true}} {
			for _, after := range []bool{false, true} {
				f := setup(t)
				code := f.fake.Authorize(merchantID)
				fault.AfterHandling = after
				f.fake.InjectFault("/oauth2/token", fault)
				body, _ := json.Marshal(codeGrant(code))
				req, _ := http.NewRequest(http.MethodPost, f.url+"/oauth2/token", bytes.NewReader(body))
				req.Header = http.Header{"Square-Version": {version}, "Accept": {"application/json"}, "User-Agent": {"t"}, "Content-Type": {"application/json"}}
				resp, err := http.DefaultClient.Do(req)
				switch {
				case fault.Drop && err == nil:
					resp.Body.Close()
					t.Errorf("Drop, AfterHandling %v: got status %d; want the connection lost", after, resp.StatusCode)
				case !fault.Drop && err != nil:
					t.Fatal(err)
				case !fault.Drop:
					resp.Body.Close()
					if resp.StatusCode != 502 {
						t.Errorf("AfterHandling %v: got status %d; want the fault's 502", after, resp.StatusCode)
					}
				}
				again := f.exchange(t, codeGrant(code))
				if spent := again.status != http.StatusOK; spent != after {
					t.Errorf("%+v: the code spent = %v (%d %s); want %v", fault, spent, again.status, again.raw, after)
				}
			}
		}
	})
	t.Run("faulted requests are still validated", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.fake.InjectFault("/oauth2/token", fakesquare.Fault{Status: 500})
		r := f.call(t, "/oauth2/token", "Bearer EAAAleak", codeGrant("sq0cgb-x"))
		if r.status != 500 {
			t.Errorf("status got %d; want 500", r.status)
		}
		if v := f.fake.Violations(); len(v) != 1 {
			t.Errorf("violations got %q; want one", v)
		}
	})
	t.Run("Delay honours the client's context", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.fake.InjectFault("/oauth2/token", fakesquare.Fault{Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.url+"/oauth2/token", nil)
		start := time.Now()
		_, err := http.DefaultClient.Do(req)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error got %v; want %v", err, context.DeadlineExceeded)
		}
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("took %v; want the client's 50ms timeout", el)
		}

		// The handler itself stops when its request's context ends.
		f.fake.InjectFault("/oauth2/token", fakesquare.Fault{Delay: time.Minute})
		hctx, hcancel := context.WithCancel(context.Background())
		returned := make(chan struct{})
		go func() {
			f.fake.ServeHTTP(httptest.NewRecorder(), httptest.NewRequestWithContext(hctx, http.MethodPost, "/oauth2/token", nil))
			close(returned)
		}()
		time.Sleep(20 * time.Millisecond)
		hcancel()
		select {
		case <-returned:
		case <-time.After(5 * time.Second):
			t.Errorf("the handler kept sleeping after its client left")
		}
	})
	t.Run("Delay then answer", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		f.fake.InjectFault("/oauth2/token", fakesquare.Fault{Delay: 30 * time.Millisecond, Status: 504})
		start := time.Now()
		r := f.exchange(t, codeGrant(f.fake.Authorize(merchantID)))
		if r.status != 504 || time.Since(start) < 30*time.Millisecond {
			t.Errorf("got %d after %v; want 504 after at least 30ms", r.status, time.Since(start))
		}
	})
	t.Run("BodySize streams a huge body", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		const size = 8 << 20
		f.fake.InjectFault("/oauth2/token", fakesquare.Fault{Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"access_token":"`), BodySize: size})
		body, _ := json.Marshal(codeGrant(f.fake.Authorize(merchantID)))
		req, _ := http.NewRequest(http.MethodPost, f.url+"/oauth2/token", bytes.NewReader(body))
		req.Header = http.Header{"Square-Version": {version}, "Accept": {"application/json"}, "User-Agent": {"t"}, "Content-Type": {"application/json"}}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(len(`{"access_token":"`)) + size; n != want {
			t.Errorf("body length got %d; want %d", n, want)
		}
		// A client that stops reading early must not wedge the server.
		f.fake.InjectFault("/oauth2/token", fakesquare.Fault{BodySize: 1 << 30})
		req2, _ := http.NewRequest(http.MethodPost, f.url+"/oauth2/token", bytes.NewReader(body))
		req2.Header = req.Header
		resp2, err := http.DefaultClient.Do(req2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(io.Discard, resp2.Body, 1<<20); err != nil {
			t.Fatal(err)
		}
		resp2.Body.Close()
	})
}

func TestRequestsAreRecordedCopies(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.status(t, "EAAArecorded")
	reqs := f.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("Requests got %d; want 1", len(reqs))
	}
	got := reqs[0]
	if got.Method != http.MethodPost || got.Path != "/oauth2/token/status" || got.Header.Get("Authorization") != "Bearer EAAArecorded" || len(got.Body) != 0 {
		t.Errorf("request got %s %q %q %q; want POST /oauth2/token/status with the bearer and no body", got.Method, got.Path, got.Header.Get("Authorization"), got.Body)
	}
	got.Header.Set("Authorization", "changed")
	if again := f.fake.Requests()[0].Header.Get("Authorization"); again != "Bearer EAAArecorded" {
		t.Errorf("recorded header got %q after editing a copy; want %q", again, "Bearer EAAArecorded")
	}
	if got := f.fake.Hits("/oauth2/token"); got != 0 {
		t.Errorf("Hits(/oauth2/token) got %d; want 0", got)
	}
	if got := f.fake.App(); got != (fakesquare.App{ClientID: clientID, ClientSecret: secret}) {
		t.Errorf("App got %+v; want the registered one", got)
	}
}

func TestNewRejectsEmptyApp(t *testing.T) {
	t.Parallel()
	for _, app := range []fakesquare.App{{}, {ClientID: clientID}, {ClientSecret: secret}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%+v) did not panic", app)
				}
			}()
			fakesquare.New(app)
		}()
	}
}

// TestConcurrentTraffic is for the race detector: many clients at once on one
// fake, every flow interleaved.
func TestConcurrentTraffic(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			r := f.exchange(t, codeGrant(f.fake.Authorize(merchantID)))
			if r.status != 200 {
				t.Errorf("exchange %d: status got %d; want 200", i, r.status)
				return
			}
			// Another goroutine's injected 503 may land on this call.
			if st := f.status(t, r.str(t, "access_token")); st.status != 200 && st.status != 503 {
				t.Errorf("status %d: got %d; want 200 or 503", i, st.status)
			}
			f.exchange(t, refreshGrant(r.str(t, "refresh_token")))
			if i%4 == 0 {
				f.fake.Advance(time.Second)
				f.fake.InjectFault("/oauth2/token/status", fakesquare.Fault{Status: 503})
				f.status(t, r.str(t, "access_token"))
			}
			_ = f.fake.Requests()
			_ = f.fake.Violations()
		})
	}
	wg.Wait()
	f.revoke(t, map[string]any{"client_id": clientID, "merchant_id": merchantID})
	wantNoViolations(t, f)
}

// TestInvalidAnswerIsA500 checks the oracle guards itself: an answer that
// breaks openapi.yaml (merchant_id shorter than its minLength of 8) is never
// sent; the client gets a 500 and the fake records the bug.
func TestInvalidAnswerIsA500(t *testing.T) {
	t.Parallel()
	for _, legacy := range []bool{false, true} {
		f := setup(t)
		f.fake.SetLegacyErrors(legacy)
		r := f.exchange(t, codeGrant(f.fake.Authorize("M1")))
		wantStatus(t, "exchange", r, http.StatusInternalServerError)
		if bytes.Contains(r.raw, []byte("access_token")) {
			t.Errorf("legacy=%v: body %q carries the invalid answer", legacy, r.raw)
		}
		if legacy {
			if got := r.str(t, "type"); got != "internal_server_error" {
				t.Errorf("legacy type got %q; want %q", got, "internal_server_error")
			}
		} else if got, _ := r.firstError(t)["category"].(string); got != "API_ERROR" {
			t.Errorf("category got %q; want %q", got, "API_ERROR")
		}
		v := f.fake.Violations()
		if len(v) != 1 || !strings.Contains(v[0], "response:") || !strings.Contains(v[0], "merchant_id") {
			t.Errorf("legacy=%v: violations got %q; want one about the response's merchant_id", legacy, v)
		}
	}
}

func TestLegacySchemaError(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.fake.SetLegacyErrors(true)
	r := f.exchange(t, map[string]any{"client_id": clientID})
	wantStatus(t, "legacy schema error", r, http.StatusBadRequest)
	for key, want := range map[string]string{"type": "bad_request.missing_parameter", "field": "grant_type"} {
		if got := r.str(t, key); got != want {
			t.Errorf("%s got %q; want %q", key, got, want)
		}
	}
}

// TestSellerActions covers what a seller does outside the API: disconnect
// the application (RevokeAll) and, standing in for time passing,
// ExpireAccessTokens. Another seller's tokens are never touched.
func TestSellerActions(t *testing.T) {
	t.Parallel()
	const other = "MLANOTHERSELLER2"
	tests := []struct {
		name        string
		act         func(f fixture)
		accessCode  string // "" when the seller's access tokens still work
		detail      string
		refreshOK   bool
		refreshWant string // detail of the failed refresh
	}{
		{"ExpireAccessTokens", func(f fixture) { f.fake.ExpireAccessTokens(merchantID) },
			"UNAUTHORIZED", "expired", true, ""},
		{"RevokeAll", func(f fixture) { f.fake.RevokeAll(merchantID) },
			"UNAUTHORIZED", "revoked", false, "revoked"},
		{"ExpireAccessTokens after RevokeAll keeps them revoked", func(f fixture) {
			f.fake.RevokeAll(merchantID)
			f.fake.ExpireAccessTokens(merchantID)
		}, "UNAUTHORIZED", "revoked", false, "revoked"},
		{"unknown seller changes nothing", func(f fixture) {
			f.fake.RevokeAll("MLNOBODYHERE01")
			f.fake.ExpireAccessTokens("MLNOBODYHERE01")
		}, "", "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			first := f.exchange(t, codeGrant(f.fake.Authorize(merchantID)))
			refresh := first.str(t, "refresh_token")
			second := f.exchange(t, refreshGrant(refresh))
			theirs := f.exchange(t, codeGrant(f.fake.Authorize(other))).str(t, "access_token")

			tt.act(f)

			for _, tok := range []string{first.str(t, "access_token"), second.str(t, "access_token")} {
				st := f.status(t, tok)
				if tt.accessCode == "" {
					wantStatus(t, "status", st, http.StatusOK)
					continue
				}
				wantError(t, "status", st, http.StatusUnauthorized, tt.accessCode, "")
				if got, _ := st.firstError(t)["detail"].(string); !strings.Contains(got, tt.detail) {
					t.Errorf("detail got %q; want it to contain %q", got, tt.detail)
				}
			}
			wantStatus(t, "other seller's status", f.status(t, theirs), http.StatusOK)

			rr := f.exchange(t, refreshGrant(refresh))
			if tt.refreshOK {
				wantStatus(t, "refresh", rr, http.StatusOK)
				wantStatus(t, "status of refreshed token", f.status(t, rr.str(t, "access_token")), http.StatusOK)
			} else {
				wantError(t, "refresh", rr, http.StatusBadRequest, "BAD_REQUEST", "refresh_token")
				if got, _ := rr.firstError(t)["detail"].(string); !strings.Contains(got, tt.refreshWant) {
					t.Errorf("refresh detail got %q; want it to contain %q", got, tt.refreshWant)
				}
				// The seller can connect again, with a new refresh token.
				again := f.exchange(t, codeGrant(f.fake.Authorize(merchantID)))
				wantStatus(t, "new consent", again, http.StatusOK)
				if got := again.str(t, "refresh_token"); got == refresh {
					t.Errorf("refresh_token after RevokeAll got the revoked %q", got)
				}
			}
			wantNoViolations(t, f)
		})
	}
}
