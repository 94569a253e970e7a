package vault

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/squareoauthtest"
	"golang.org/x/oauth2"
)

// defaultTestPostgres is the PostgreSQL the tests use unless
// SQUAREOAUTH_TEST_POSTGRES names another.
const defaultTestPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func testPostgresDSN() string {
	if dsn := os.Getenv("SQUAREOAUTH_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return defaultTestPostgres
}

var (
	pgOnce   sync.Once
	pgAdmin  *sql.DB
	pgReason string
)

// postgresAdmin returns a connection to the test server, or skips the test
// with a one-line reason (fails it when SQUAREOAUTH_REQUIRE_POSTGRES=1).
func postgresAdmin(t testing.TB) *sql.DB {
	t.Helper()
	pgOnce.Do(func() {
		db, _, err := openDB(testPostgresDSN(), 4, nil)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			err = db.PingContext(ctx)
			cancel()
		}
		if err != nil {
			pgReason = "no PostgreSQL answers at SQUAREOAUTH_TEST_POSTGRES (or its default): " + firstLine(err.Error())
			return
		}
		pgAdmin = db
	})
	if pgAdmin == nil {
		if os.Getenv("SQUAREOAUTH_REQUIRE_POSTGRES") == "1" {
			t.Fatal(pgReason)
		}
		t.Skip(pgReason)
	}
	return pgAdmin
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// engineDSN returns a DSN of a fresh, empty database of the engine, which
// the test owns: a file in a temporary directory, or a schema of its own.
func engineDSN(t testing.TB, engine string) string {
	t.Helper()
	if engine == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "vault.db")
	}
	admin := postgresAdmin(t)
	schema := "vault_test_" + strings.ToLower(rand.Text())
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	u, err := url.Parse(testPostgresDSN())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// bothEngines runs fn as a parallel subtest on SQLite and on PostgreSQL.
func bothEngines(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			fn(t, engineDSN(t, engine))
		})
	}
}

// testKey is a fixed 32-byte key for tests.
func testKey(id string) Key {
	secret := make([]byte, 32)
	copy(secret, id)
	return Key{ID: id, Secret: secret}
}

// fixture is a fake Square and a Client for it.
type fixture struct {
	srv    *squareoauthtest.Server
	client *squareoauth.Client
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	srv := squareoauthtest.NewServer(t)
	client, err := squareoauth.New(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, client: client}
}

// config is a Config for the fixture with one key.
func (f *fixture) config() Config {
	return Config{Client: f.client, Keys: []Key{testKey("k1")}}
}

// open opens a vault on dsn, closed when the test ends.
func (f *fixture) open(t testing.TB, dsn string, cfg Config) *Vault {
	t.Helper()
	v, err := Open(context.Background(), dsn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// connect authorizes merchantID at the fake in the code flow and connects
// it through v.
func (f *fixture) connect(t testing.TB, v *Vault, merchantID string) squareoauth.Token {
	t.Helper()
	tok, err := v.Connect(context.Background(), squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode,
		Code:      f.srv.Authorize(merchantID),
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// makeDue saves tok again with an expiry that puts it past its refresh
// point while its access token still works for an hour.
func makeDue(t testing.TB, v *Vault, tok squareoauth.Token) squareoauth.Token {
	t.Helper()
	tok.ExpiresAt = time.Now().Add(time.Hour).Truncate(time.Millisecond)
	if err := v.Save(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

const tokenPath = "/oauth2/token"

// sameToken compares tokens to the millisecond the vault stores.
func sameToken(a, b squareoauth.Token) bool {
	return a.AccessToken == b.AccessToken && a.RefreshToken == b.RefreshToken &&
		a.MerchantID == b.MerchantID && a.ShortLived == b.ShortLived &&
		a.ExpiresAt.UnixMilli() == b.ExpiresAt.UnixMilli() &&
		a.RefreshTokenExpiresAt.UnixMilli() == b.RefreshTokenExpiresAt.UnixMilli()
}

// connectPKCE authorizes merchantID at the fake in the PKCE flow and
// connects it through v.
func (f *fixture) connectPKCE(t testing.TB, v *Vault, merchantID string) squareoauth.Token {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	tok, err := v.Connect(context.Background(), squareoauth.ObtainTokenRequest{
		GrantType:    squareoauth.GrantTypeAuthorizationCode,
		Code:         f.srv.AuthorizePKCE(merchantID, oauth2.S256ChallengeFromVerifier(verifier)),
		CodeVerifier: verifier,
	})
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshTokenExpiresAt.IsZero() {
		t.Fatal("a PKCE token without RefreshTokenExpiresAt")
	}
	return tok
}

// env is a childEnv for the fixture's server and dsn.
func (f *fixture) env(mode, dsn, merchant string) childEnv {
	return childEnv{mode: mode, dsn: dsn, srvURL: f.srv.URL, clientID: f.srv.ClientID,
		secret: f.srv.ClientSecret, merchant: merchant, lease: 5 * time.Second}
}

// clientWith is a Client for the fixture's server with a retry policy.
func (f *fixture) clientWith(t testing.TB, retry squareoauth.RetryPolicy) *squareoauth.Client {
	t.Helper()
	cfg := f.srv.Config()
	cfg.Retry = &retry
	c, err := squareoauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
