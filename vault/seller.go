package vault

import (
	"context"
	"fmt"
	"time"
)

// State is where a seller's authorization stands.
type State string

const (
	// StateActive: the vault holds tokens it can hand out and refresh.
	StateActive State = "active"
	// StateReauthorize: Square refused the refresh, the authorization was
	// revoked, or the token expired with no way to refresh it. The seller
	// must authorize again; Save or Connect makes it active.
	StateReauthorize State = "reauthorize"
)

// Seller is what the vault knows about a seller, without any token: safe
// to print, log and show to an operator.
type Seller struct {
	MerchantID string
	State      State
	// ExpiresAt is when the stored access token expires.
	ExpiresAt time.Time
	// RefreshAt is when the vault refreshes it.
	RefreshAt time.Time
	// RefreshTokenExpiresAt is when a PKCE refresh token expires; zero for
	// the code flow.
	RefreshTokenExpiresAt time.Time
	// ShortLived is set for a 24-hour access token.
	ShortLived bool
	// KeyID names the key the tokens are encrypted under; empty once they
	// are wiped.
	KeyID string
	// LastError says why the last refresh failed, or why the seller must
	// authorize again; empty after a success.
	LastError string
	// Failures counts the refreshes that failed in a row.
	Failures int
	// RetryAt is when a failed refresh is tried again; zero when none
	// failed.
	RetryAt time.Time
	// SavedAt is the latest Save or Connect.
	SavedAt time.Time
	// RefreshedAt is the latest successful refresh; zero before the first.
	RefreshedAt time.Time
	// UpdatedAt is the latest change of the row.
	UpdatedAt time.Time
}

// String shows the seller on one line.
func (s Seller) String() string {
	return fmt.Sprintf("vault.Seller{MerchantID:%q, State:%s, ExpiresAt:%s, RefreshAt:%s, KeyID:%q, Failures:%d, LastError:%q}",
		s.MerchantID, s.State, stamp(s.ExpiresAt), stamp(s.RefreshAt), s.KeyID, s.Failures, s.LastError)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format(time.RFC3339)
}

func (r *row) seller() Seller {
	return Seller{
		MerchantID:            r.merchantID,
		State:                 r.state,
		ExpiresAt:             fromMS(r.expiresAt),
		RefreshAt:             fromMS(r.refreshAt),
		RefreshTokenExpiresAt: fromMS(r.rtExpiresAt),
		ShortLived:            r.shortLived != 0,
		KeyID:                 r.keyID,
		LastError:             r.lastError,
		Failures:              int(r.failures),
		RetryAt:               fromMS(r.retryAt),
		SavedAt:               fromMS(r.savedAt),
		RefreshedAt:           fromMS(r.refreshedAt),
		UpdatedAt:             fromMS(r.updatedAt),
	}
}

// Seller returns what the vault knows about one seller, without tokens.
// An unknown seller is ErrNotFound.
func (v *Vault) Seller(ctx context.Context, merchantID string) (Seller, error) {
	if merchantID == "" {
		return Seller{}, inputErr("merchantID", "is empty")
	}
	r, err := v.load(ctx, merchantID)
	if err != nil {
		return Seller{}, err
	}
	return r.seller(), nil
}

// Sellers returns every seller, by merchant ID, without tokens.
func (v *Vault) Sellers(ctx context.Context) ([]Seller, error) {
	rows, err := v.db.QueryContext(ctx, v.sql.all)
	if err != nil {
		return nil, fmt.Errorf("vault: listing sellers: %w", err)
	}
	defer rows.Close()
	var out []Seller
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("vault: listing sellers: %w", err)
		}
		out = append(out, r.seller())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("vault: listing sellers: %w", err)
	}
	return out, nil
}
