package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/internal/fakesquare"
	"github.com/squareoauth/squareoauth/vault"
)

const (
	processes = 4  // instances asking for one seller's token at once
	callers   = 25 // goroutines in each
	// webhookURL stands for the notification URL registered with Square.
	// The handler checks signatures against it, never against the address
	// a request happened to reach.
	webhookURL = "https://example.com/square/webhooks"
)

var sellers = []string{"MLDEMOSELLER01", "MLDEMOSELLER02", "MLDEMOSELLER03"}

// demo holds what the steps share.
type demo struct {
	out        io.Writer
	ctx        context.Context
	cancel     context.CancelFunc
	fake       *fakesquare.Server
	srv        *httptest.Server
	dir        string
	setup      setup
	webhookKey string
	v          *vault.Vault
}

func newDemo(out io.Writer) (*demo, error) {
	d := &demo{out: out, webhookKey: rand.Text()}
	d.ctx, d.cancel = context.WithTimeout(context.Background(), 2*time.Minute)
	app := fakesquare.App{ClientID: "sq0idp-" + rand.Text(), ClientSecret: "sq0csp-" + rand.Text()}
	d.fake = fakesquare.New(app)
	d.srv = httptest.NewServer(d.fake)
	dir, err := os.MkdirTemp("", "vaultdemo")
	if err != nil {
		d.close()
		return nil, err
	}
	d.dir = dir
	key := make([]byte, 32)
	rand.Read(key)
	d.setup = setup{
		SquareURL: d.srv.URL, ClientID: app.ClientID, ClientSecret: app.ClientSecret,
		DSN: "sqlite:" + filepath.Join(dir, "vault.db"), KeyID: "demo-key", Key: key,
	}
	c, err := squareoauth.New(squareoauth.Config{ClientID: app.ClientID, ClientSecret: app.ClientSecret, BaseURL: d.srv.URL})
	if err == nil {
		d.v, err = vault.Open(d.ctx, d.setup.DSN, vault.Config{
			Client:              c,
			Keys:                []vault.Key{{ID: d.setup.KeyID, Secret: key}},
			WebhookSignatureKey: d.webhookKey,
			WebhookURL:          webhookURL,
		})
	}
	if err != nil {
		d.close()
		return nil, err
	}
	d.say("A fake Square runs at %s; the vault is one SQLite file, %s.", d.srv.URL, filepath.Join(dir, "vault.db"))
	return d, nil
}

func (d *demo) close() {
	if d.v != nil {
		d.v.Close()
	}
	d.srv.Close()
	if d.dir != "" {
		os.RemoveAll(d.dir)
	}
	d.cancel()
}

// play runs the demo's steps in order.
func (d *demo) play() error {
	for _, step := range []func() error{d.connect, d.oneRefresh, d.refreshDue, d.revoke, d.list} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.out, format+"\n", args...) }

// refreshRequests counts the requests Square received on /oauth2/token,
// code exchanges and refreshes alike.
func (d *demo) refreshRequests() int { return d.fake.Hits("/oauth2/token") }

// connect authorizes three sellers, stores their tokens and then makes
// them due, as if ten days had passed.
func (d *demo) connect() error {
	for _, m := range sellers {
		tok, err := d.v.Connect(d.ctx, squareoauth.ObtainTokenRequest{
			GrantType: squareoauth.GrantTypeAuthorizationCode,
			Code:      d.fake.Authorize(m),
		})
		if err != nil {
			return err
		}
		tok.ExpiresAt = time.Now().Add(20 * 24 * time.Hour)
		if err := d.v.Save(d.ctx, tok); err != nil {
			return err
		}
	}
	d.say("\n1. Three sellers authorized the app; their tokens are stored, encrypted (AES-256-GCM).")
	d.say("   Say ten days pass: 20 of their 30 days are left, and Square advises refreshing at")
	d.say("   least every 7 days, so all three are due for a refresh.")
	return nil
}

// oneRefresh has processes × callers goroutines ask for one due seller's
// token at the same moment.
func (d *demo) oneRefresh() error {
	m := sellers[0]
	before := d.refreshRequests()
	s := d.setup
	s.MerchantID, s.Callers, s.StartAt = m, callers, time.Now().Add(2*time.Second)
	d.say("\n2. %d processes, %d goroutines each, ask for %s's token at the same moment.", processes, callers, m)
	results, err := startInstances(d.ctx, processes, s)
	if err != nil {
		return err
	}
	tok, err := d.v.Token(d.ctx, m)
	if err != nil {
		return err
	}
	want := fingerprint(tok.AccessToken)
	got := 0
	for i, r := range results {
		d.say("   process %d: %d of %d callers got a token", i+1, r.Got, callers)
		if len(r.Tokens) != 1 || r.Tokens[0] != want {
			return fmt.Errorf("process %d got %d different tokens, not the one stored", i+1, len(r.Tokens))
		}
		got += r.Got
	}
	n := d.refreshRequests() - before
	d.say("   Square received %d refresh request; all %d callers got the same new token.", n, got)
	if n != 1 || got != processes*callers {
		return fmt.Errorf("want 1 refresh request and %d tokens, got %d and %d", processes*callers, n, got)
	}
	return nil
}

