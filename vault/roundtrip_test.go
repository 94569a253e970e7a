package vault

import (
	"context"
	"database/sql/driver"
	"sync/atomic"
	"testing"
)

// countingConnector counts the statements sent on its connections: every
// query, exec, prepare and transaction start is at least one round trip.
type countingConnector struct {
	driver.Connector
	n *atomic.Int64
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: conn, n: c.n}, nil
}

// countingConn passes through the interfaces both engines' connections
// implement.
type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.n.Add(1)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.n.Add(1)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.n.Add(1)
	stmt, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return countingStmt{Stmt: stmt, n: c.n}, nil
}

// countingStmt counts the executions of a prepared statement.
type countingStmt struct {
	driver.Stmt
	n *atomic.Int64
}

func (s countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.n.Add(1)
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

func (s countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.n.Add(1)
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.n.Add(1)
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

// Guarantee 2: Token on a fresh seller is one statement, one round trip.
func TestFreshTokenOneRoundTrip(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		var n atomic.Int64
		v, err := open(context.Background(), dsn, f.config(), func(c driver.Connector) driver.Connector {
			return countingConnector{Connector: c, n: &n}
		})
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
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
