package vault

import (
	"context"
	"fmt"
)

// Rekey re-encrypts every row not under Keys[0] with Keys[0] and returns
// how many it rewrote. Each row is rewritten in one statement, so a seller
// is readable throughout by any instance that holds both keys; a row a
// refresh rewrites meanwhile is already under Keys[0] and is left alone.
// Rotate by putting the new key first in every instance's Config, calling
// Rekey, and then removing the old key.
func (v *Vault) Rekey(ctx context.Context) (int, error) {
	type old struct {
		merchantID, keyID string
		sealed            []byte
		version           int64
	}
	rows, err := v.db.QueryContext(ctx, v.sql.rekeyList, v.sealer.primary)
	if err != nil {
		return 0, fmt.Errorf("vault: listing rows to rekey: %w", err)
	}
	var todo []old
	for rows.Next() {
		var o old
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
	for _, o := range todo {
		sec, err := v.sealer.open(o.merchantID, o.keyID, o.sealed)
		if err != nil {
			return n, err
		}
		keyID, sealed, err := v.sealer.seal(o.merchantID, sec)
		if err != nil {
			return n, err
		}
		res, err := v.db.ExecContext(ctx, v.sql.rekey, o.merchantID, o.version, keyID, sealed, o.keyID)
		if err != nil {
			return n, fmt.Errorf("vault: rekeying seller %q: %w", o.merchantID, err)
		}
		if k, err := res.RowsAffected(); err == nil && k == 1 {
			n++
		}
	}
	return n, nil
}
