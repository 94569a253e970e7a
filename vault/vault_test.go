package vault

import (
	"context"
	"errors"
	"testing"
	"time"
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

// TokenSource serves oauth2 callers from the vault.
func TestTokenSource(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.open(t, engineDSN(t, "sqlite"), f.config())
	tok := f.connect(t, v, "MLTOKSOURCE1")
	got, err := v.TokenSource("MLTOKSOURCE1").Token()
	if err != nil || got.AccessToken != tok.AccessToken || got.RefreshToken != "" || got.TokenType != "Bearer" {
		t.Fatalf("Token = %v, %v", got, err)
	}
	if _, err := v.TokenSource("MLUNKNOWN001").Token(); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown seller: %v", err)
	}
}

// Run refreshes due sellers until its context ends.
func TestRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	v := f.open(t, engineDSN(t, "sqlite"), f.config())
	makeDue(t, v, f.connect(t, v, "MLRUNNER0001"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- v.Run(ctx, 10*time.Millisecond) }()
	waitFor(t, func() bool { s, _ := v.Seller(context.Background(), "MLRUNNER0001"); return !s.RefreshedAt.IsZero() })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v", err)
	}
}
