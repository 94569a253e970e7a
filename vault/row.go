package vault

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/squareoauth/squareoauth"
)

// row is one seller's row as stored.
type row struct {
	merchantID string
	state      State
	sealedToken
	version     int64
	leaseOwner  string
	leaseUntil  int64
	retryAt     int64
	failures    int64
	lastError   string
	savedAt     int64
	updatedAt   int64
	refreshedAt int64
	dbNow       int64 // the database's clock when the row was read
}

// rowColumns lists the columns scan reads, followed by the clock.
const rowColumns = `merchant_id, state, key_id, sealed, expires_at, refresh_at,
	refresh_token_expires_at, short_lived, version, lease_owner, lease_until,
	retry_at, failures, last_error, saved_at, updated_at, refreshed_at, NOW`

type scanner interface{ Scan(...any) error }

func scanRow(s scanner) (*row, error) {
	var r row
	err := s.Scan(&r.merchantID, &r.state, &r.keyID, &r.sealed, &r.expiresAt, &r.refreshAt,
		&r.rtExpiresAt, &r.shortLived, &r.version, &r.leaseOwner, &r.leaseUntil,
		&r.retryAt, &r.failures, &r.lastError, &r.savedAt, &r.updatedAt, &r.refreshedAt, &r.dbNow)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// load reads a seller's row in one round trip.
func (v *Vault) load(ctx context.Context, merchantID string) (*row, error) {
	r, err := scanRow(v.db.QueryRowContext(ctx, v.sql.load, merchantID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, merchantID)
	}
	if err != nil {
		return nil, fmt.Errorf("vault: reading seller %q: %w", merchantID, err)
	}
	return r, nil
}

// token decrypts the row's Token.
func (v *Vault) token(r *row) (squareoauth.Token, error) {
	if r.sealed == nil {
		return squareoauth.Token{}, &reauthorizeError{merchantID: r.merchantID, reason: "its tokens were wiped"}
	}
	sec, err := v.sealer.open(r.merchantID, r.keyID, r.sealed)
	if err != nil {
		return squareoauth.Token{}, err
	}
	return squareoauth.Token{
		AccessToken:           sec.AccessToken,
		RefreshToken:          sec.RefreshToken,
		MerchantID:            r.merchantID,
		ExpiresAt:             fromMS(r.expiresAt),
		RefreshTokenExpiresAt: fromMS(r.rtExpiresAt),
		ShortLived:            r.shortLived != 0,
	}, nil
}

// sealedToken is a Token ready to write: its secrets encrypted, its times
// in milliseconds.
type sealedToken struct {
	keyID       string
	sealed      []byte
	expiresAt   int64
	refreshAt   int64
	rtExpiresAt int64
	shortLived  int64
}

// sealToken encrypts tok and computes its refresh point; issued says the
// token was just issued by a refresh (see refreshPoint).
func (v *Vault) sealToken(tok squareoauth.Token, issued bool) (sealedToken, error) {
	keyID, sealed, err := v.sealer.seal(tok.MerchantID, secrets{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken})
	if err != nil {
		return sealedToken{}, err
	}
	st := sealedToken{
		keyID:       keyID,
		sealed:      sealed,
		expiresAt:   toMS(tok.ExpiresAt),
		refreshAt:   toMS(v.refreshPoint(tok, time.Now(), issued)),
		rtExpiresAt: toMS(tok.RefreshTokenExpiresAt),
	}
	if tok.ShortLived {
		st.shortLived = 1
	}
	return st, nil
}

func toMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
