package squareoauth_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/squareoauth/squareoauth"
)

// TestSharedClient runs 64 goroutines through one Client, each a seller's
// whole lifecycle, so that go test -race sees every call in parallel.
func TestSharedClient(t *testing.T) {
	t.Parallel()
	f := setup(t)
	const sellers = 64
	errs := make(chan error, sellers)
	var wg sync.WaitGroup
	for i := range sellers {
		wg.Go(func() {
			errs <- lifecycle(t, f, fmt.Sprintf("MLCONCURRENT%04d", i))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func lifecycle(t *testing.T, f fixture, merchant string) error {
	ctx := t.Context()
	tok, err := f.client.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeAuthorizationCode, Code: f.fake.Authorize(merchant, "PAYMENTS_READ")})
	if err != nil {
		return fmt.Errorf("%s: exchange: %w", merchant, err)
	}
	st, err := f.client.RetrieveTokenStatus(ctx, tok.AccessToken)
	if err != nil || st.MerchantID != merchant {
		return fmt.Errorf("%s: status %+v: %v", merchant, st, err)
	}
	next, err := f.client.ObtainToken(ctx, squareoauth.ObtainTokenRequest{
		GrantType: squareoauth.GrantTypeRefreshToken, RefreshToken: tok.RefreshToken})
	if err != nil {
		return fmt.Errorf("%s: refresh: %w", merchant, err)
	}
	if _, err := f.client.RevokeToken(ctx, squareoauth.RevokeTokenRequest{AccessToken: next.AccessToken}); err != nil {
		return fmt.Errorf("%s: revoke: %w", merchant, err)
	}
	if _, err := f.client.RetrieveTokenStatus(ctx, next.AccessToken); err == nil {
		return fmt.Errorf("%s: the revoked token still works", merchant)
	}
	return nil
}
