package squareoauth_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
)

// TestObtainTokenResponseTokenTimeForms: the spec promises only "ISO 8601"
// for expires_at; the forms Square could plausibly send are read.
func TestObtainTokenResponseTokenTimeForms(t *testing.T) {
	t.Parallel()
	want := time.Date(2025, 4, 3, 18, 31, 6, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Time
	}{
		{"2025-04-03T18:31:06Z", want},
		{"2025-04-03T18:31:06.123Z", want.Add(123 * time.Millisecond)},
		{"2025-04-03T18:31:06.123456789Z", want.Add(123456789)},
		{"2025-04-03T11:31:06-07:00", want},
		{"2025-04-03T18:31:06+0000", want},
		{"2025-04-03T20:31:06.5+0200", want.Add(500 * time.Millisecond)},
		{"2025-04-03T18:31:06+00", want},
		{"2025-04-03T18:31:06", want},                    // no zone: UTC
		{"2025-04-03T18:31", want.Add(-6 * time.Second)}, // Connect v1's form
	} {
		resp := squareoauth.ObtainTokenResponse{AccessToken: "EAAA-a", ExpiresAt: tt.in, RefreshTokenExpiresAt: tt.in}
		tok, err := resp.Token()
		if err != nil {
			t.Errorf("Token() with %q: %v", tt.in, err)
			continue
		}
		if !tok.ExpiresAt.Equal(tt.want) || !tok.RefreshTokenExpiresAt.Equal(tt.want) {
			t.Errorf("Token() with %q: expires %v, refresh token expires %v; want %v", tt.in, tok.ExpiresAt, tok.RefreshTokenExpiresAt, tt.want)
		}
	}
	for _, bad := range []squareoauth.ObtainTokenResponse{
		{ExpiresAt: "2025-04-03T18:31:06Z"}, // no access token
		{AccessToken: "EAAA-a", ExpiresAt: "2025-04-03"},
		{AccessToken: "EAAA-a", ExpiresAt: "1743705066"},
	} {
		_, err := bad.Token()
		if err == nil {
			t.Errorf("Token() of %+v: got no error", bad)
		} else if bad.ExpiresAt != "" && strings.Contains(err.Error(), bad.ExpiresAt) {
			t.Errorf("error %q quotes the server's value", err)
		}
	}
}

// callMany asks ts for a token n times from 10 goroutines and returns
// every answer.
func callMany(t *testing.T, ts *squareoauth.TokenSource, n int) ([]squareoauth.Token, []error) {
	t.Helper()
	toks, errs := make([]squareoauth.Token, n), make([]error, n)
	var wg sync.WaitGroup
	for g := range 10 {
		wg.Go(func() {
			for i := g; i < n; i += 10 {
				toks[i], errs[i] = ts.TokenContext(t.Context())
			}
		})
	}
	wg.Wait()
	return toks, errs
}

// TestTokenSourceUnusableAnswerBacksOff: a 2xx refresh answer that cannot
// be dated, or that is already expired, is a passing failure: while the
// current token works, many calls send one refresh and all get the
// current token.
func TestTokenSourceUnusableAnswerBacksOff(t *testing.T) {
	t.Parallel()
	for name, expiresAt := range map[string]string{
		"undatable":       "next tuesday",
		"already expired": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			current := f.token(t, time.Hour) // due: the default margin is 23 days
			ts := f.client.TokenSource(current)
			f.fake.InjectFault(tokenPath, fakesquare.Fault{Header: jsonHeader(), Body: []byte(
				`{"access_token":"EAAA-undatable-access-0004","expires_at":"` + expiresAt + `",` +
					`"merchant_id":"` + testMerchantID + `","token_type":"bearer"}`)})
			before := f.fake.Hits(tokenPath)
			toks, errs := callMany(t, ts, 200)
			for i := range toks {
				if errs[i] != nil || toks[i].AccessToken != current.AccessToken {
					t.Fatalf("call %d: %v, %v; want the current token", i, toks[i], errs[i])
				}
			}
			if n := f.fake.Hits(tokenPath) - before; n != 1 {
				t.Errorf("refresh requests: got %d; want 1, then a pause", n)
			}
		})
	}
}

