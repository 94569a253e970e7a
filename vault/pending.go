package vault

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// pendingWrite is a token Square issued whose write failed. With PKCE the
// refresh token it replaced is spent, so it is kept in memory and written
// again until the write lands; meanwhile every call for the seller fails
// loudly rather than hand out a token the database does not hold.
type pendingWrite struct {
	st      sealedToken
	version int64 // the row's version before the refresh
	err     error // the latest write failure
}

// pendingWrites holds this process's pending writes, by merchant ID.
type pendingWrites struct {
	mu sync.Mutex
	m  map[string]*pendingWrite
}

func (p *pendingWrites) get(merchantID string) *pendingWrite {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.m[merchantID]
}

func (p *pendingWrites) put(merchantID string, w *pendingWrite) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[merchantID] = w
}

// drop forgets a pending write that landed or that a newer write (Save,
// a revocation) outranks.
func (p *pendingWrites) drop(merchantID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, merchantID)
}

func (p *pendingWrites) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.m)
}

// pendingRetryEvery spaces the background attempts to write a pending token.
const pendingRetryEvery = 200 * time.Millisecond

// keep records a refreshed token whose write failed and retries the write
// in the background until it lands or the Vault closes.
func (v *Vault) keep(merchantID string, w *pendingWrite) error {
	v.pending.put(merchantID, w)
	v.cfg.Logger.Error("vault: a refreshed token could not be stored; kept in memory, retrying",
		"merchant_id", merchantID, "error", w.err)
	v.wg.Add(1)
	go func() {
		defer v.wg.Done()
		t := time.NewTicker(pendingRetryEvery)
		defer t.Stop()
		for {
			select {
			case <-v.bg.Done():
				return
			case <-t.C:
			}
			if v.pending.get(merchantID) != w {
				return
			}
			if v.flush(v.bg, merchantID) == nil {
				return
			}
		}
	}()
	return v.pendingErr(merchantID, w)
}

func (v *Vault) pendingErr(merchantID string, w *pendingWrite) error {
	return fmt.Errorf("vault: seller %q was refreshed but the new token could not be stored; it is kept in memory and the write is retried, and calls fail until it lands: %w", merchantID, w.err)
}

// flush writes a pending token of merchantID, if any. It returns nil once
// nothing is pending: written, or outranked by a newer write.
func (v *Vault) flush(ctx context.Context, merchantID string) error {
	w := v.pending.get(merchantID)
	if w == nil {
		return nil
	}
	landed, err := v.writeRefreshed(ctx, v.db, merchantID, w.version, w.st)
	if err != nil {
		return v.pendingErr(merchantID, w)
	}
	v.pending.drop(merchantID)
	if landed {
		v.cfg.Logger.Info("vault: a kept token was stored", "merchant_id", merchantID)
	} else {
		v.cfg.Logger.Warn("vault: a kept token was outranked by a newer write and dropped", "merchant_id", merchantID)
	}
	return nil
}

// writeRefreshed is the compare-and-set that ends a successful refresh.
// landed false means the row moved on meanwhile (a Save, a revocation).
func (v *Vault) writeRefreshed(ctx context.Context, x execer, merchantID string, version int64, st sealedToken) (landed bool, err error) {
	res, err := x.ExecContext(ctx, v.sql.refreshed, merchantID, version,
		st.keyID, st.sealed, st.expiresAt, st.refreshAt, st.rtExpiresAt, st.shortLived)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
