package vault

import (
	"context"
	"errors"
	"fmt"
)

// Rekey re-encrypts every row not under Keys[0] with Keys[0] and returns
// how many it rewrote. A row it cannot decrypt (its key is not in
// Config.Keys, or the row was altered) is left as it is and named in the
// error, after the other rows are rewritten. Each row is rewritten in one statement, so a seller
// is readable throughout by any instance that holds both keys; a row a
// refresh rewrites meanwhile is already under Keys[0] and is left alone.
// Rotate by putting the new key first in every instance's Config, calling
// Rekey, and then removing the old key.
func (v *Vault) Rekey(ctx context.Context) (int, error) {
	rows, err := v.db.QueryContext(ctx, v.sql.rekeyList, v.sealer.primary)
	if err != nil {
		return 0, fmt.Errorf("vault: listing rows to rekey: %w", err)
	}
	var todo []rekeyItem
	for rows.Next() {
		var o rekeyItem
		if err := rows.Scan(&o.merchantID, &o.keyID, &o.sealed, &o.version); err != nil {
			rows.Close()
			return 0, fmt.Errorf("vault: listing rows to rekey: %w", err)
		}
		todo = append(todo, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("vault: listing rows to rekey: %w", err)
	}
	n := 0
	var unreadable []error
	for _, o := range todo {
		sec, err := v.sealer.open(o.merchantID, o.keyID, o.sealed)
		if err != nil {
			// One row that does not decrypt (its key missing from
			// Config.Keys, or altered) must not hold back the rotation
			// of the others.
			unreadable = append(unreadable, err)
			continue
		}
		rewrote, err := v.rekeyRow(ctx, o, sec)
		if err != nil {
			return n, err
		}
		if rewrote {
			n++
		}
	}
	return n, errors.Join(unreadable...)
}

// rekeyItem is a row as Rekey listed it.
type rekeyItem struct {
	merchantID, keyID string
	sealed            []byte
	version           int64
}

// rekeyRow writes o's tokens sec again under the primary key, only if the
// row is still as listed: a refresh, Save or revocation that landed since
// holds a newer token, which the old one must not overwrite.
func (v *Vault) rekeyRow(ctx context.Context, o rekeyItem, sec secrets) (bool, error) {
	keyID, sealed, err := v.sealer.seal(o.merchantID, sec)
	if err != nil {
		return false, err
	}
	res, err := v.db.ExecContext(ctx, v.sql.rekey, o.merchantID, o.version, keyID, sealed, o.keyID)
	if err != nil {
		return false, fmt.Errorf("vault: rekeying seller %q: %w", o.merchantID, err)
	}
	k, err := res.RowsAffected()
	return err == nil && k == 1, nil
}
