package vault

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
)

// Guarantee 4, refusals: a refresh Square refuses with its own error sets
// StateReauthorize for every instance, and nothing more is sent until the
// seller is saved again.
func TestRefusalIsFinal(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		other := f.open(t, dsn, f.config()) // another instance
		ctx := context.Background()
		const m = "MLREFUSED001"
		tok := makeDue(t, v, f.connect(t, v, m))
		f.srv.RevokeAll(m)
		before := f.srv.Hits(tokenPath)
		if _, err := v.Token(ctx, m); !errors.Is(err, ErrReauthorize) {
			t.Fatalf("Token: %v; want ErrReauthorize", err)
		}
		for _, inst := range []*Vault{v, other, v} {
			if _, err := inst.Token(ctx, m); !errors.Is(err, ErrReauthorize) {
				t.Fatalf("Token again: %v; want ErrReauthorize", err)
			}
			if rep, err := inst.RefreshDue(ctx, 0); err != nil || rep != (Report{}) {
				t.Fatalf("RefreshDue = %+v, %v", rep, err)
			}
		}
		if hits := f.srv.Hits(tokenPath) - before; hits != 1 {
			t.Errorf("%d ObtainToken requests, want 1", hits)
		}
		s, err := other.Seller(ctx, m)
		if err != nil || s.State != StateReauthorize || s.LastError == "" || s.KeyID != "" {
			t.Errorf("Seller = %v, %v; want StateReauthorize with a reason and no tokens", s, err)
		}
		// Connecting again makes the seller active.
		f.connect(t, other, m)
		if _, err := v.Token(ctx, m); err != nil {
			t.Errorf("Token after reconnecting: %v", err)
		}
		_ = tok
	})
}