// refreshDue runs the background refresher once.
func (d *demo) refreshDue() error {
	rep, err := d.v.RefreshDue(d.ctx, 0)
	if err != nil {
		return err
	}
	d.say("\n3. RefreshDue (what Run does in the background) refreshes the sellers still due:")
	d.say("   refreshed %d, failed %d, must reauthorize %d.", rep.Refreshed, rep.Failed, rep.Reauthorize)
	if rep.Refreshed != len(sellers)-1 {
		return fmt.Errorf("RefreshDue refreshed %d sellers, want %d", rep.Refreshed, len(sellers)-1)
	}
	return nil
}

// revoke has a seller revoke the app at Square, delivers Square's signed
// webhook to this process, and has the other processes ask for the
// seller's token.
func (d *demo) revoke() error {
	m := sellers[1]
	d.fake.RevokeAll(m)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	body := fmt.Appendf(nil, `{"merchant_id":%q,"type":"oauth.authorization.revoked","event_id":%q,"created_at":%q,`+
		`"data":{"type":"revocation","id":%q,"object":{"revocation":{"revoked_at":%q,"revoker_type":"MERCHANT"}}}}`,
		m, rand.Text(), now, rand.Text(), now)
	hook := httptest.NewServer(d.v.WebhookHandler())
	defer hook.Close()
	d.say("\n4. %s revokes the app in Square's dashboard. Square posts a signed", m)
	d.say("   oauth.authorization.revoked event to this process's WebhookHandler:")
	for _, try := range []struct {
		what, sig string
		want      int
	}{
		{"forged (wrong signature)", sign(body, "not-the-key"), http.StatusUnauthorized},
		{"from Square", sign(body, d.webhookKey), http.StatusOK},
		{"Square's retry of it", sign(body, d.webhookKey), http.StatusOK},
	} {
		status, err := deliver(d.ctx, hook.URL, body, try.sig)
		if err != nil {
			return err
		}
		d.say("   %-25s -> %d %s", try.what, status, http.StatusText(status))
		if status != try.want {
			return fmt.Errorf("webhook %s answered %d, want %d", try.what, status, try.want)
		}
	}
	before := d.refreshRequests()
	s := d.setup
	s.MerchantID, s.Callers, s.StartAt = m, 1, time.Now()
	results, err := startInstances(d.ctx, 2, s)
	if err != nil {
		return err
	}
	for i, r := range results {
		if r.Reauthorize != 1 {
			return fmt.Errorf("process %d was not told %s must authorize again", i+1, m)
		}
		d.say("   process %d asks for %s's token: vault.ErrReauthorize, the seller must authorize again.", i+1, m)
	}
	if n := d.refreshRequests() - before; n != 0 {
		return fmt.Errorf("%d requests reached Square for a revoked seller", n)
	}
	d.say("   No request reached Square for the revoked seller.")
	return nil
}

// list prints what the vault knows about each seller: never a token.
func (d *demo) list() error {
	all, err := d.v.Sellers(d.ctx)
	if err != nil {
		return err
	}
	d.say("\n5. Sellers (what an operator sees; no tokens):")
	w := tabwriter.NewWriter(d.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "   MERCHANT\tSTATE\tEXPIRES IN\tREFRESH IN\tLAST ERROR")
	for _, s := range all {
		expires, refresh := until(s.ExpiresAt), until(s.RefreshAt)
		if s.State != vault.StateActive { // its tokens are wiped
			expires, refresh = "-", "-"
		}
		fmt.Fprintf(w, "   %s\t%s\t%s\t%s\t%s\n", s.MerchantID, s.State, expires, refresh, s.LastError)
	}
	return w.Flush()
}

// until says how far ahead t is, in days.
func until(t time.Time) string {
	return fmt.Sprintf("%.1f days", time.Until(t).Hours()/24)
}

// sign computes the signature Square puts in x-square-hmacsha256-signature:
// HMAC-SHA256 of the notification URL followed by the body, in base64
// (https://developer.squareup.com/docs/webhooks/step3validate).
func sign(body []byte, key string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(webhookURL))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// deliver posts a notification as Square does and returns the status.
func deliver(ctx context.Context, url string, body []byte, sig string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(squareoauth.WebhookSignatureHeader, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
