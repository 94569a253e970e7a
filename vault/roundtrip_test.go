package vault

import (
	"context"
	"database/sql/driver"
	"strings"
	"sync/atomic"
	"testing"
)

// openCounting opens a vault on dsn whose connections count into n the
// statements they send (only those containing only, when it is set); it is
// closed when the test ends.
func openCounting(t testing.TB, dsn string, cfg Config, n *atomic.Int64, only string) *Vault {
	t.Helper()
	v, err := open(context.Background(), dsn, cfg, func(c driver.Connector) driver.Connector {
		return countingConnector{Connector: c, n: n, only: only}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// countingConnector counts the statements sent on its connections: every
// query, exec, prepare and transaction start is at least one round trip.
type countingConnector struct {
	driver.Connector
	n *atomic.Int64
	// only, when set, counts only the statements that contain it.
	only string
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: conn, n: c.n, only: c.only}, nil
}

// countingConn passes through the interfaces both engines' connections
// implement.
type countingConn struct {
	driver.Conn
	n    *atomic.Int64
	only string
}

func (c countingConn) count(q string) {
	if c.only == "" || strings.Contains(q, c.only) {
		c.n.Add(1)
	}
}

func (c countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.count(q)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.count(q)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.count(q)
	stmt, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return countingStmt{Stmt: stmt, n: c.n, counted: c.only == "" || strings.Contains(q, c.only)}, nil
}

// countingStmt counts the executions of a prepared statement.
type countingStmt struct {
	driver.Stmt
	n       *atomic.Int64
	counted bool
}

func (s countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if s.counted {
		s.n.Add(1)
	}
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

func (s countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if s.counted {
		s.n.Add(1)
	}
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.count("BEGIN")
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

// Guarantee 2: Token on a fresh seller is one statement, one round trip.
func TestFreshTokenOneRoundTrip(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		var n atomic.Int64
		v := openCounting(t, dsn, f.config(), &n, "")
		const m = "MLROUNDTRIP1"
		f.connect(t, v, m)
		if _, err := v.Token(context.Background(), m); err != nil { // warm the pool
			t.Fatal(err)
		}
		before := n.Load()
		const calls = 10
		for range calls {
			if _, err := v.Token(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		}
		if got := n.Load() - before; got != calls {
			t.Errorf("%d statements for %d calls of Token, want one each", got, calls)
		}
	})
}
