package vault

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// schemaVersion is the newest schema this code knows. A database at a
// newer version was written by newer code, whose rows this code might
// misread or whose invariants it might break: Open refuses it.
const schemaVersion = 1

// migrations[i] takes the schema from version i to i+1. BLOB stands for
// the dialect's byte-string type.
var migrations = [][]string{
	{
		// One row per seller. Times are Unix milliseconds; expires_at and
		// refresh_at come from the token, lease_until and retry_at from the
		// database's clock. sealed is the AES-256-GCM ciphertext of both
		// tokens under key key_id (NULL once the tokens are wiped).
		// version rises with every new token or state and fences the
		// compare-and-set writes of a refresh.
		`CREATE TABLE squareoauth_sellers (
			merchant_id TEXT PRIMARY KEY,
			state TEXT NOT NULL,
			key_id TEXT NOT NULL,
			sealed BLOB,
			expires_at BIGINT NOT NULL,
			refresh_at BIGINT NOT NULL,
			refresh_token_expires_at BIGINT NOT NULL,
			short_lived INTEGER NOT NULL,
			version BIGINT NOT NULL,
			lease_owner TEXT NOT NULL,
			lease_until BIGINT NOT NULL,
			retry_at BIGINT NOT NULL,
			failures INTEGER NOT NULL,
			last_error TEXT NOT NULL,
			saved_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			refreshed_at BIGINT NOT NULL
		)`,
		`CREATE INDEX squareoauth_sellers_due ON squareoauth_sellers (refresh_at)`,
		// Webhook deliveries already handled, by Square's event_id.
		`CREATE TABLE squareoauth_webhook_events (
			event_id TEXT PRIMARY KEY,
			received_at BIGINT NOT NULL
		)`,
	},
}

// migrate brings the schema to schemaVersion in one transaction, which
// concurrent Opens take in turn (SQLite's write lock, taken at BEGIN;
// a transaction-level advisory lock on PostgreSQL).
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("vault: opening the database: %w", err)
	}
	defer tx.Rollback()
	if d.name == postgresDialect.name {
		// The key is arbitrary but fixed: "sqoauthv" in ASCII.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7165348041419405430)`); err != nil {
			return fmt.Errorf("vault: locking the schema: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS squareoauth_vault_schema (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("vault: creating the schema table: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM squareoauth_vault_schema`).Scan(&current); err != nil {
		return fmt.Errorf("vault: reading the schema version: %w", err)
	}
	if current > schemaVersion {
		return fmt.Errorf("vault: the database schema is version %d, newer than this code knows (%d): upgrade the vault module", current, schemaVersion)
	}
	if current == schemaVersion {
		return tx.Commit()
	}
	for _, step := range migrations[current:] {
		for _, stmt := range step {
			if _, err := tx.ExecContext(ctx, strings.ReplaceAll(stmt, "BLOB", d.blob)); err != nil {
				return fmt.Errorf("vault: migrating the schema: %w", err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM squareoauth_vault_schema`); err != nil {
		return fmt.Errorf("vault: recording the schema version: %w", err)
	}
	if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO squareoauth_vault_schema (version) VALUES ($1)`), schemaVersion); err != nil {
		return fmt.Errorf("vault: recording the schema version: %w", err)
	}
	return tx.Commit()
}
