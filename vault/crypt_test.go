package vault

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// rawDatabase returns everything the database holds as bytes: the SQLite
// files (the WAL included), or every table's rows as PostgreSQL prints
// them.
func rawDatabase(t *testing.T, dsn string) []byte {
	t.Helper()
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		var all []byte
		files, _ := filepath.Glob(path + "*")
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return all
	}
	db, _, err := openDB(dsn, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var all []byte
	for _, table := range []string{"squareoauth_sellers", "squareoauth_webhook_events", "squareoauth_vault_schema"} {
		rows, err := db.Query(`SELECT t::text FROM ` + table + ` t`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			all = append(all, s...)
		}
		rows.Close()
	}
	return all
}

// assertAbsent fails when any secret appears in b as is, in hex or in
// base64.
func assertAbsent(t *testing.T, where string, b []byte, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, form := range []string{s, hex.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString([]byte(s)), fmt.Sprint([]byte(s))} {
			if bytes.Contains(b, []byte(form)) {
				t.Errorf("%s holds a secret in clear", where)
			}
		}
	}
}

// Guarantee 6: no access token, refresh token, client secret or key is in
// the database in clear, whichever way it is read.
func TestEncryptedAtRest(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		ctx := context.Background()
		code := f.connect(t, v, "MLATREST0001")
		pkce := makeDue(t, v, f.connectPKCE(t, v, "MLATREST0002"))
		refreshed, err := v.Token(ctx, pkce.MerchantID)
		if err != nil {
			t.Fatal(err)
		}
		raw := rawDatabase(t, dsn)
		if !bytes.Contains(raw, []byte("MLATREST0002")) {
			t.Fatal("the dump does not hold the rows; the test would prove nothing")
		}
		assertAbsent(t, "the database", raw, code.AccessToken, code.RefreshToken, pkce.AccessToken,
			pkce.RefreshToken, refreshed.AccessToken, refreshed.RefreshToken, f.srv.ClientSecret,
			string(testKey("k1").Secret))
	})
}

// A ciphertext copied onto another seller's row fails to decrypt: an
// error, never the other seller's token.
func TestCiphertextBoundToSeller(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		ctx := context.Background()
		a := f.connect(t, v, "MLSELLERAAAA")
		f.connect(t, v, "MLSELLERBBBB")
		if _, err := v.db.Exec(v.d.q(`UPDATE squareoauth_sellers SET sealed = (SELECT sealed FROM squareoauth_sellers WHERE merchant_id = $1) WHERE merchant_id = $2`),
			"MLSELLERAAAA", "MLSELLERBBBB"); err != nil {
			t.Fatal(err)
		}
		tok, err := v.Token(ctx, "MLSELLERBBBB")
		if err == nil || tok.AccessToken != "" {
			t.Fatal("a ciphertext copied from another seller decrypted")
		}
		assertAbsent(t, "the error", []byte(err.Error()), a.AccessToken, a.RefreshToken)
	})
}

// A fresh nonce per write: saving the same token twice stores different
// ciphertexts.
func TestRandomNoncePerWrite(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.open(t, engineDSN(t, "sqlite"), f.config())
	ctx := context.Background()
	tok := f.connect(t, v, "MLNONCE00001")
	first, _ := v.load(ctx, tok.MerchantID)
	if err := v.Save(ctx, tok); err != nil {
		t.Fatal(err)
	}
	second, _ := v.load(ctx, tok.MerchantID)
	if bytes.Equal(first.sealed, second.sealed) {
		t.Error("the same token encrypted twice gave the same ciphertext")
	}
}

// A row whose key is not configured is an error naming the key ID; Rekey
// moves every row to Keys[0] while every seller stays readable, after
// which the old key can go.
func TestKeysAndRekey(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		ctx := context.Background()
		var ids []string
		for _, m := range []string{"MLREKEY00001", "MLREKEY00002", "MLREKEY00003"} {
			f.connect(t, v, m)
			ids = append(ids, m)
		}
		onlyNew := f.config()
		onlyNew.Keys = []Key{testKey("k2")}
		fresh := f.open(t, dsn, onlyNew)
		if _, err := fresh.Token(ctx, ids[0]); err == nil || !strings.Contains(err.Error(), `"k1"`) {
			t.Fatalf("Token without the row's key: %v; want an error naming key k1", err)
		}

		both := f.config()
		both.Keys = []Key{testKey("k2"), testKey("k1")}
		rotating := f.open(t, dsn, both)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { // readers throughout the rekey
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, m := range ids {
					if _, err := rotating.Token(ctx, m); err != nil {
						t.Errorf("Token during Rekey: %v", err)
						return
					}
				}
			}
		})
		n, err := rotating.Rekey(ctx)
		close(stop)
		wg.Wait()
		if err != nil || n != len(ids) {
			t.Fatalf("Rekey = %d, %v; want %d", n, err, len(ids))
		}
		for _, m := range ids {
			if _, err := fresh.Token(ctx, m); err != nil {
				t.Errorf("Token with only the new key after Rekey: %v", err)
			}
			if s, _ := fresh.Seller(ctx, m); s.KeyID != "k2" {
				t.Errorf("Seller.KeyID = %q, want k2", s.KeyID)
			}
		}
		if n, err := rotating.Rekey(ctx); err != nil || n != 0 {
			t.Errorf("Rekey again = %d, %v; want 0", n, err)
		}
	})
}
