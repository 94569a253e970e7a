package vault

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/singleflight"
)

// Vault stores many sellers' Square OAuth tokens, encrypted, in SQLite or
// PostgreSQL, and refreshes each one once for every instance sharing the
// database. It is safe for concurrent use; open one per process and share
// it.
type Vault struct {
	cfg Config
	db  *sql.DB
	d   dialect
	sql statements
	// hotStmt is the hot path's one statement, prepared once: SQLite
	// would otherwise parse it again on every call.
	hotStmt *sql.Stmt
	sealer  *sealer
	// owner names this Vault in the leases it takes.
	owner string
	// flight merges this process's concurrent refreshes of one seller into
	// one, before they reach the database.
	flight  singleflight.Group
	pending pendingWrites
	// writer lets one of this process's background writers at a time
	// (RefreshDue's claims and group commits) ask for SQLite's one write
	// lock: one that finds it taken sleeps 1, 2, 5, 10… ms before asking
	// again (https://www.sqlite.org/c3ref/busy_timeout.html), while the
	// next in line here starts the moment the last one commits. Unused on
	// PostgreSQL, whose writers lock rows, not the database.
	writer sync.Mutex
	// noSecretLogged is set once the missing client secret was logged.
	noSecretLogged atomic.Bool

	// stop ends the background retries of pending writes at Close.
	stop context.CancelFunc
	bg   context.Context
	wg   sync.WaitGroup
}

// Open checks cfg, connects to the database dsn names and brings its
// schema up to date. dsn is "sqlite:PATH" (a file shared by the processes
// of one machine) or a PostgreSQL URL, "postgres://…" or "postgresql://…".
// A bad Config or DSN is an *InputError naming the field, and then nothing
// is opened or written. A database whose schema is newer than this code
// knows is refused.
func Open(ctx context.Context, dsn string, cfg Config) (*Vault, error) {
	return open(ctx, dsn, cfg, nil)
}

func open(ctx context.Context, dsn string, cfg Config, wrap func(driver.Connector) driver.Connector) (*Vault, error) {
	cfg, err := cfg.check()
	if err != nil {
		return nil, err
	}
	sealer, err := newSealer(cfg.Keys)
	if err != nil {
		return nil, err
	}
	db, d, err := openDB(dsn, cfg.MaxConns, wrap)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db, d); err != nil {
		db.Close()
		return nil, err
	}
	stmts := newStatements(d)
	hotStmt, err := db.PrepareContext(ctx, stmts.hot)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("vault: preparing statements: %w", err)
	}
	bg, stop := context.WithCancel(context.Background())
	v := &Vault{
		cfg:     cfg,
		db:      db,
		d:       d,
		sql:     stmts,
		hotStmt: hotStmt,
		sealer:  sealer,
		owner:   strings.ToLower(rand.Text()),
		bg:      bg,
		stop:    stop,
	}
	v.pending.m = make(map[string]*pendingWrite)
	return v, nil
}

// Close stops the vault's background work and closes the database. A
// refreshed token whose write is still failing is lost with the process:
// Close reports it.
func (v *Vault) Close() error {
	v.stop()
	v.wg.Wait()
	v.hotStmt.Close()
	err := v.db.Close()
	if n := v.pending.count(); n > 0 {
		return fmt.Errorf("vault: closed with %d refreshed token(s) never written to the database", n)
	}
	return err
}
