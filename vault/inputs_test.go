package vault

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
)

// Guarantee 9: a bad Config or DSN is an *InputError naming the field;
// nothing is written and nothing is sent.
func TestOpenRejectsBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	good := f.config()
	cases := []struct {
		name, field string
		dsn         string
		cfg         func(*Config)
	}{
		{"no client", "Config.Client", "", func(c *Config) { c.Client = nil }},
		{"no keys", "Config.Keys", "", func(c *Config) { c.Keys = nil }},
		{"short key", "Config.Keys[1].Secret", "", func(c *Config) { c.Keys = []Key{testKey("a"), {ID: "b", Secret: make([]byte, 16)}} }},
		{"duplicate IDs", "Config.Keys[1].ID", "", func(c *Config) { c.Keys = []Key{testKey("a"), testKey("a")} }},
		{"empty key ID", "Config.Keys[0].ID", "", func(c *Config) { c.Keys = []Key{{Secret: make([]byte, 32)}} }},
		{"negative lease", "Config.Lease", "", func(c *Config) { c.Lease = -time.Second }},
		{"unknown scheme", "dsn", "mysql://localhost/db", func(*Config) {}},
		{"sqlite without path", "dsn", "sqlite:", func(*Config) {}},
		{"sqlite with query", "dsn", "sqlite:x.db?_pragma=foo", func(*Config) {}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			dsn := c.dsn
			if dsn == "" {
				dsn = "sqlite:" + filepath.Join(dir, "vault.db")
			}
			cfg := good
			c.cfg(&cfg)
			v, err := Open(context.Background(), dsn, cfg)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != c.field {
				if v != nil {
					v.Close()
				}
				t.Fatalf("Open: %v; want an *InputError naming %s", err, c.field)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("Open wrote %d files", len(entries))
			}
		})
	}
	if n := len(f.srv.Requests()); n != 0 {
		t.Errorf("%d requests to Square", n)
	}
}

// Guarantee 9: bad arguments name the argument and change nothing.
func TestCallsRejectBadInput(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		ctx := context.Background()
		later := time.Now().Add(time.Hour)
		checks := map[string]error{
			"Token.MerchantID":  v.Save(ctx, squareoauth.Token{AccessToken: "EAAAtoken-no-merchant", ExpiresAt: later}),
			"Token.AccessToken": v.Save(ctx, squareoauth.Token{MerchantID: "MLNOACCESS01", ExpiresAt: later}),
			"Token.ExpiresAt":   v.Save(ctx, squareoauth.Token{MerchantID: "MLNOEXPIRY01", AccessToken: "EAAAtoken-no-expiry"}),
		}
		_, checks["merchantID"] = v.Token(ctx, "")
		_, err := v.Seller(ctx, "")
		checks["merchantID (Seller)"] = err
		checks["merchantID (Disconnect)"] = v.Disconnect(ctx, "")
		_, checks["ObtainTokenRequest.GrantType"] = v.Connect(ctx, squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeRefreshToken, RefreshToken: "x"})
		_, checks["limit"] = v.RefreshDue(ctx, -1)
		checks["every"] = v.Run(ctx, 0)
		for field, err := range checks {
			want, _, _ := strings.Cut(field, " ")
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != want {
				t.Errorf("%s: %v; want an *InputError naming it", field, err)
			}
		}
		if all, err := v.Sellers(ctx); err != nil || len(all) != 0 {
			t.Errorf("Sellers = %v, %v; want none", all, err)
		}
		if n := len(f.srv.Requests()); n != 0 {
			t.Errorf("%d requests to Square", n)
		}
		if _, err := v.Token(ctx, "MLUNKNOWN001"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Token(unknown): %v; want ErrNotFound", err)
		}
	})
}

// Guarantee 9: a schema newer than the code is refused at Open.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		if _, err := v.db.Exec(`UPDATE squareoauth_vault_schema SET version = version + 1`); err != nil {
			t.Fatal(err)
		}
		if v2, err := Open(context.Background(), dsn, f.config()); err == nil {
			v2.Close()
			t.Fatal("Open accepted a schema newer than the code")
		}
		// Opening an up-to-date database again is fine.
		if _, err := v.db.Exec(`UPDATE squareoauth_vault_schema SET version = version - 1`); err != nil {
			t.Fatal(err)
		}
		f.open(t, dsn, f.config())
	})
}

// Guarantee 9: the connection pool is bounded, by default and by MaxConns.
func TestPoolBounded(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		want := map[string]int{"sqlite": 4, "postgres": 10}[v.d.name]
		if got := v.db.Stats().MaxOpenConnections; got != want {
			t.Errorf("default pool bound %d, want %d", got, want)
		}
		cfg := f.config()
		cfg.MaxConns = 3
		if got := f.open(t, dsn, cfg).db.Stats().MaxOpenConnections; got != 3 {
			t.Errorf("pool bound %d, want 3", got)
		}
	})
}
