package vault

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// execer runs one write statement: the database itself, or a groupCommit.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// groupCommit runs the writes of concurrent background refreshes in shared
// transactions: whatever writes are waiting when one commit ends go into
// the next. Each caller still returns only once its write is committed
// (with PKCE the new refresh token must be durable before anyone uses it),
// but the cost of a commit, one fsync on SQLite, is paid once per group
// instead of once per seller. The rows of one group are leased to this
// instance, so the transactions of different instances do not wait on
// each other.
type groupCommit struct {
	db   *sql.DB
	reqs chan *groupWrite
	max  int
	wg   sync.WaitGroup
	// refreshed is the statement of a refreshed token's write; a group of
	// nothing else goes in one statement (mergedRefreshed). "" merges
	// nothing.
	refreshed string
	merged    mergedRefreshed
	// writer is held while a group is written (Vault.writeLock).
	writer sync.Locker
}

type groupWrite struct {
	ctx   context.Context
	query string
	args  []any
	n     int64
	err   error
	done  chan struct{}
}

// rowsResult is the sql.Result of a write run in a group.
type rowsResult int64

func (rowsResult) LastInsertId() (int64, error)   { return 0, errors.New("vault: no insert ID") }
func (r rowsResult) RowsAffected() (int64, error) { return int64(r), nil }

// newGroupCommit starts committers that run groups of up to limit writes.
// Several committers overlap their commits where the engine allows
// concurrent writers (PostgreSQL, which then flushes their commits
// together); SQLite has one writer and gets one.
func newGroupCommit(db *sql.DB, d dialect, refreshed string, limit, committers int, writer sync.Locker) *groupCommit {
	g := &groupCommit{db: db, reqs: make(chan *groupWrite, limit), max: limit,
		refreshed: refreshed, merged: mergedRefreshed{d: d}, writer: writer}
	for range committers {
		g.wg.Go(g.run)
	}
	return g
}

// ExecContext queues a write and waits until it is committed or has
// failed. ctx bounds the write (RefreshDue's refreshes are already detached
// from its caller, with a deadline of their own).
func (g *groupCommit) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	w := &groupWrite{ctx: ctx, query: query, args: args, done: make(chan struct{})}
	select {
	case g.reqs <- w:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	<-w.done
	if w.err != nil {
		return nil, w.err
	}
	return rowsResult(w.n), nil
}

// close ends the group once every queued write is done; no write may be
// queued after it.
func (g *groupCommit) close() {
	close(g.reqs)
	g.wg.Wait()
}

func (g *groupCommit) run() {
	for first := range g.reqs {
		group := []*groupWrite{first}
	gather:
		for len(group) < g.max {
			select {
			case w, ok := <-g.reqs:
				if !ok {
					break gather
				}
				group = append(group, w)
			default:
				break gather
			}
		}
		g.writer.Lock()
		if len(group) == 1 || g.together(group) != nil {
			// Alone, or the shared transaction failed: each on its own,
			// so that one bad write does not fail the others. A write that
			// did commit with a failed commit is fenced by its version.
			for _, w := range group {
				res, err := g.db.ExecContext(w.ctx, w.query, w.args...)
				if err == nil {
					w.n, err = res.RowsAffected()
				}
				w.err = err
			}
		}
		g.writer.Unlock()
		for _, w := range group {
			close(w.done)
		}
	}
}

// together runs the group in one statement when it can, else in one
// transaction.
func (g *groupCommit) together(group []*groupWrite) error {
	if g.refreshed != "" && g.merged.mergeable(g.refreshed, group) {
		return g.merged.run(group[0].ctx, g.db, group)
	}
	return g.inOne(group)
}

// inOne runs the group in one transaction and records the rows each write
// changed.
func (g *groupCommit) inOne(group []*groupWrite) error {
	ctx := group[0].ctx
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	counts := make([]int64, len(group))
	for i, w := range group {
		res, err := tx.ExecContext(ctx, w.query, w.args...)
		if err != nil {
			return err
		}
		if counts[i], err = res.RowsAffected(); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for i, w := range group {
		w.n = counts[i]
	}
	return nil
}
