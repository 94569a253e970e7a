package vault

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/squareoauth/squareoauth"
)

// hookTransport calls the hook, when set, after Square's answer arrives and
// before the vault sees it.
type hookTransport struct {
	mu   sync.Mutex
	hook func()
}

func (h *hookTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	h.mu.Lock()
	hook := h.hook
	h.hook = nil
	h.mu.Unlock()
	if hook != nil {
		hook()
	}
	return resp, err
}

func (h *hookTransport) set(fn func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hook = fn
}

// dbFault makes the sellers table unreadable and unwritable (gone), or
// only unwritable (blocked), and undoes it.
type dbFault struct {
	t   *testing.T
	db  *sql.DB
	eng string
}

func newDBFault(t *testing.T, dsn string) *dbFault {
	db, d, err := openDB(dsn, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &dbFault{t: t, db: db, eng: d.name}
}

func (f *dbFault) exec(stmts ...string) {
	for _, s := range stmts {
		if _, err := f.db.Exec(s); err != nil {
			f.t.Errorf("%s: %v", s, err)
		}
	}
}

func (f *dbFault) gone() {
	f.exec(`ALTER TABLE squareoauth_sellers RENAME TO squareoauth_sellers_away`)
}
func (f *dbFault) back() {
	f.exec(`ALTER TABLE squareoauth_sellers_away RENAME TO squareoauth_sellers`)
}
func (f *dbFault) blocked() {
	if f.eng == "sqlite" {
		f.exec(`CREATE TRIGGER vault_test_block BEFORE UPDATE ON squareoauth_sellers BEGIN SELECT RAISE(ABORT, 'writes blocked by the test'); END`)
		return
	}
	f.exec(`CREATE FUNCTION vault_test_block() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'writes blocked by the test'; END $$`,
		`CREATE TRIGGER vault_test_block BEFORE UPDATE ON squareoauth_sellers FOR EACH ROW EXECUTE FUNCTION vault_test_block()`)
}
func (f *dbFault) unblocked() {
	if f.eng == "sqlite" {
		f.exec(`DROP TRIGGER vault_test_block`)
		return
	}
	f.exec(`DROP TRIGGER vault_test_block ON squareoauth_sellers`)
}

// Guarantee 5: the database unavailable at each step of a refresh loses
// no token, PKCE included: before the lease nothing is sent; after Square
// answered (the database gone) and at the write (writes failing) the new
// token is kept, every call fails loudly, and it is stored once the
// database is back, by the next call or by the background retry.
func TestStorageFaultMatrix(t *testing.T) {
	t.Parallel()
	for _, step := range []string{"before the lease", "after Square answered", "at the write"} {
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			bothEngines(t, func(t *testing.T, dsn string) {
				f := newFixture(t)
				hook := &hookTransport{}
				cfg := f.srv.Config()
				cfg.HTTPClient = &http.Client{Transport: hook}
				client, err := squareoauth.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				vcfg := f.config()
				vcfg.Client = client
				v := f.open(t, dsn, vcfg)
				other := f.open(t, dsn, vcfg)
				fault := newDBFault(t, dsn)
				ctx := context.Background()
				const m = "MLSTORAGE001"
				old := makeDue(t, v, f.connectPKCE(t, v, m))
				before := f.srv.Hits(tokenPath)

				var heal func()
				switch step {
				case "before the lease":
					fault.gone()
					heal = fault.back
				case "after Square answered":
					hook.set(fault.gone)
					heal = fault.back
				case "at the write":
					hook.set(fault.blocked)
					heal = fault.unblocked
				}
				for range 3 {
					if tok, err := v.Token(ctx, m); err == nil {
						t.Fatalf("Token = %v with the database down; want an error", tok)
					} else if step != "before the lease" && !strings.Contains(err.Error(), "kept in memory") {
						t.Errorf("Token: %v; want it to say the token is kept", err)
					}
				}
				sent := f.srv.Hits(tokenPath) - before
				if want := map[bool]int{true: 0, false: 1}[step == "before the lease"]; sent != want {
					t.Fatalf("%d ObtainToken requests while the database was down, want %d", sent, want)
				}
				heal()
				if step == "at the write" {
					// The background retry stores it without a call.
					waitFor(t, func() bool { s, err := other.Seller(ctx, m); return err == nil && !s.RefreshedAt.IsZero() })
				}
				tok, err := other.Token(ctx, m)
				if step == "after Square answered" {
					tok, err = v.Token(ctx, m) // the next call stores it
				}
				if err != nil {
					t.Fatal(err)
				}
				if tok.RefreshToken == old.RefreshToken || tok.AccessToken == old.AccessToken {
					t.Fatal("the refreshed PKCE token was lost")
				}
				if got, err := other.Token(ctx, m); err != nil || !sameToken(got, tok) {
					t.Fatalf("another instance reads %v, %v", got, err)
				}
				if hits := f.srv.Hits(tokenPath) - before; hits != 1 {
					t.Errorf("%d ObtainToken requests, want 1", hits)
				}
				// The stored rotated refresh token works.
				makeDue(t, other, tok)
				if _, err := other.Token(ctx, m); err != nil {
					t.Errorf("refreshing with the stored refresh token: %v", err)
				}
			})
		})
	}
}

// Guarantee 5: Connect returns the token with the storage error when the
// save fails, so that the spent code's token can be saved again.
func TestConnectReturnsTokenWhenSaveFails(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		fault := newDBFault(t, dsn)
		ctx := context.Background()
		fault.gone()
		tok, err := v.Connect(ctx, squareoauth.ObtainTokenRequest{
			GrantType: squareoauth.GrantTypeAuthorizationCode, Code: f.srv.Authorize("MLCONNECTKEEP"),
		})
		if err == nil || tok.AccessToken == "" {
			t.Fatalf("Connect = %v, %v; want the token and an error", tok, err)
		}
		fault.back()
		if err := v.Save(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if got, err := v.Token(ctx, "MLCONNECTKEEP"); err != nil || !sameToken(got, tok) {
			t.Errorf("Token = %v, %v", got, err)
		}
	})
}
