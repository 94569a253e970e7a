package vault

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	testWebhookURL = "https://example.com/square/webhooks"
	testWebhookKey = "whsk-canary-Ibxx5AKakO3qeNVR61Dw"
)

// webhookConfig is the fixture's Config with the webhook configured and
// every log record, down to Debug, written to logs.
func (f *fixture) webhookConfig(logs io.Writer) Config {
	cfg := f.config()
	cfg.WebhookURL, cfg.WebhookSignatureKey = testWebhookURL, testWebhookKey
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return cfg
}

// signBody computes Square's x-square-hmacsha256-signature for body sent
// to url with key (https://developer.squareup.com/docs/webhooks/step3validate).
func signBody(body []byte, key, url string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(url))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// revocation is an oauth.authorization.revoked event shaped like Square's
// example (https://developer.squareup.com/reference/square/webhooks/oauth.authorization.revoked);
// a zero time leaves its field out.
func revocation(eventID, merchantID string, revokedAt, createdAt time.Time) []byte {
	revocation := map[string]any{"revoker_type": "MERCHANT"}
	if !revokedAt.IsZero() {
		revocation["revoked_at"] = revokedAt.UTC().Format(time.RFC3339Nano)
	}
	ev := map[string]any{
		"merchant_id": merchantID,
		"type":        "oauth.authorization.revoked",
		"event_id":    eventID,
		"data":        map[string]any{"type": "revocation", "id": "415641cf-eba2-4dfa-88cc-c4be1301fdc6", "object": map[string]any{"revocation": revocation}},
	}
	if !createdAt.IsZero() {
		ev["created_at"] = createdAt.UTC().Format(time.RFC3339Nano)
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return b
}

// afterSave dates a revocation after the Save or Connect just before it.
// The database stamps a Save to the millisecond, and PostgreSQL rounds, so
// an event dated "now" can look a fraction of a millisecond older than it.
func afterSave() time.Time { return time.Now().Add(time.Second) }

// deliver serves one request to v's webhook handler and returns the
// response.
func deliver(v *Vault, method string, body []byte, signature string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/square/webhooks", bytes.NewReader(body))
	if signature != "" {
		r.Header.Set("x-square-hmacsha256-signature", signature)
	}
	w := httptest.NewRecorder()
	v.WebhookHandler().ServeHTTP(w, r)
	return w
}

// deliverSigned delivers body signed as Square signs it for the vault's
// configured URL and key, and fails the test unless the status is want.
func deliverSigned(t *testing.T, v *Vault, body []byte, want int) {
	t.Helper()
	if w := deliver(v, http.MethodPost, body, signBody(body, testWebhookKey, testWebhookURL)); w.Code != want {
		t.Fatalf("webhook answered %d %q; want %d", w.Code, w.Body.String(), want)
	}
}

// wantState fails the test unless the seller is in state st, and checks
// Token agrees: a token for an active seller, ErrReauthorize otherwise.
func wantState(t *testing.T, v *Vault, merchantID string, st State) {
	t.Helper()
	s, err := v.Seller(context.Background(), merchantID)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != st {
		t.Fatalf("State = %s; want %s (%v)", s.State, st, s)
	}
	_, err = v.Token(context.Background(), merchantID)
	switch {
	case st == StateActive && err != nil:
		t.Fatalf("Token: %v", err)
	case st == StateReauthorize && !errors.Is(err, ErrReauthorize):
		t.Fatalf("Token: err = %v; want ErrReauthorize", err)
	}
}

func TestWebhookRevocation(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.webhookConfig(io.Discard))
		tok := f.connect(t, v, "MLREVOKED0001")
		f.connect(t, v, "MLBYSTANDER01")
		makeDue(t, v, tok) // a due seller would be refreshed if the revocation were missed
		before := f.srv.Hits(tokenPath)

		deliverSigned(t, v, revocation("ev-1", "MLREVOKED0001", afterSave(), afterSave()), http.StatusOK)

		wantState(t, v, "MLREVOKED0001", StateReauthorize)
		wantState(t, v, "MLBYSTANDER01", StateActive)
		if n := f.srv.Hits(tokenPath) - before; n != 0 {
			t.Errorf("%d requests to %s after the revocation; want none", n, tokenPath)
		}
		if rep, err := v.RefreshDue(context.Background(), 0); err != nil || rep.Refreshed != 0 {
			t.Errorf("RefreshDue = %+v, %v; want nothing refreshed", rep, err)
		}
		s, err := v.Seller(context.Background(), "MLREVOKED0001")
		if err != nil || s.KeyID != "" {
			t.Errorf("revoked seller still holds tokens under key %q (%v)", s.KeyID, err)
		}
	})
}