// Guarantee 4, outages: a passing failure while the access token works
// returns the current token, and every instance waits out a shared
// backoff of at least 30 seconds before the next request.
func TestPassingFailureReturnsCurrentToken(t *testing.T) {
	t.Parallel()
	faults := map[string]squareoauthtest.Fault{
		"500":         {Status: 500, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"errors":[{"category":"API_ERROR","code":"INTERNAL_SERVER_ERROR"}]}`)},
		"429":         {Status: 429},
		"gateway 403": {Status: 403, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte("<html>forbidden</html>")},
		"dropped":     {Drop: true},
	}
	for name, fault := range faults {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bothEngines(t, func(t *testing.T, dsn string) {
				f := newFixture(t)
				cfg := f.config()
				cfg.Client = f.clientWith(t, squareoauth.RetryPolicy{MaxAttempts: 1})
				v := f.open(t, dsn, cfg)
				other := f.open(t, dsn, cfg)
				ctx := context.Background()
				const m = "MLPASSING001"
				tok := makeDue(t, v, f.connect(t, v, m))
				before := f.srv.Hits(tokenPath)
				f.srv.InjectFault(tokenPath, fault)
				start := time.Now()
				for _, inst := range []*Vault{v, v, other} {
					got, err := inst.Token(ctx, m)
					if err != nil || got.AccessToken != tok.AccessToken {
						t.Fatalf("Token = %v, %v; want the current token", got, err)
					}
				}
				if rep, err := other.RefreshDue(ctx, 0); err != nil || rep != (Report{}) {
					t.Errorf("RefreshDue during the backoff = %+v, %v", rep, err)
				}
				if hits := f.srv.Hits(tokenPath) - before; hits != 1 {
					t.Errorf("%d ObtainToken requests, want 1", hits)
				}
				s, err := other.Seller(ctx, m)
				if err != nil {
					t.Fatal(err)
				}
				if s.State != StateActive || s.Failures != 1 || s.LastError == "" || s.RetryAt.Before(start.Add(29*time.Second)) {
					t.Errorf("Seller = %v, retry at %v; want a failure and a retry at least 30 s later", s, s.RetryAt)
				}
			})
		})
	}
}

// A token without a refresh token (or whose refresh token expired) is
// handed out until it expires, then is an ErrReauthorize; no refresh is
// ever sent with an empty or expired refresh token.
func TestTokenWithoutRefreshToken(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		ctx := context.Background()
		live := squareoauth.Token{AccessToken: "EAAAlive-token-0001", MerchantID: "MLSHORTLIVE1", ExpiresAt: time.Now().Add(time.Hour), ShortLived: true}
		dead := squareoauth.Token{AccessToken: "EAAAdead-token-0001", MerchantID: "MLSHORTDEAD1", ExpiresAt: time.Now().Add(-time.Minute), ShortLived: true}
		for _, tok := range []squareoauth.Token{live, dead} {
			if err := v.Save(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := v.Token(ctx, live.MerchantID); err != nil || got.AccessToken != live.AccessToken {
			t.Errorf("Token(live) = %v, %v", got, err)
		}
		// A PKCE token whose refresh token expired, due, its access token
		// still working: handed out, not refreshed, not given up.
		spent := squareoauth.Token{AccessToken: "EAAAspent-token-001", RefreshToken: "EQAAspent-refresh-1", MerchantID: "MLRTEXPIRED1",
			ExpiresAt: time.Now().Add(time.Hour), RefreshTokenExpiresAt: time.Now().Add(-time.Minute)}
		if err := v.Save(ctx, spent); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if got, err := v.Token(ctx, spent.MerchantID); err != nil || got.AccessToken != spent.AccessToken {
				t.Errorf("Token(expired refresh token) = %v, %v; want the access token", got, err)
			}
		}
		_, err := v.Token(ctx, dead.MerchantID)
		if !errors.Is(err, ErrReauthorize) || !strings.Contains(err.Error(), "no refresh token") {
			t.Errorf("Token(dead) = %v; want ErrReauthorize saying there is no refresh token", err)
		}
		if rep, err := v.RefreshDue(ctx, 0); err != nil || rep.Refreshed != 0 {
			t.Errorf("RefreshDue = %+v, %v", rep, err)
		}
		if hits := f.srv.Hits(tokenPath); hits != 0 {
			t.Errorf("%d ObtainToken requests, want none", hits)
		}
	})
}

// Guarantee 2: a fresh token costs no request.
func TestFreshTokenSendsNothing(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		const m = "MLFRESH00001"
		tok := f.connect(t, v, m)
		before := len(f.srv.Requests())
		for range 20 {
			got, err := v.Token(context.Background(), m)
			if err != nil || got.AccessToken != tok.AccessToken {
				t.Fatalf("Token = %v, %v", got, err)
			}
		}
		if rep, err := v.RefreshDue(context.Background(), 0); err != nil || rep != (Report{}) {
			t.Errorf("RefreshDue = %+v, %v", rep, err)
		}
		if n := len(f.srv.Requests()) - before; n != 0 {
			t.Errorf("%d requests to Square, want none", n)
		}
	})
}

// Disconnect revokes at Square and deletes the row.
func TestDisconnect(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		ctx := context.Background()
		const m = "MLDISCONNECT"
		f.connect(t, v, m)
		if err := v.Disconnect(ctx, m); err != nil {
			t.Fatal(err)
		}
		if f.srv.Hits("/oauth2/revoke") != 1 {
			t.Errorf("RevokeToken not called")
		}
		if _, err := v.Token(ctx, m); !errors.Is(err, ErrNotFound) {
			t.Errorf("Token after Disconnect: %v; want ErrNotFound", err)
		}
		if err := v.Disconnect(ctx, m); !errors.Is(err, ErrNotFound) {
			t.Errorf("Disconnect again: %v; want ErrNotFound", err)
		}
	})
}

// Without a client secret, Disconnect deletes the row and sends nothing:
// RevokeToken needs the secret.
func TestDisconnectWithoutSecret(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dsn := engineDSN(t, "sqlite")
	f.connect(t, f.open(t, dsn, f.config()), "MLNOSECRET01")
	cfg := f.srv.Config()
	cfg.ClientSecret = ""
	public, err := squareoauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	vcfg := f.config()
	vcfg.Client = public
	v := f.open(t, dsn, vcfg)
	if err := v.Disconnect(context.Background(), "MLNOSECRET01"); err != nil {
		t.Fatal(err)
	}
	if n := f.srv.Hits("/oauth2/revoke"); n != 0 {
		t.Errorf("%d RevokeToken requests without a secret", n)
	}
	if _, err := v.Seller(context.Background(), "MLNOSECRET01"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Seller after Disconnect: %v", err)
	}
}

// Square answered with tokens it could not date: the new refresh token is
// stored all the same (with PKCE the old one is spent), and the seller is
// retried later.
func TestUndatableAnswerKeepsRefreshToken(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		ctx := context.Background()
		const m = "MLUNDATABLE1"
		makeDue(t, v, f.connectPKCE(t, v, m))
		f.srv.InjectFault(tokenPath, squareoauthtest.Fault{Status: 200, AfterHandling: true,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   []byte(`{"access_token":"EAAAundatable-access-1","token_type":"bearer","expires_at":"soon","merchant_id":"` + m + `","refresh_token":"EQAAundatable-refresh-1","refresh_token_expires_at":"later"}`)})
		if _, err := v.Token(ctx, m); err == nil {
			t.Fatal("Token succeeded on an undatable answer")
		}
		if got := secretsLast(v, t, m); got.RefreshToken != "EQAAundatable-refresh-1" {
			t.Error("the new refresh token was not stored")
		}
		if s, _ := v.Seller(ctx, m); s.State != StateActive || s.Failures != 1 {
			t.Errorf("Seller = %v; want active, retried later", s)
		}
	})
}
