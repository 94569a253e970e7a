package vault

import (
	"context"
	"errors"
	"fmt"

	"github.com/squareoauth/squareoauth"
)

// Save stores a seller's token, named by tok.MerchantID, encrypted, and
// makes the seller active: a new authorization replaces whatever the vault
// held, ends any failure backoff, and outranks a refresh in flight.
func (v *Vault) Save(ctx context.Context, tok squareoauth.Token) error {
	switch {
	case tok.MerchantID == "":
		return inputErr("Token.MerchantID", "is empty: it names the seller")
	case tok.AccessToken == "":
		return inputErr("Token.AccessToken", "is empty")
	case tok.ExpiresAt.IsZero():
		return inputErr("Token.ExpiresAt", "is zero: store the expiry Square sent")
	}
	st, err := v.sealToken(tok, false)
	if err != nil {
		return err
	}
	if _, err := v.db.ExecContext(ctx, v.sql.save, tok.MerchantID, st.keyID, st.sealed,
		st.expiresAt, st.refreshAt, st.rtExpiresAt, st.shortLived); err != nil {
		return fmt.Errorf("vault: saving seller %q: %w", tok.MerchantID, err)
	}
	// A refreshed token still waiting to be written is outranked now.
	v.pending.drop(tok.MerchantID)
	return nil
}

// Connect exchanges an authorization code (or a migration token) with
// ObtainToken and saves the token. If the exchange succeeds but the save
// fails, Connect returns the token together with the error: the code is
// spent, so the caller must keep the token and Save it again.
func (v *Vault) Connect(ctx context.Context, req squareoauth.ObtainTokenRequest) (squareoauth.Token, error) {
	if req.GrantType == squareoauth.GrantTypeRefreshToken {
		return squareoauth.Token{}, inputErr("ObtainTokenRequest.GrantType", "is refresh_token: Connect stores a new authorization; the vault refreshes by itself")
	}
	resp, err := v.cfg.Client.ObtainToken(ctx, req)
	if err != nil {
		return squareoauth.Token{}, err
	}
	tok, err := resp.Token()
	if err != nil {
		return squareoauth.Token{}, err
	}
	if err := v.Save(ctx, tok); err != nil {
		return tok, fmt.Errorf("vault: Square issued the token but storing it failed; keep it and Save it again: %w", err)
	}
	return tok, nil
}

// Disconnect ends the application's access to a seller: it revokes every
// token of the seller at Square when the Client has a client secret (which
// RevokeToken needs), then deletes the seller's row. If Square does not
// confirm the revocation the row is kept and the error returned, so the
// call can be repeated.
func (v *Vault) Disconnect(ctx context.Context, merchantID string) error {
	if merchantID == "" {
		return inputErr("merchantID", "is empty")
	}
	if _, err := v.load(ctx, merchantID); err != nil {
		return err
	}
	if v.cfg.Client.HasClientSecret() {
		if _, err := v.cfg.Client.RevokeToken(ctx, squareoauth.RevokeTokenRequest{MerchantID: merchantID}); err != nil {
			return fmt.Errorf("vault: revoking seller %q at Square: %w", merchantID, err)
		}
	}
	res, err := v.db.ExecContext(ctx, v.sql.remove, merchantID)
	if err != nil {
		return fmt.Errorf("vault: deleting seller %q: %w", merchantID, err)
	}
	v.pending.drop(merchantID)
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return errors.Join(ErrNotFound, fmt.Errorf("vault: seller %q was deleted meanwhile", merchantID))
	}
	return nil
}