// A revocation older than the seller's latest Save or Connect is a late
// delivery of an authorization the seller has since renewed.
func TestWebhookLateRevocationIgnored(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.webhookConfig(io.Discard))
		revoked := time.Now().Add(-time.Minute)
		f.connect(t, v, "MLRECONNECT01") // the seller authorized again after revoking

		deliverSigned(t, v, revocation("ev-late", "MLRECONNECT01", revoked, time.Now().Add(time.Minute)), http.StatusOK)
		wantState(t, v, "MLRECONNECT01", StateActive) // revoked_at wins over created_at

		deliverSigned(t, v, revocation("ev-late-2", "MLRECONNECT01", time.Time{}, revoked), http.StatusOK)
		wantState(t, v, "MLRECONNECT01", StateActive) // created_at when revoked_at is absent

		deliverSigned(t, v, revocation("ev-new", "MLRECONNECT01", time.Time{}, time.Now().Add(time.Minute)), http.StatusOK)
		wantState(t, v, "MLRECONNECT01", StateReauthorize)
	})
}

// Square resends a delivery until it sees a 2xx; the same event_id is
// acknowledged and changes nothing the second time, even after the seller
// authorized again.
func TestWebhookDuplicateEventIgnored(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.webhookConfig(io.Discard))
		f.connect(t, v, "MLDUPLICATE01")
		deliverSigned(t, v, revocation("ev-dup", "MLDUPLICATE01", afterSave(), afterSave()), http.StatusOK)
		wantState(t, v, "MLDUPLICATE01", StateReauthorize)

		f.connect(t, v, "MLDUPLICATE01")
		// The same event again, dated after the new Connect so that only
		// its event_id can keep it from revoking the new authorization.
		later := time.Now().Add(time.Hour)
		deliverSigned(t, v, revocation("ev-dup", "MLDUPLICATE01", later, later), http.StatusOK)
		wantState(t, v, "MLDUPLICATE01", StateActive)
	})
}

func TestWebhookRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.webhookConfig(io.Discard))
		f.connect(t, v, "MLUNTOUCHED01")
		body := revocation("ev-bad", "MLUNTOUCHED01", afterSave(), afterSave())
		good := signBody(body, testWebhookKey, testWebhookURL)
		huge := append(bytes.Repeat([]byte(" "), maxWebhookBody), body...)
		cases := []struct {
			name   string
			method string
			body   []byte
			sig    string
			want   int
		}{
			{"GET", http.MethodGet, body, good, http.StatusMethodNotAllowed},
			{"no signature", http.MethodPost, body, "", http.StatusUnauthorized},
			{"wrong key", http.MethodPost, body, signBody(body, "another-key", testWebhookURL), http.StatusUnauthorized},
			// The URL the request reached is not the registered one.
			{"url of the request", http.MethodPost, body, signBody(body, testWebhookKey, "http://example.com/square/webhooks"), http.StatusUnauthorized},
			{"body changed", http.MethodPost, bytes.Replace(body, []byte("MERCHANT"), []byte("SQUARE"), 1), good, http.StatusUnauthorized},
			{"signature of another event", http.MethodPost, body, signBody(revocation("ev-other", "MLUNTOUCHED01", afterSave(), afterSave()), testWebhookKey, testWebhookURL), http.StatusUnauthorized},
			{"over 1 MiB, signed", http.MethodPost, huge, signBody(huge, testWebhookKey, testWebhookURL), http.StatusRequestEntityTooLarge},
		}
		for _, c := range cases {
			if w := deliver(v, c.method, c.body, c.sig); w.Code != c.want {
				t.Errorf("%s: answered %d; want %d", c.name, w.Code, c.want)
			}
			wantState(t, v, "MLUNTOUCHED01", StateActive)
		}
		// None of them recorded the event: the genuine delivery still acts.
		deliverSigned(t, v, body, http.StatusOK)
		wantState(t, v, "MLUNTOUCHED01", StateReauthorize)
	})
}