// TestTokenSourceKeepsRefreshTokenOfUnusableAnswer: a 2xx answer with a
// new refresh token and no access token fails, but the new refresh token
// (Square spent the old PKCE one) is stored and sent next time.
func TestTokenSourceKeepsRefreshTokenOfUnusableAnswer(t *testing.T) {
	t.Parallel()
	const rotated = "EQAA-rotated-refresh-token-0005"
	for name, left := range map[string]time.Duration{"expired": -time.Minute, "still valid": time.Hour} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			current := f.pkceToken(t, left)
			var mu sync.Mutex
			var stored []squareoauth.Token
			ts := f.client.TokenSource(current, squareoauth.OnRefresh(func(_ context.Context, tok squareoauth.Token) error {
				mu.Lock()
				defer mu.Unlock()
				stored = append(stored, tok)
				return nil
			}))
			f.fake.InjectFault(tokenPath, fakesquare.Fault{Header: jsonHeader(), Body: []byte(
				`{"refresh_token":"` + rotated + `","refresh_token_expires_at":"2099-01-01T00:00:00Z","token_type":"bearer"}`)})
			got, err := ts.TokenContext(t.Context())
			var re *squareoauth.RefreshError
			switch {
			case errors.As(err, &re):
				t.Fatalf("got %v; want a passing failure", err)
			case left > 0 && (err != nil || got.AccessToken != current.AccessToken || got.RefreshToken != rotated):
				t.Fatalf("got %v, %v; want the current access token with the new refresh token", got, err)
			case left < 0 && err == nil:
				t.Fatalf("got %v; want an error: the access token has expired", got)
			}
			mu.Lock()
			if len(stored) != 1 || stored[0].RefreshToken != rotated || stored[0].AccessToken != current.AccessToken ||
				!stored[0].RefreshTokenExpiresAt.Equal(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("OnRefresh got %v; want the current token with the new refresh token and its expiry", stored)
			}
			mu.Unlock()
			if left < 0 {
				_, _ = ts.TokenContext(t.Context()) // the fake does not know the rotated token
				if body := string(f.lastRequest(t).Body); !strings.Contains(body, `"refresh_token":"`+rotated+`"`) {
					t.Errorf("the next refresh sent %s; want the new refresh token", body)
				}
			}
		})
	}
}

// TestTokenSourceTellsSquareFromGateways: only a 4xx carrying Square's own
// error shape (category and code, or the legacy message and type) ends the
// authorization; what a gateway or proxy says in front of Square passes,
// and the current token is handed out meanwhile.
func TestTokenSourceTellsSquareFromGateways(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		status int
		body   string
		square bool
	}{
		{"API gateway JSON 403", 403, `{"message":"Forbidden"}`, false},
		{"proxy JSON 401", 401, `{"message":"Unauthorized"}`, false},
		{"type alone", 403, `{"type":"forbidden"}`, false},
		{"errors without a code", 403, `{"errors":[{"detail":"blocked by policy"}]}`, false},
		{"code without a category", 403, `{"errors":[{"code":"FORBIDDEN"}]}`, false},
		{"Square's legacy refusal", 400, `{"message":"cannot renew revoked token","type":"bad_request"}`, true},
		{"Square's refusal", 401, `{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"revoked"}]}`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			current := f.token(t, time.Hour)
			ts := f.client.TokenSource(current)
			if tt.square {
				// A refusal is believed when Square refuses the access
				// token too: see TestRefusedRefreshWhileAccessWorks.
				f.fake.RevokeAll(testMerchantID)
			}
			f.fake.InjectFault(tokenPath, fakesquare.Fault{Status: tt.status, Header: jsonHeader(), Body: []byte(tt.body)})
			before := f.fake.Hits(tokenPath)
			for range 3 {
				got, err := ts.TokenContext(t.Context())
				var re *squareoauth.RefreshError
				if tt.square && !errors.As(err, &re) {
					t.Fatalf("got %v, %v; want a *RefreshError", got, err)
				}
				if !tt.square && (err != nil || got.AccessToken != current.AccessToken) {
					t.Fatalf("got %v, %v; want the current token", got, err)
				}
			}
			if n := f.fake.Hits(tokenPath) - before; n != 1 {
				t.Errorf("refresh requests: got %d; want 1", n)
			}
		})
	}
}

// TestRefusedRefreshWhileAccessWorks: Square refuses a code-flow refresh
// but still accepts the access token, as it would after the application's
// secret was rotated or mistyped. The authorization lives, so the refusal
// is a passing failure and the seller is kept; only when Square refuses
// the access token too, or for a PKCE token (never sent twice, so never
// asked about), is it final.
func TestRefusedRefreshWhileAccessWorks(t *testing.T) {
	t.Parallel()
	const statusPath = "/oauth2/token/status"
	refusal := fakesquare.Fault{Status: 401, Header: jsonHeader(), Body: []byte(
		`{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"Not Authorized"}]}`)}
	for _, tt := range []struct {
		name      string
		pkce      bool
		revoked   bool
		final     bool
		statusHit int
	}{
		{"code flow, access token works", false, false, false, 1},
		{"code flow, authorization revoked", false, true, true, 1},
		{"PKCE", true, false, true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			current := f.token(t, time.Hour)
			if tt.pkce {
				current = f.pkceToken(t, time.Hour)
			}
			if tt.revoked {
				f.fake.RevokeAll(testMerchantID)
			}
			ts := f.client.TokenSource(current)
			f.fake.InjectFault(tokenPath, refusal)
			before, statusBefore := f.fake.Hits(tokenPath), f.fake.Hits(statusPath)
			for range 3 {
				got, err := ts.TokenContext(t.Context())
				var re *squareoauth.RefreshError
				if tt.final != errors.As(err, &re) {
					t.Fatalf("got %v, %v; want a *RefreshError: %v", got, err, tt.final)
				}
				if !tt.final && (err != nil || got.AccessToken != current.AccessToken) {
					t.Fatalf("got %v, %v; want the current token", got, err)
				}
			}
			if n := f.fake.Hits(tokenPath) - before; n != 1 {
				t.Errorf("refresh requests: got %d; want 1", n)
			}
			if n := f.fake.Hits(statusPath) - statusBefore; n != tt.statusHit {
				t.Errorf("status requests: got %d; want %d", n, tt.statusHit)
			}
		})
	}
}

