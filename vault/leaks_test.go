package vault

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// Guarantee 10: no token, client secret or key in Seller's printed forms,
// in errors or in logs, through refreshes, passing failures, a storage
// failure and a refusal.
func TestNothingPrintedLeaks(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		logs := &syncBuffer{}
		hook := &hookTransport{}
		ccfg := f.srv.Config()
		ccfg.HTTPClient = &http.Client{Transport: hook}
		ccfg.Retry = &squareoauth.RetryPolicy{MaxAttempts: 1}
		client, err := squareoauth.New(ccfg)
		if err != nil {
			t.Fatal(err)
		}
		cfg := f.config()
		cfg.Client = client
		cfg.Keys = append(cfg.Keys, testKey("k0"))
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		v := f.open(t, dsn, cfg)
		ctx := context.Background()
		var printed bytes.Buffer
		secrets := []string{f.srv.ClientSecret, string(cfg.Keys[0].Secret), string(cfg.Keys[1].Secret)}
		note := func(tok squareoauth.Token, err error) {
			secrets = append(secrets, tok.AccessToken, tok.RefreshToken)
			if err != nil {
				fmt.Fprintf(&printed, "%v %+v %#v\n", err, err, err)
			}
		}
		const m = "MLCANARY0001"
		note(f.connect(t, v, m), nil)
		note(f.connectPKCE(t, v, "MLCANARY0002"), nil)
		// A refresh.
		makeDue(t, v, secretsLast(v, t, m))
		note(v.Token(ctx, m))
		// A passing failure whose body carries a canary.
		makeDue(t, v, secretsLast(v, t, m))
		f.srv.InjectFault(tokenPath, squareoauthtest.Fault{Status: 502, Body: []byte("<html>upstream " + f.srv.ClientSecret + "</html>")})
		note(v.Token(ctx, m))
		// A storage failure after Square answered.
		fault := newDBFault(t, dsn)
		makeDue(t, v, secretsLast(v, t, "MLCANARY0002"))
		hook.set(fault.blocked)
		note(v.Token(ctx, "MLCANARY0002"))
		note(v.Token(ctx, "MLCANARY0002"))
		fault.unblocked()
		note(v.Token(ctx, "MLCANARY0002"))
		// A refusal.
		f.srv.RevokeAll("MLCANARY0002")
		makeDue(t, v, secretsLast(v, t, "MLCANARY0002"))
		note(v.Token(ctx, "MLCANARY0002"))
		// Rekey, Disconnect.
		_, err = v.Rekey(ctx)
		note(squareoauth.Token{}, err)
		note(squareoauth.Token{}, v.Disconnect(ctx, m))

		all, err := v.Sellers(ctx)
		note(squareoauth.Token{}, err)
		for _, s := range all {
			fmt.Fprintf(&printed, "%v %+v %#v %s\n", s, s, s, s)
		}
		for _, k := range cfg.Keys {
			fmt.Fprintf(&printed, "%v %+v %#v %s\n", k, k, k, k)
		}
		fmt.Fprintf(&printed, "%v %+v %#v\n", cfg, cfg, cfg)
		if printed.Len() == 0 || len(logs.Bytes()) == 0 {
			t.Fatal("nothing printed or logged; the test would prove nothing")
		}
		assertAbsent(t, "printed values and errors", printed.Bytes(), secrets...)
		assertAbsent(t, "the logs", logs.Bytes(), secrets...)
	})
}

// secretsLast returns the stored token of m, to save it again.
func secretsLast(v *Vault, t *testing.T, m string) squareoauth.Token {
	t.Helper()
	r, err := v.load(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := v.token(r)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
