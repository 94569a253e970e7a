package vault

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// mergedRefreshed writes the refreshed tokens of a group of background
// refreshes in one statement: the same compare-and-set as
// statements.refreshed, row by row, over a list of values. One statement is
// one round trip and, outside a transaction, one commit (one fsync on
// SQLite), where the group's writes one by one in a transaction cost a
// round trip each plus BEGIN and COMMIT. It returns the merchant IDs of
// the rows that changed; a seller missing from them lost its
// compare-and-set, as statements.refreshed affecting no row.
type mergedRefreshed struct {
	d dialect
}

// fields is how many arguments statements.refreshed takes per write:
// merchant_id, version and a sealedToken's six fields.
const mergedFields = 8

// query is the statement for n writes. The values come first in a common
// table expression whose columns are named apart from the table's, so that
// neither engine finds a name ambiguous; SQLite names a bare VALUES
// list's columns itself, and PostgreSQL needs the casts to type them.
func (m mergedRefreshed) query(n int) string {
	var b strings.Builder
	b.WriteString(`WITH v (m, ver, kid, sl, ea, ra, rtea, shl) AS (VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		p := i*mergedFields + 1
		fmt.Fprintf(&b, "(CAST($%d AS TEXT), CAST($%d AS BIGINT), CAST($%d AS TEXT), CAST($%d AS %s), CAST($%d AS BIGINT), CAST($%d AS BIGINT), CAST($%d AS BIGINT), CAST($%d AS INTEGER))",
			p, p+1, p+2, p+3, m.d.blob, p+4, p+5, p+6, p+7)
	}
	b.WriteString(`)
		UPDATE squareoauth_sellers SET key_id = v.kid, sealed = v.sl, expires_at = v.ea,
			refresh_at = v.ra, refresh_token_expires_at = v.rtea, short_lived = v.shl,
			version = version + 1, ` + clearLease + `, retry_at = 0, failures = 0,
			last_error = '', updated_at = NOW, refreshed_at = NOW
		FROM v WHERE merchant_id = v.m AND version = v.ver AND state = 'active'
		RETURNING merchant_id`)
	return m.d.q(b.String())
}

// run writes group, whose every write is statements.refreshed with its
// arguments, and records the rows each write changed. Once it returns
// nil, every write that landed is committed.
func (m mergedRefreshed) run(ctx context.Context, db *sql.DB, group []*groupWrite) error {
	args := make([]any, 0, len(group)*mergedFields)
	for _, w := range group {
		args = append(args, w.args...)
	}
	rows, err := db.QueryContext(ctx, m.query(len(group)), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	landed := make(map[string]bool, len(group))
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		landed[id] = true
	}
	// The statement commits when it completes: its rows read to the end
	// and closed without error.
	if err := rows.Err(); err != nil {
		return err
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, w := range group {
		if landed[w.args[0].(string)] {
			w.n = 1
		}
	}
	return nil
}

// mergeable says whether group can be written by run: every write is
// refreshed with its arguments, each for a different seller.
func (m mergedRefreshed) mergeable(refreshed string, group []*groupWrite) bool {
	if len(group) < 2 {
		return false
	}
	seen := make(map[string]bool, len(group))
	for _, w := range group {
		if w.query != refreshed || len(w.args) != mergedFields {
			return false
		}
		id, ok := w.args[0].(string)
		if !ok || seen[id] {
			return false
		}
		seen[id] = true
	}
	return true
}
