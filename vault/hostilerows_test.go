package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// "Never panic on anything a database returns": rows altered behind the
// vault's back (a corrupt or foreign ciphertext, a missing key, an unknown
// state, out-of-range numbers, and on PostgreSQL NULLs where the schema
// forbids them) give errors from every call that reads them, never a
// panic, and no request to Square.
func TestHostileRows(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		raw, d, err := openDB(dsn, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		ctx := context.Background()
		alter := map[string]string{
			"MLHOSTILE001": `state = 'weird'`,
			"MLHOSTILE002": `sealed = $2`,
			"MLHOSTILE003": `sealed = NULL`,
			"MLHOSTILE004": `key_id = 'gone-key'`,
			"MLHOSTILE005": `expires_at = -1, refresh_at = -5, failures = -3, retry_at = -1, lease_until = -1, version = -7, short_lived = -2`,
			"MLHOSTILE006": `expires_at = 9223372036854775807, refresh_at = 9223372036854775807, refresh_token_expires_at = -9223372036854775807, retry_at = 9223372036854775807, failures = 2147483647`,
			"MLHOSTILE007": `state = 'reauthorize', last_error = $2`,
		}
		if d.name == postgresDialect.name {
			if _, err := raw.Exec(`ALTER TABLE squareoauth_sellers ALTER COLUMN state DROP NOT NULL,
				ALTER COLUMN failures DROP NOT NULL, ALTER COLUMN key_id DROP NOT NULL`); err != nil {
				t.Fatal(err)
			}
			alter["MLHOSTILE008"] = `state = NULL`
			alter["MLHOSTILE009"] = `failures = NULL, key_id = NULL`
		}
		for m, set := range alter {
			makeDue(t, v, f.connect(t, v, m))
			args := []any{m}
			switch m {
			case "MLHOSTILE002":
				args = append(args, []byte("\x00\x01not a ciphertext"))
			case "MLHOSTILE007":
				args = append(args, "a forged\nline \u202ereversed")
			}
			if _, err := raw.Exec(d.q(`UPDATE squareoauth_sellers SET `+set+` WHERE merchant_id = $1`), args...); err != nil {
				t.Fatalf("%s: %v", set, err)
			}
		}
		before := f.srv.Hits(tokenPath)
		for m, set := range alter {
			tok, err := v.Token(ctx, m)
			if m == "MLHOSTILE005" || m == "MLHOSTILE006" {
				continue // readable; what Token makes of the numbers is not at stake here
			}
			if err == nil {
				t.Errorf("Token after %s = %v; want an error", set, tok)
			}
			if m == "MLHOSTILE004" && !strings.Contains(fmt.Sprint(err), `"gone-key"`) {
				t.Errorf("Token with a missing key: %v; want the key ID named", err)
			}
		}
		for m := range alter {
			v.Seller(ctx, m)
		}
		v.Sellers(ctx)
		v.RefreshDue(ctx, 0)
		if _, err := v.Rekey(ctx); err == nil {
			t.Error("Rekey over a row whose key is missing: no error")
		}
		if hits := f.srv.Hits(tokenPath) - before; hits > 2 {
			t.Errorf("%d ObtainToken requests; want at most the two readable sellers'", hits)
		}
		for m := range alter {
			if err := v.Disconnect(ctx, m); err != nil && !errors.Is(err, ErrNotFound) {
				t.Logf("Disconnect(%s): %v", m, err)
			}
		}
	})
}

// Guarantee 6: a row Rekey cannot decrypt is named in its error and does
// not hold back the rotation of the others.
func TestRekeyPastUnreadableRow(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		ctx := context.Background()
		sellers := []string{"MLREKEYBAD01", "MLREKEYGOOD1", "MLREKEYGOOD2"}
		for _, m := range sellers {
			f.connect(t, v, m)
		}
		raw, d, err := openDB(dsn, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		// Rekey goes by merchant ID: the altered row comes first.
		if _, err := raw.Exec(d.q(`UPDATE squareoauth_sellers SET sealed = $2 WHERE merchant_id = $1`), sellers[0], make([]byte, 64)); err != nil {
			t.Fatal(err)
		}
		both := f.config()
		both.Keys = []Key{testKey("k2"), testKey("k1")}
		n, err := f.open(t, dsn, both).Rekey(ctx)
		if n != 2 || err == nil || !strings.Contains(err.Error(), sellers[0]) {
			t.Errorf("Rekey = %d, %v; want 2 and an error naming %s", n, err, sellers[0])
		}
	})
}
