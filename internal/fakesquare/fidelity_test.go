package fakesquare_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// TestShortLivedHasNoRefreshToken follows Square's ObtainToken reference:
// with short_lived set, the endpoint "returns only an access token", for
// every grant.
func TestShortLivedHasNoRefreshToken(t *testing.T) {
	t.Parallel()
	const verifier = "verifier-verifier-verifier-verifier-short"
	pkceCode := func(f fixture) map[string]any {
		return map[string]any{"client_id": clientID, "grant_type": "authorization_code",
			"code": f.fake.AuthorizePKCE(merchantID, challenge(verifier)), "code_verifier": verifier}
	}
	tests := []struct {
		name string
		body func(f fixture) map[string]any
		// after checks what the refresh token presented (if any) can
		// still do.
		presented func(f fixture) string
		stillOK   bool
	}{
		{"code flow", func(f fixture) map[string]any { return codeGrant(f.fake.Authorize(merchantID)) }, nil, false},
		{"PKCE code", pkceCode, nil, false},
		{"migration", func(f fixture) map[string]any {
			return map[string]any{"client_id": clientID, "client_secret": secret, "grant_type": "migration_token",
				"migration_token": f.fake.IssueLegacyToken(merchantID)}
		}, nil, false},
		// A code-flow refresh token is multi-use: it stays valid, just not
		// repeated in a short-lived answer.
		{"code-flow refresh", nil, func(f fixture) string {
			return f.exchange(t, codeGrant(f.fake.Authorize(merchantID))).str(t, "refresh_token")
		}, true},
		// A PKCE refresh token is single-use: spent, with no successor.
		{"PKCE refresh", nil, func(f fixture) string {
			return f.exchange(t, pkceCode(f)).str(t, "refresh_token")
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			var body map[string]any
			var rt string
			if tt.presented != nil {
				rt = tt.presented(f)
				body = map[string]any{"client_id": clientID, "grant_type": "refresh_token", "refresh_token": rt}
				if tt.stillOK {
					body["client_secret"] = secret
				}
			} else {
				body = tt.body(f)
			}
			body["short_lived"] = true
			r := f.exchange(t, body)
			wantStatus(t, "short-lived exchange", r, http.StatusOK)
			m := r.json(t)
			for _, key := range []string{"refresh_token", "refresh_token_expires_at"} {
				if v, ok := m[key]; ok {
					t.Errorf("%s got %v; want none in a short-lived answer", key, v)
				}
			}
			if got, _ := m["short_lived"].(bool); !got || r.str(t, "access_token") == "" {
				t.Errorf("answer %s; want a short-lived access token", r.raw)
			}
			wantStatus(t, "status", f.status(t, r.str(t, "access_token")), http.StatusOK)
			if rt != "" {
				again := map[string]any{"client_id": clientID, "grant_type": "refresh_token", "refresh_token": rt}
				if tt.stillOK {
					again["client_secret"] = secret
				}
				if got := f.exchange(t, again).status == http.StatusOK; got != tt.stillOK {
					t.Errorf("refresh token usable after the short-lived refresh = %v; want %v", got, tt.stillOK)
				}
			}
			wantNoViolations(t, f)
		})
	}
}