// TestTokenSourceWithoutRefreshTokenUntilExpiry: a token without a refresh
// token (Square issues none with short_lived in the code flow) is handed
// out until it expires, then a clear *RefreshError; no refresh is sent.
func TestTokenSourceWithoutRefreshTokenUntilExpiry(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const access = "EAAA-CANARY-short-lived-access-0013"
	// The TokenSource treats a token as expired 10 s early.
	usableUntil := time.Now().Add(time.Second)
	ts := f.client.TokenSource(squareoauth.Token{AccessToken: access, MerchantID: testMerchantID,
		ExpiresAt: usableUntil.Add(10 * time.Second), ShortLived: true})
	served := 0
	for time.Now().Before(usableUntil.Add(-500 * time.Millisecond)) {
		got, err := ts.TokenContext(t.Context())
		if err != nil || got.AccessToken != access {
			t.Fatalf("while valid: %v, %v; want the token", got, err)
		}
		served++
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(time.Until(usableUntil))
	for range 3 {
		_, err := ts.TokenContext(t.Context())
		var re *squareoauth.RefreshError
		if !errors.As(err, &re) {
			t.Fatalf("after expiry: %v; want a *RefreshError", err)
		}
		if msg := err.Error(); !strings.Contains(msg, "no refresh token") || !strings.Contains(msg, "must authorize again") {
			t.Errorf("error %q; want it to say there is no refresh token and the seller must authorize again", msg)
		}
		assertNoSecrets(t, err, access)
	}
	if _, err := ts.Token(); err == nil {
		t.Errorf("oauth2 Token() after expiry: got no error")
	}
	if n := f.fake.Hits(tokenPath); n != 0 {
		t.Errorf("token requests: got %d; want none", n)
	}
	t.Logf("served %d times before expiry", served)
}

// TestTokenSourcePassingFailureOfUnsavedToken: a new refresh token kept
// from an unusable answer while OnRefresh fails is saved on the next
// call, and then the expired access token is refreshed, not handed out.
func TestTokenSourcePassingFailureOfUnsavedToken(t *testing.T) {
	t.Parallel()
	f := setup(t)
	current := f.pkceToken(t, -time.Minute)
	var mu sync.Mutex
	failures := 1
	ts := f.client.TokenSource(current, squareoauth.OnRefresh(func(context.Context, squareoauth.Token) error {
		mu.Lock()
		defer mu.Unlock()
		if failures > 0 {
			failures--
			return errors.New("database is down")
		}
		return nil
	}))
	f.fake.InjectFault(tokenPath, fakesquare.Fault{Status: http.StatusOK, Header: jsonHeader(), Body: []byte(
		`{"refresh_token":"EQAA-rotated-refresh-token-0006","token_type":"bearer"}`)})
	if _, err := ts.TokenContext(t.Context()); err == nil {
		t.Fatal("got no error; want the refresh and OnRefresh failures")
	}
	got, err := ts.TokenContext(t.Context())
	if err == nil && got.AccessToken == current.AccessToken {
		t.Fatalf("the expired access token was handed out")
	}
	if body := string(f.lastRequest(t).Body); !strings.Contains(body, "EQAA-rotated-refresh-token-0006") {
		t.Errorf("after saving, the refresh sent %s; want the kept refresh token", body)
	}
}

// TestObtainTokenKeepsRefreshTokenOfFailedAnswer: ObtainToken returns the
// answer with its *Error when a failed 2xx still issued a refresh token,
// and no answer otherwise.
func TestObtainTokenKeepsRefreshTokenOfFailedAnswer(t *testing.T) {
	t.Parallel()
	f := setup(t)
	refresh := squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeRefreshToken, RefreshToken: f.token(t, time.Hour).RefreshToken}
	f.fake.InjectFault(tokenPath, fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"refresh_token":"EQAA-rotated-refresh-token-0007"}`)})
	resp, err := f.client.ObtainToken(t.Context(), refresh)
	if e := asError(t, err); e.StatusCode != http.StatusOK || resp == nil || resp.RefreshToken != "EQAA-rotated-refresh-token-0007" {
		t.Errorf("got %+v, %v; want the answer with its refresh token and the *Error", resp, err)
	}
	assertNoSecrets(t, err, "EQAA-rotated-refresh-token-0007")
	f.fake.InjectFault(tokenPath, fakesquare.Fault{Status: http.StatusBadRequest, Header: jsonHeader(), Body: []byte(`{"refresh_token":"EQAA-rotated-refresh-token-0008"}`)})
	if resp, err := f.client.ObtainToken(t.Context(), refresh); resp != nil || err == nil {
		t.Errorf("a 400: got %+v, %v; want no answer and an error", resp, err)
	}
}
