package vault

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
)

// Both engines go through database/sql (PostgreSQL by pgx's stdlib
// adapter rather than pgxpool) so that one set of statements, one pool
// bound (SetMaxOpenConns) and one code path serve both; what differs is
// the dialect below. pgx still caches prepared statements per connection,
// so a hot-path query is one round trip.

// dialect is what differs between the engines.
type dialect struct {
	name string
	// nowMS is an SQL expression for the database's clock in Unix
	// milliseconds. Leases and backoff are judged by this one clock, so
	// that instances on machines whose clocks disagree still agree on
	// when a lease has expired.
	nowMS string
	blob  string
	// maxConns is the default bound of the pool.
	maxConns int
	// committers is how many of RefreshDue's group commits run at once.
	committers int
	// oneWriter says the engine has one write lock for the whole
	// database, for which a process's background writers queue in
	// process (Vault.writer).
	oneWriter bool
	// numbered rewrites "$1"-style parameters for the engine.
	numbered func(string) string
}

var (
	sqliteDialect = dialect{
		name:       "sqlite",
		nowMS:      "CAST(unixepoch('subsec') * 1000 AS INTEGER)",
		blob:       "BLOB",
		maxConns:   4,
		committers: 1,
		oneWriter:  true,
		numbered:   func(q string) string { return strings.ReplaceAll(q, "$", "?") },
	}
	postgresDialect = dialect{
		name:       "postgres",
		nowMS:      "CAST(floor(extract(epoch FROM clock_timestamp()) * 1000) AS BIGINT)",
		blob:       "BYTEA",
		maxConns:   10,
		committers: 3,
		numbered:   func(q string) string { return q },
	}
)

// q writes the dialect's clock and parameters into a statement written for
// both engines, with NOW for the clock and $n for parameters.
func (d dialect) q(query string) string {
	return d.numbered(strings.ReplaceAll(query, "NOW", d.nowMS))
}

// sqliteBusyTimeoutMS is how long a connection waits for SQLite's write
// lock; every write transaction is a few statements long.
const sqliteBusyTimeoutMS = 10000

// openDB opens the database a DSN names, without connecting. An unknown
// scheme or unusable DSN is an *InputError that does not quote the DSN,
// which may hold a password.
// wrap, when not nil, wraps the engine's connector (tests count the
// statements the vault sends).
func openDB(dsn string, maxConns int, wrap func(driver.Connector) driver.Connector) (*sql.DB, dialect, error) {
	connector, d, err := engineConnector(dsn)
	if err != nil {
		return nil, dialect{}, err
	}
	if wrap != nil {
		connector = wrap(connector)
	}
	if maxConns == 0 {
		maxConns = d.maxConns
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	return db, d, nil
}

// dsnConnector connects through a driver that has no connector of its own.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

func engineConnector(dsn string) (driver.Connector, dialect, error) {
	scheme, rest, _ := strings.Cut(dsn, ":")
	switch scheme {
	case "sqlite":
		if rest == "" || strings.ContainsAny(rest, "?#") {
			return nil, dialect{}, inputErr("dsn", `must be "sqlite:PATH" with a file path and no query`)
		}
		// WAL lets readers run beside the one writer; _txlock=immediate
		// takes the write lock when a transaction begins, so a
		// transaction that reads and then writes never fails with
		// SQLITE_BUSY_SNAPSHOT (https://www.sqlite.org/rescode.html#busy_snapshot);
		// synchronous FULL makes a committed write survive a power loss.
		q := url.Values{}
		q.Set("_busy_timeout", strconv.Itoa(sqliteBusyTimeoutMS))
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "FULL")
		q.Set("_txlock", "immediate")
		return dsnConnector{drv: &sqlite.Driver{}, dsn: rest + "?" + q.Encode()}, sqliteDialect, nil
	case "postgres", "postgresql":
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			return nil, dialect{}, inputErr("dsn", "is not a PostgreSQL connection URL pgx accepts")
		}
		return stdlib.GetConnector(*cfg), postgresDialect, nil
	}
	return nil, dialect{}, inputErr("dsn", `has an unknown scheme: use "sqlite:PATH", "postgres://…" or "postgresql://…"`)
}