// TestCloseEndsDelays: a delayed answer whose client has not gone away
// (a refresh detached from its caller, say) must not keep the HTTP server's
// Close waiting for the Delay. The Delay is an hour, so a Close that
// returns at all returned because of fake.Close.
func TestCloseEndsDelays(t *testing.T) {
	t.Parallel()
	fake := fakesquare.New(fakesquare.App{ClientID: clientID, ClientSecret: secret})
	srv := httptest.NewServer(fake)
	for _, path := range []string{"/oauth2/token", "/oauth2/authorize"} {
		fake.InjectFault(path, fakesquare.Fault{Delay: time.Hour, Status: http.StatusOK})
	}
	f := fixture{fake: fake, url: srv.URL}

	// Clients with no deadline of their own, as a detached refresh's.
	answered := make(chan error, 2)
	go func() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, f.url+"/oauth2/token", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	go func() {
		resp, err := http.Get(f.url + "/oauth2/authorize")
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	for fake.Hits("/oauth2/token") == 0 || fake.Hits("/oauth2/authorize") == 0 {
		time.Sleep(time.Millisecond) // until both requests wait in their Delay
	}

	closed := make(chan struct{})
	go func() {
		fake.Close()
		srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(time.Minute): // far beyond an instant Close, far short of the hour
		t.Fatal("closing the server still waits for a delayed answer")
	}
	for range 2 {
		if err := <-answered; err == nil {
			t.Error("a delayed request got an answer; want its connection reset by Close")
		}
	}
}

// sdkRequest sends body exactly as one of Square's official SDKs shapes its
// requests: its own Square-Version, Accept */*, Content-Type
// application/json even on the bodiless status call, and the Authorization
// the SDK adds (a Bearer token on every call, ObtainToken included, unless
// the caller overrides it as RevokeToken needs).
func (f fixture) sdkRequest(t *testing.T, sdk sdkShape, path, auth, body string) reply {
	t.Helper()
	return f.call(t, path, auth, []byte(body), func(r *http.Request) {
		r.Header.Del("User-Agent")
		for k, v := range sdk.header {
			r.Header[k] = v
		}
		if body == "" {
			r.Body, r.ContentLength = http.NoBody, 0
		}
	})
}

// sdkShape is the headers one of Square's official SDKs sends.
type sdkShape struct {
	name   string
	header http.Header
}

var officialSDKs = []sdkShape{
	// square-nodejs-sdk (Fern): fetch's default Accept.
	{"node", http.Header{"Square-Version": {"2025-10-16"}, "Accept": {"*/*"}, "Content-Type": {"application/json"},
		"User-Agent": {"square/43.1.0"}, "X-Fern-Language": {"JavaScript"}}},
	// square-go-sdk v3 (Fern).
	{"go", http.Header{"Square-Version": {"2026-05-20"}, "Accept": {"*/*"}, "Content-Type": {"application/json"},
		"User-Agent": {"github.com/square/square-go-sdk/v3.1.0"}, "X-Fern-Language": {"Go"}}},
}

// TestOfficialSDKRequests sends what Square's official SDKs send, explicit
// JSON nulls included: Square's published spec marks the optional request
// fields nullable, the Node SDK sends a field set to null as null, and the
// Go SDK sends null for SetRedirectURI(nil) or SetScopes(nil). Square's
// documented rules accept all of it, so the fake (with its strict header
// rules off, as squareoauthtest runs it) must too.
func TestOfficialSDKRequests(t *testing.T) {
	t.Parallel()
	for _, sdk := range officialSDKs {
		t.Run(sdk.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.fake.SetStrictHeaders(false)
			const bearer = "Bearer EAAA-the-sdk-clients-own-token"

			code := f.fake.Authorize(merchantID)
			r := f.sdkRequest(t, sdk, "/oauth2/token", bearer, `{"client_id":"`+clientID+`","client_secret":"`+secret+
				`","code":"`+code+`","grant_type":"authorization_code","redirect_uri":null,"scopes":null,"short_lived":null,`+
				`"refresh_token":null,"migration_token":null,"code_verifier":null}`)
			wantStatus(t, "ObtainToken", r, http.StatusOK)
			access, refresh := r.str(t, "access_token"), r.str(t, "refresh_token")

			r = f.sdkRequest(t, sdk, "/oauth2/token", bearer, `{"client_id":"`+clientID+`","client_secret":"`+secret+
				`","grant_type":"refresh_token","refresh_token":"`+refresh+`","scopes":null,"redirect_uri":null,"code":null}`)
			wantStatus(t, "refresh", r, http.StatusOK)

			wantStatus(t, "RetrieveTokenStatus", f.sdkRequest(t, sdk, "/oauth2/token/status", "Bearer "+access, ""), http.StatusOK)

			r = f.sdkRequest(t, sdk, "/oauth2/revoke", "Client "+secret, `{"client_id":"`+clientID+`","access_token":"`+access+
				`","merchant_id":null,"revoke_only_access_token":null}`)
			wantStatus(t, "RevokeToken", r, http.StatusOK)
			wantNoViolations(t, f)
		})
	}
}

// TestNullsSquareRefuses keeps the strictness for what Square's spec does
// not allow: null for a required field.
func TestNullsSquareRefuses(t *testing.T) {
	t.Parallel()
	for _, field := range []string{"client_id", "grant_type"} {
		f := setup(t)
		body := map[string]any{"client_id": clientID, "grant_type": "refresh_token", "refresh_token": "EQAA-some-token"}
		body[field] = nil
		r := f.exchange(t, body)
		if r.status != http.StatusBadRequest || r.firstError(t)["field"] != field {
			t.Errorf("%s null: got %d %s; want 400 naming %s", field, r.status, r.raw, field)
		}
	}
}
