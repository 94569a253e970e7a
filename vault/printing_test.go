package vault

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"
)

// Guarantee 10: a Config and its Keys print and log without the webhook
// signature key or a key's secret, under every verb and through log/slog's
// text and JSON handlers.
func TestConfigPrintsNoSecret(t *testing.T) {
	f := newFixture(t)
	cfg := f.config()
	cfg.Keys = append(cfg.Keys, testKey("k0-canary-secret"))
	cfg.WebhookSignatureKey = "whsig-canary-0123456789"
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3v"} {
		fmt.Fprintf(&out, verb+"\n", cfg)
		fmt.Fprintf(&out, verb+"\n", cfg.Keys)
		fmt.Fprintf(&out, verb+"\n", cfg.Keys[1])
		fmt.Fprintf(&out, verb+"\n", &cfg)
	}
	for _, h := range []slog.Handler{slog.NewTextHandler(&out, nil), slog.NewJSONHandler(&out, nil)} {
		// A []Key goes to a JSON handler through encoding/json, which
		// encodes keys in full, for storage, as squareoauth's types.
		slog.New(h).Info("config", "cfg", cfg, "key", cfg.Keys[1])
	}
	if !bytes.Contains(out.Bytes(), []byte(`"k0-canary-secret"`)) {
		t.Fatalf("the key IDs were not printed; the test proves nothing:\n%s", out.Bytes())
	}
	secrets := []string{cfg.WebhookSignatureKey, f.srv.ClientSecret}
	for _, k := range cfg.Keys {
		secrets = append(secrets, string(k.Secret))
	}
	assertAbsent(t, "a printed Config", out.Bytes(), secrets...)
}
