package vault

import (
	"context"
	"testing"
)

func TestSaveTokenSeller(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		ctx := context.Background()
		tok := f.connect(t, v, "MLSELLER0001")
		got, err := v.Token(ctx, "MLSELLER0001")
		if err != nil {
			t.Fatal(err)
		}
		if !sameToken(got, tok) {
			t.Fatalf("Token = %v, want %v", got, tok)
		}
		s, err := v.Seller(ctx, "MLSELLER0001")
		if err != nil {
			t.Fatal(err)
		}
		if s.State != StateActive || s.MerchantID != "MLSELLER0001" {
			t.Fatalf("Seller = %v", s)
		}
	})
}
