package squareoauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
	"golang.org/x/oauth2"
)

// TestTokenSourceRefreshTiming checks when a refresh happens by default and
// with RefreshMargin.
func TestTokenSourceRefreshTiming(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	tests := []struct {
		name        string
		left        time.Duration
		shortLived  bool
		opts        []squareoauth.TokenSourceOption
		wantRefresh bool
	}{
		{"30-day token, 24 days left", 24 * day, false, nil, false},
		{"30-day token, 22 days left", 22 * day, false, nil, true},
		{"short-lived, 7 hours left", 7 * time.Hour, true, nil, false},
		{"short-lived, 5 hours left", 5 * time.Hour, true, nil, true},
		{"expired", -time.Minute, false, nil, true},
		{"margin 1h, 22 days left", 22 * day, false, []squareoauth.TokenSourceOption{squareoauth.RefreshMargin(time.Hour)}, false},
		{"margin 1h, 50 minutes left", 50 * time.Minute, false, []squareoauth.TokenSourceOption{squareoauth.RefreshMargin(time.Hour)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			tok := f.token(t, tt.left)
			tok.ShortLived = tt.shortLived
			before := f.fake.Hits(tokenPath)
			got, err := f.client.TokenSource(tok, tt.opts...).TokenContext(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			refreshed := f.fake.Hits(tokenPath) - before
			if (refreshed == 1) != tt.wantRefresh || refreshed > 1 {
				t.Fatalf("refresh requests: got %d; want refresh = %v", refreshed, tt.wantRefresh)
			}
			if tt.wantRefresh == (got.AccessToken == tok.AccessToken) {
				t.Errorf("access token changed = %v; want %v", got.AccessToken != tok.AccessToken, tt.wantRefresh)
			}
		})
	}
}

// TestTokenSourceSingleRefresh has 1,000 goroutines ask at once for a token
// that is due and checks exactly one refresh request is made and everyone
// gets its token.
func TestTokenSourceSingleRefresh(t *testing.T) {
	t.Parallel()
	for _, flow := range []string{"code", "pkce"} {
		t.Run(flow, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			tok := f.token
			if flow == "pkce" {
				tok = f.pkceToken
			}
			old := tok(t, time.Hour)
			var saved atomic.Int32
			ts := f.client.TokenSource(old, squareoauth.OnRefresh(func(context.Context, squareoauth.Token) error {
				saved.Add(1)
				return nil
			}))
			before := f.fake.Hits(tokenPath)

			const callers = 1000
			got := make([]squareoauth.Token, callers)
			errs := make([]error, callers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range callers {
				wg.Go(func() {
					<-start
					if i%2 == 0 {
						got[i], errs[i] = ts.TokenContext(t.Context())
					} else {
						o, err := ts.Token()
						errs[i] = err
						if err == nil {
							got[i] = squareoauth.Token{AccessToken: o.AccessToken}
						}
					}
				})
			}
			close(start)
			wg.Wait()

			n := f.fake.Hits(tokenPath) - before
			t.Logf("%s flow: %d callers crossing the refresh point, %d refresh requests", flow, callers, n)
			if n != 1 {
				t.Fatalf("refresh requests: got %d; want exactly 1", n)
			}
			if n := saved.Load(); n != 1 {
				t.Errorf("OnRefresh calls: got %d; want 1", n)
			}
			for i := range callers {
				if errs[i] != nil || got[i].AccessToken != got[0].AccessToken || got[i].AccessToken == old.AccessToken {
					t.Fatalf("caller %d: %v, %v; want the one new token", i, errs[i], got[i])
				}
			}
		})
	}
}

// TestTokenSourceCrossingTheRefreshPoint keeps 100 goroutines asking while
// the token becomes due: callers that saw it due just before the refresh
// ended must take the refreshed token, not refresh again.
func TestTokenSourceCrossingTheRefreshPoint(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ts := f.client.TokenSource(f.token(t, time.Hour), squareoauth.RefreshMargin(time.Hour-100*time.Millisecond))
	before := f.fake.Hits(tokenPath)
	stop := time.Now().Add(400 * time.Millisecond)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			for time.Now().Before(stop) {
				if _, err := ts.TokenContext(t.Context()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := f.fake.Hits(tokenPath) - before; n != 1 {
		t.Errorf("refresh requests: got %d; want exactly 1", n)
	}
}

func TestTokenSourcePKCERotation(t *testing.T) {
	t.Parallel()
	f := setup(t) // the Client has a secret; a PKCE refresh must still not send it
	old := f.pkceToken(t, time.Minute)
	ts := f.client.TokenSource(old)
	next, err := ts.TokenContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if next.RefreshToken == old.RefreshToken || next.RefreshTokenExpiresAt.IsZero() {
		t.Fatalf("PKCE refresh kept the refresh token; want a rotated one")
	}
	if body := string(f.lastRequest(t).Body); strings.Contains(body, "client_secret") {
		t.Errorf("PKCE refresh sent the client secret: %s", body)
	}
	// The rotated token replaced the old one at once: the next refresh
	// spends the new one, and the old one is dead at Square.
	_, err = f.client.ObtainToken(t.Context(), squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeRefreshToken, RefreshToken: old.RefreshToken})
	if e := asError(t, err); e.StatusCode/100 != 4 {
		t.Errorf("old PKCE refresh token: %v; want refused", err)
	}
	again := f.client.TokenSource(squareoauth.Token{RefreshToken: next.RefreshToken,
		RefreshTokenExpiresAt: next.RefreshTokenExpiresAt, ExpiresAt: time.Now()})
	if _, err := again.TokenContext(t.Context()); err != nil {
		t.Errorf("refreshing with the rotated token: %v", err)
	}
}

func TestTokenSourceCodeFlowSendsSecret(t *testing.T) {
	t.Parallel()
	f := setup(t)
	next, err := f.client.TokenSource(f.token(t, time.Minute)).TokenContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if body := string(f.lastRequest(t).Body); !strings.Contains(body, `"client_secret":"`+testClientSecret+`"`) {
		t.Errorf("code-flow refresh without the secret: %s", body)
	}
	assertNoSecrets(t, next, next.AccessToken, next.RefreshToken)
}

func TestTokenSourceWithoutRefreshToken(t *testing.T) {
	t.Parallel()
	f := setup(t)
	valid := squareoauth.Token{AccessToken: "EAAA-still-valid", ExpiresAt: time.Now().Add(time.Hour)}
	if got, err := f.client.TokenSource(valid).TokenContext(t.Context()); err != nil || got.AccessToken != valid.AccessToken {
		t.Errorf("valid token without refresh token: %v, %v; want it handed out", got, err)
	}
	expired := squareoauth.Token{AccessToken: "EAAA-expired", ExpiresAt: time.Now().Add(-time.Hour)}
	var re *squareoauth.RefreshError
	if _, err := f.client.TokenSource(expired).TokenContext(t.Context()); !errors.As(err, &re) {
		t.Errorf("expired token without refresh token: %v; want a *RefreshError", err)
	}
	if n := f.fake.Hits(tokenPath); n != 0 {
		t.Errorf("requests: got %d; want 0", n)
	}
}

func TestTokenSourceWaitHonoursContext(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ts := f.client.TokenSource(f.token(t, -time.Minute))
	f.fake.InjectFault(tokenPath, fakesquare.Fault{Delay: 2 * time.Second, Header: jsonHeader(), Body: []byte(`{}`)})
	slow := make(chan error, 1)
	go func() {
		_, err := ts.TokenContext(t.Context())
		slow <- err
	}()
	for f.fake.Hits(tokenPath) < 2 { // the refresh is under way
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := ts.TokenContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiter: got %v; want context.DeadlineExceeded", err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("the waiter waited %v for a refresh after its context ended", waited)
	}
	if err := <-slow; err == nil {
		t.Errorf("the slow refresh answered {} and should have failed")
	}
}

// TestTokenSourceWithOAuth2Client plugs the TokenSource into
// golang.org/x/oauth2 and checks the refreshed token reaches the request.
func TestTokenSourceWithOAuth2Client(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ts := f.client.TokenSource(f.token(t, time.Minute))
	var seen []string
	var mu sync.Mutex
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer api.Close()

	hc := oauth2.NewClient(t.Context(), ts)
	for range 3 {
		resp, err := hc.Get(api.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	current, err := ts.TokenContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i, auth := range seen {
		if auth != "Bearer "+current.AccessToken {
			t.Errorf("request %d: Authorization %q; want the refreshed token", i, auth)
		}
	}
	if n := f.fake.Hits(tokenPath); n != 2 {
		t.Errorf("token requests: got %d; want 2 (exchange + one refresh)", n)
	}
	o, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	if o.RefreshToken != "" || !o.Expiry.Before(current.ExpiresAt) || o.TokenType != "Bearer" {
		t.Errorf("oauth2 token %+v; want no refresh token, Bearer, and an expiry at the refresh point", o)
	}
}

// TestTokenSourceRefreshOutlivesItsCaller: a caller that gives up while its
// refresh is on the wire must not lose the seller. The PKCE refresh token
// is spent when Square reads it, so the refresh runs on and keeps the new one.
func TestTokenSourceRefreshOutlivesItsCaller(t *testing.T) {
	t.Parallel()
	fake := fakesquare.New(fakesquare.App{ClientID: testClientID, ClientSecret: testClientSecret})
	var slow atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r) // Square has acted on the request...
		if slow.Load() && r.URL.Path == tokenPath {
			time.Sleep(300 * time.Millisecond) // ...but its answer is late
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	defer srv.Close()
	c, err := squareoauth.New(squareoauth.Config{ClientID: testClientID, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{client: c, fake: fake, url: srv.URL, srv: srv}
	old := f.pkceToken(t, -time.Minute)
	ts := c.TokenSource(old)

	slow.Store(true)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := ts.TokenContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("impatient caller: got %v; want context.DeadlineExceeded", err)
	}
	slow.Store(false)
	next, err := ts.TokenContext(t.Context())
	if err != nil {
		t.Fatalf("after the impatient caller left: %v; the rotated refresh token was lost", err)
	}
	if next.RefreshToken == old.RefreshToken {
		t.Errorf("want the rotated refresh token")
	}
	if n := fake.Hits(tokenPath); n != 2 { // the PKCE exchange, then one refresh
		t.Errorf("token requests: got %d; want 2", n)
	}
}

func TestTokenSourceLongMarginDoesNotRefreshEveryCall(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ts := f.client.TokenSource(f.token(t, 30*24*time.Hour), squareoauth.RefreshMargin(60*24*time.Hour))
	for range 5 {
		if _, err := ts.TokenContext(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.fake.Hits(tokenPath); n != 2 { // the exchange, then one refresh
		t.Errorf("token requests: got %d; want 2 (one refresh, then the fresh token is used)", n)
	}
}

func TestTokenSourceEdges(t *testing.T) {
	t.Parallel()
	t.Run("PKCE exchange with a secret configured sends no secret", func(t *testing.T) {
		t.Parallel()
		f := setup(t) // the Config has a secret
		f.pkceToken(t, time.Hour)
		if body := string(f.lastRequest(t).Body); strings.Contains(body, "client_secret") {
			t.Errorf("a request with a code_verifier carried the client secret: %s", body)
		}
	})
	t.Run("valid token without refresh token is served until it expires", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		expires := time.Now().Add(time.Hour)
		ts := f.client.TokenSource(squareoauth.Token{AccessToken: "EAAA-valid", ExpiresAt: expires})
		o, err := ts.Token()
		if err != nil || !o.Expiry.Equal(expires.Add(-10*time.Second)) {
			t.Errorf("got %+v, %v; want an oauth2 expiry 10 s before the token's", o, err)
		}
	})
	t.Run("expired PKCE refresh token is not sent", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		tok := f.pkceToken(t, -time.Minute)
		tok.RefreshTokenExpiresAt = time.Now().Add(-time.Hour)
		before := f.fake.Hits(tokenPath)
		_, err := f.client.TokenSource(tok).TokenContext(t.Context())
		var re *squareoauth.RefreshError
		if !errors.As(err, &re) || f.fake.Hits(tokenPath) != before {
			t.Errorf("got %v after %d requests; want a *RefreshError and none sent", err, f.fake.Hits(tokenPath)-before)
		}
	})
	t.Run("answer without merchant keeps the merchant", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		ts := f.client.TokenSource(f.token(t, -time.Minute))
		f.fake.InjectFault(tokenPath, fakesquare.Fault{Header: jsonHeader(),
			Body: []byte(`{"access_token":"EAAA-new-access-token-0001","expires_at":"2099-01-01T00:00:00Z","token_type":"bearer"}`)})
		got, err := ts.TokenContext(t.Context())
		if err != nil || got.MerchantID != testMerchantID || got.RefreshToken == "" {
			t.Errorf("got %v, %v; want the merchant and refresh token kept", got, err)
		}
	})
	t.Run("undatable answer still stores its new refresh token", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		var stored []squareoauth.Token
		ts := f.client.TokenSource(f.token(t, -time.Minute), squareoauth.OnRefresh(func(_ context.Context, tok squareoauth.Token) error {
			stored = append(stored, tok)
			return nil
		}))
		f.fake.InjectFault(tokenPath, fakesquare.Fault{Header: jsonHeader(),
			Body: []byte(`{"access_token":"EAAA-new-access-token-0002","refresh_token":"EQAA-rotated-refresh-0002","expires_at":"soon"}`)})
		if _, err := ts.TokenContext(t.Context()); err == nil {
			t.Fatal("want an error for the undatable answer")
		}
		if len(stored) != 1 || stored[0].RefreshToken != "EQAA-rotated-refresh-0002" {
			t.Fatalf("OnRefresh got %v; want the new refresh token stored", stored)
		}
		_, _ = ts.TokenContext(t.Context())
		if body := string(f.lastRequest(t).Body); !strings.Contains(body, "EQAA-rotated-refresh-0002") {
			t.Errorf("the next refresh sent %s; want the new refresh token", body)
		}
	})
}

// TestTokenSourceOAuth2ExpiryIsTheRefreshPoint: oauth2.ReuseTokenSource and
// oauth2.NewClient cache a token until its Expiry, so the Expiry handed to
// them must be the refresh point, not the token's own expiry.
func TestTokenSourceOAuth2ExpiryIsTheRefreshPoint(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	for _, tt := range []struct {
		name       string
		left       time.Duration
		shortLived bool
		margin     time.Duration
	}{
		{"30-day token", 24 * day, false, 23 * day},
		{"short-lived token", 7 * time.Hour, true, 6 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			tok := f.token(t, tt.left)
			tok.ShortLived = tt.shortLived
			o, err := f.client.TokenSource(tok).Token()
			if err != nil {
				t.Fatal(err)
			}
			if want := tok.ExpiresAt.Add(-tt.margin); !o.Expiry.Equal(want) {
				t.Errorf("oauth2 Expiry %v; want the refresh point %v", o.Expiry, want)
			}
		})
	}
}

// TestTokenSourceUsesTheRotatedRefreshToken refreshes twice through one
// TokenSource: the second refresh must send the refresh token the first
// one received, since the old one is spent.
func TestTokenSourceUsesTheRotatedRefreshToken(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ts := f.client.TokenSource(f.pkceToken(t, -time.Minute))
	// The first refresh answers with a token already expired: unusable,
	// so the call fails, but the rotated refresh token is kept.
	expired := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	f.fake.InjectFault(tokenPath, fakesquare.Fault{Header: jsonHeader(), Body: []byte(`{"access_token":"EAAA-rotated-access-0001",` +
		`"refresh_token":"EQAA-rotated-refresh-0001","refresh_token_expires_at":"2099-01-01T00:00:00Z",` +
		`"expires_at":"` + expired + `","merchant_id":"` + testMerchantID + `","token_type":"bearer"}`)})
	_, _ = ts.TokenContext(t.Context())
	_, _ = ts.TokenContext(t.Context()) // the fake does not know the rotated token
	if body := string(f.lastRequest(t).Body); !strings.Contains(body, `"refresh_token":"EQAA-rotated-refresh-0001"`) {
		t.Errorf("the second refresh sent %s; want the rotated refresh token", body)
	}
}

func TestTokenSourceKeepsShortLivedTokensShort(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tok := f.token(t, -time.Minute)
	tok.ShortLived = true
	got, err := f.client.TokenSource(tok).TokenContext(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !got.ShortLived || got.ExpiresAt.After(time.Now().Add(25*time.Hour)) {
		t.Errorf("refreshed token: short-lived %v, expires %v; want another 24-hour token", got.ShortLived, got.ExpiresAt)
	}
	if body := string(f.lastRequest(t).Body); !strings.Contains(body, `"short_lived":true`) {
		t.Errorf("refresh request %s; want short_lived", body)
	}
}

func TestTokenSourceMalformedStoredRefreshToken(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tok := f.token(t, -time.Minute)
	tok.RefreshToken += "\n" // as a careless store might keep it
	ts := f.client.TokenSource(tok)
	before := f.fake.Hits(tokenPath)
	for range 2 {
		_, err := ts.TokenContext(t.Context())
		var re *squareoauth.RefreshError
		var ie *squareoauth.InputError
		if !errors.As(err, &re) || !errors.As(err, &ie) || ie.Field != "ObtainTokenRequest.RefreshToken" {
			t.Fatalf("got %v; want a *RefreshError wrapping the *InputError on RefreshToken", err)
		}
		if !strings.Contains(err.Error(), "stored token") {
			t.Errorf("error %q; want it to blame the stored token, not Square", err)
		}
		assertNoSecrets(t, err, tok.RefreshToken, tok.AccessToken)
	}
	if n := f.fake.Hits(tokenPath) - before; n != 0 {
		t.Errorf("requests: got %d; want none", n)
	}
}