// Every other event type is acknowledged and ignored, Square's own test
// notification included, and so is a revocation for a seller the vault
// does not hold.
func TestWebhookOtherEventsAcknowledged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cfg := f.config()
	// Square's published test vector (square/square-go-sdk,
	// webhooks/client/verify_signature_test.go): a webhooks.test_notification.
	cfg.WebhookURL = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9"
	cfg.WebhookSignatureKey = "Ibxx_5AKakO-3qeNVR61Dw"
	v := f.open(t, engineDSN(t, "sqlite"), cfg)
	f.connect(t, v, "MLEFBHHSJGVHD")
	body := []byte(`{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}`)
	if w := deliver(v, http.MethodPost, body, "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4="); w.Code != http.StatusOK {
		t.Fatalf("test notification answered %d; want 200", w.Code)
	}
	other := []byte(`{"merchant_id":"MLEFBHHSJGVHD","type":"payment.created","event_id":"ev-pay","created_at":"2026-01-02T03:04:05Z","data":{"type":"payment","id":"p1"}}`)
	if w := deliver(v, http.MethodPost, other, signBody(other, cfg.WebhookSignatureKey, cfg.WebhookURL)); w.Code != http.StatusOK {
		t.Fatalf("payment.created answered %d; want 200", w.Code)
	}
	stranger := revocation("ev-stranger", "MLNOTINVAULT1", afterSave(), afterSave())
	if w := deliver(v, http.MethodPost, stranger, signBody(stranger, cfg.WebhookSignatureKey, cfg.WebhookURL)); w.Code != http.StatusOK {
		t.Fatalf("revocation of an unknown seller answered %d; want 200", w.Code)
	}
	wantState(t, v, "MLEFBHHSJGVHD", StateActive)
}

// A signed revocation the handler cannot act on is refused, so that it
// shows as failed in Square's delivery log rather than vanishing.
func TestWebhookMalformedRevocation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.open(t, engineDSN(t, "sqlite"), f.webhookConfig(io.Discard))
	f.connect(t, v, "MLMALFORMED01")
	for name, body := range map[string][]byte{
		"not json":         []byte(`{"type":"oauth.authorization.revoked",`),
		"no merchant":      revocation("ev-m1", "", afterSave(), afterSave()),
		"no event_id":      revocation("", "MLMALFORMED01", afterSave(), afterSave()),
		"no time":          revocation("ev-m2", "MLMALFORMED01", time.Time{}, time.Time{}),
		"unreadable times": bytes.ReplaceAll(revocation("ev-m3", "MLMALFORMED01", afterSave(), afterSave()), []byte(`"20`), []byte(`"yesterday 20`)),
	} {
		if w := deliver(v, http.MethodPost, body, signBody(body, testWebhookKey, testWebhookURL)); w.Code != http.StatusBadRequest {
			t.Errorf("%s: answered %d; want 400", name, w.Code)
		}
	}
	wantState(t, v, "MLMALFORMED01", StateActive)
}

// Without a notification URL or a signature key nothing can be verified:
// every delivery is answered 503, which Square retries for 72 hours, and
// the log says which setting is missing without quoting the other.
func TestWebhookNotConfigured(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dsn := engineDSN(t, "sqlite")
	var logs bytes.Buffer
	noURL, noKey := f.webhookConfig(&logs), f.webhookConfig(&logs)
	noURL.WebhookURL, noKey.WebhookSignatureKey = "", ""
	for _, cfg := range []Config{noURL, noKey} {
		v := f.open(t, dsn, cfg)
		f.connect(t, v, "MLNOCONFIG001")
		body := revocation("ev-nc", "MLNOCONFIG001", afterSave(), afterSave())
		for _, sig := range []string{signBody(body, testWebhookKey, testWebhookURL), signBody(body, "", testWebhookURL), signBody(body, testWebhookKey, "")} {
			if w := deliver(v, http.MethodPost, body, sig); w.Code != http.StatusServiceUnavailable {
				t.Errorf("answered %d; want 503", w.Code)
			}
		}
		wantState(t, v, "MLNOCONFIG001", StateActive)
	}
	if strings.Contains(logs.String(), testWebhookKey) {
		t.Errorf("log quotes the signature key:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "WebhookURL") {
		t.Errorf("log does not name the missing setting:\n%s", logs.String())
	}
}

// Nothing the handler writes, to the log or to the sender, carries the
// signature key, a token or the vault's key.
func TestWebhookLeaksNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var logs bytes.Buffer
	cfg := f.webhookConfig(&logs)
	v := f.open(t, engineDSN(t, "sqlite"), cfg)
	tok := f.connect(t, v, "MLCANARY00001")
	var answers bytes.Buffer
	body := revocation("ev-canary", "MLCANARY00001", afterSave(), afterSave())
	for _, d := range []struct {
		body []byte
		sig  string
	}{
		{body, "forged"},
		{body, signBody(body, testWebhookKey, testWebhookURL)},
		{body, signBody(body, testWebhookKey, testWebhookURL)},
		{[]byte(`{"type":"oauth.authorization.revoked"}`), signBody([]byte(`{"type":"oauth.authorization.revoked"}`), testWebhookKey, testWebhookURL)},
	} {
		w := deliver(v, http.MethodPost, d.body, d.sig)
		fmt.Fprintf(&answers, "%d %v %s\n", w.Code, w.Header(), w.Body)
	}
	if logs.Len() == 0 {
		t.Fatal("nothing was logged: the canary checks nothing")
	}
	for where, text := range map[string]string{"log": logs.String(), "answers": answers.String()} {
		for name, secret := range map[string]string{
			"signature key": testWebhookKey, "access token": tok.AccessToken, "refresh token": tok.RefreshToken,
			"vault key": string(cfg.Keys[0].Secret), "client secret": f.srv.ClientSecret,
		} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains the %s:\n%s", where, name, text)
			}
		}
	}
}

