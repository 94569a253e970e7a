package vault

// statements holds every statement, written once for both engines (NOW is
// the database's clock in milliseconds, $n a parameter) and rewritten for
// the dialect by Open.
type statements struct {
	hot, load, all, save, remove                     string
	claim, claimDue, release, poll                   string
	refreshed, keepRefreshToken, failed, reauthorize string
	deferRefresh, rekeyList, rekey                   string
	seenEvent, recordEvent, revoke                   string
}

const (
	// clearLease ends a lease; lease_until 0 is always in the past.
	clearLease = `lease_owner = '', lease_until = 0`
	// newToken is the SET list of a token being written; $3.. are a
	// sealedToken's fields.
	newToken = `key_id = $3, sealed = $4, expires_at = $5, refresh_at = $6,
		refresh_token_expires_at = $7, short_lived = $8, version = version + 1`
)

func newStatements(d dialect) statements {
	s := statements{
		// Token's hot path reads only what a fresh seller needs.
		hot: `SELECT state, key_id, sealed, expires_at, refresh_at, refresh_token_expires_at, short_lived
			FROM squareoauth_sellers WHERE merchant_id = $1`,
		load: `SELECT ` + rowColumns + ` FROM squareoauth_sellers WHERE merchant_id = $1`,
		all:  `SELECT ` + rowColumns + ` FROM squareoauth_sellers ORDER BY merchant_id`,
		// Save and Connect: a new authorization starts afresh, and its
		// version bump fences off any refresh still in flight.
		save: `INSERT INTO squareoauth_sellers (merchant_id, state, key_id, sealed, expires_at,
				refresh_at, refresh_token_expires_at, short_lived, version, lease_owner,
				lease_until, retry_at, failures, last_error, saved_at, updated_at, refreshed_at)
			VALUES ($1, 'active', $2, $3, $4, $5, $6, $7, 1, '', 0, 0, 0, '', NOW, NOW, 0)
			ON CONFLICT (merchant_id) DO UPDATE SET state = 'active', key_id = excluded.key_id,
				sealed = excluded.sealed, expires_at = excluded.expires_at,
				refresh_at = excluded.refresh_at,
				refresh_token_expires_at = excluded.refresh_token_expires_at,
				short_lived = excluded.short_lived, version = squareoauth_sellers.version + 1,
				` + clearLease + `, retry_at = 0, failures = 0, last_error = '',
				saved_at = excluded.saved_at, updated_at = excluded.updated_at`,
		remove: `DELETE FROM squareoauth_sellers WHERE merchant_id = $1`,

		// A lease is taken only on the row as the caller read it (same
		// version), so taking it re-reads the row atomically: if another
		// instance refreshed meanwhile, the version moved and the claim
		// fails.
		claim: `UPDATE squareoauth_sellers SET lease_owner = $2, lease_until = NOW + $3
			WHERE merchant_id = $1 AND version = $4 AND state = 'active' AND lease_until <= NOW`,
		release: `UPDATE squareoauth_sellers SET ` + clearLease + `
			WHERE merchant_id = $1 AND version = $2 AND lease_owner = $3`,
		poll: `SELECT version, lease_until, NOW FROM squareoauth_sellers WHERE merchant_id = $1`,

		// The writes that end a refresh are compare-and-sets on the
		// version read before the request: the version is the fencing
		// token, so a Save, a revocation or another instance's refresh
		// that landed meanwhile wins.
		refreshed: `UPDATE squareoauth_sellers SET ` + newToken + `, ` + clearLease + `,
				retry_at = 0, failures = 0, last_error = '', updated_at = NOW, refreshed_at = NOW
			WHERE merchant_id = $1 AND version = $2 AND state = 'active'`,
		keepRefreshToken: `UPDATE squareoauth_sellers SET ` + newToken + `, ` + clearLease + `,
				retry_at = NOW + $9, failures = failures + 1, last_error = $10, updated_at = NOW
			WHERE merchant_id = $1 AND version = $2 AND state = 'active'`,
		failed: `UPDATE squareoauth_sellers SET ` + clearLease + `, retry_at = NOW + $3,
				failures = failures + 1, last_error = $4, updated_at = NOW
			WHERE merchant_id = $1 AND version = $2`,
		reauthorize: `UPDATE squareoauth_sellers SET state = 'reauthorize', key_id = '', sealed = NULL,
				version = version + 1, ` + clearLease + `, last_error = $3, updated_at = NOW
			WHERE merchant_id = $1 AND version = $2`,
		deferRefresh: `UPDATE squareoauth_sellers SET refresh_at = $3, ` + clearLease + `
			WHERE merchant_id = $1 AND version = $2`,

		rekeyList: `SELECT merchant_id, key_id, sealed, version FROM squareoauth_sellers
			WHERE key_id <> $1 AND sealed IS NOT NULL`,
		// Rekey changes no token, so it keeps the version: a refresh in
		// flight still lands, and a rekey racing one loses.
		rekey: `UPDATE squareoauth_sellers SET key_id = $3, sealed = $4
			WHERE merchant_id = $1 AND version = $2 AND key_id = $5`,

		seenEvent:   `SELECT COUNT(*) FROM squareoauth_webhook_events WHERE event_id = $1`,
		recordEvent: `INSERT INTO squareoauth_webhook_events (event_id, received_at) VALUES ($1, NOW) ON CONFLICT (event_id) DO NOTHING`,
		revoke: `UPDATE squareoauth_sellers SET state = 'reauthorize', key_id = '', sealed = NULL,
				version = version + 1, ` + clearLease + `, retry_at = 0, last_error = $2, updated_at = NOW
			WHERE merchant_id = $1 AND saved_at <= $3`,
	}
	// The background refresher claims a batch of due sellers in one
	// statement. On PostgreSQL, SKIP LOCKED lets instances claiming at the
	// same moment take disjoint batches instead of queueing on each other's
	// rows; the outer conditions are checked again on the row as it is
	// when updated. SQLite has one writer at a time and needs neither.
	skipLocked := ""
	if d.name == postgresDialect.name {
		skipLocked = " FOR UPDATE SKIP LOCKED"
	}
	due := `state = 'active' AND refresh_at <= $3 AND retry_at <= NOW AND lease_until <= NOW`
	s.claimDue = `UPDATE squareoauth_sellers SET lease_owner = $1, lease_until = NOW + $2
		WHERE merchant_id IN (SELECT merchant_id FROM squareoauth_sellers WHERE ` + due + `
			ORDER BY refresh_at LIMIT $4` + skipLocked + `) AND ` + due + `
		RETURNING ` + rowColumns
	for _, p := range []*string{&s.hot, &s.load, &s.all, &s.save, &s.remove, &s.claim, &s.claimDue, &s.release,
		&s.poll, &s.refreshed, &s.keepRefreshToken, &s.failed, &s.reauthorize, &s.deferRefresh,
		&s.rekeyList, &s.rekey, &s.seenEvent, &s.recordEvent, &s.revoke} {
		*p = d.q(*p)
	}
	return s
}