// The handler answers with the storage error rather than 2xx, so Square
// delivers the revocation again later.
func TestWebhookStorageDownAnswers500(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v, err := Open(context.Background(), engineDSN(t, "sqlite"), f.webhookConfig(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	deliverSigned(t, v, revocation("ev-down", "MLSTORAGE0001", afterSave(), afterSave()), http.StatusInternalServerError)
}

// Guarantee 7 across processes: a revocation delivered to one instance is
// honoured by instances already running elsewhere on the same database,
// with the seller due: they answer ErrReauthorize and RefreshDue skips the
// seller, and no request reaches Square.
func TestWebhookSeenByAllInstances(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.webhookConfig(io.Discard))
		const m = "MLWEBHOOKALL1"
		makeDue(t, v, f.connect(t, v, m))
		// Open before the delivery, so that nothing they hold in memory
		// can stand in for reading the database.
		token := startChildren(t, 1, f.env("token", dsn, m))[0]
		refresher := startChildren(t, 1, f.env("refreshdue", dsn, m))[0]

		deliverSigned(t, v, revocation("ev-all", m, afterSave(), afterSave()), http.StatusOK)
		before := f.srv.Hits(tokenPath)
		for _, c := range []*child{token, refresher} {
			io.WriteString(c.stdin, "go\n")
		}
		// The token child reports its callers' error, ErrReauthorize's
		// message, and exits 1.
		if line := token.line(t); !strings.HasPrefix(line, "ERR ") || !strings.Contains(line, "must authorize the application again") {
			t.Errorf("the other instance's Token: %q; want the seller to authorize again", line)
		}
		token.cmd.Wait()
		if line := refresher.line(t); line != "REPORT 0 0 0" {
			t.Errorf("the other instance's RefreshDue: %q; want nothing refreshed", line)
		}
		if err := refresher.cmd.Wait(); err != nil {
			t.Error(err)
		}
		if n := f.srv.Hits(tokenPath) - before; n != 0 {
			t.Errorf("%d requests to %s from other instances after the revocation; want none", n, tokenPath)
		}
	})
}

// Square gives a delivery 10 seconds. A database that stays locked is
// answered 500 within the handler's own bound, so that Square retries,
// and the retry lands once the lock is gone.
func TestWebhookLockedDatabaseAnswersInTime(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dsn := engineDSN(t, "sqlite")
	v := f.open(t, dsn, f.webhookConfig(io.Discard))
	f.connect(t, v, "MLLOCKED00001")
	// Another process's writer holds SQLite's write lock.
	other := f.open(t, dsn, f.config())
	tx, err := other.db.BeginTx(context.Background(), nil) // _txlock=immediate: takes the lock now
	if err != nil {
		t.Fatal(err)
	}
	body := revocation("ev-locked", "MLLOCKED00001", afterSave(), afterSave())
	start := time.Now()
	deliverSigned(t, v, body, http.StatusInternalServerError)
	if took := time.Since(start); took > webhookTimeout+2*time.Second {
		t.Errorf("answered after %v; Square gives up after 10s", took)
	}
	tx.Rollback()
	deliverSigned(t, v, body, http.StatusOK)
	wantState(t, v, "MLLOCKED00001", StateReauthorize)
}
