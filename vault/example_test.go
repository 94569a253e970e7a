package vault_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/vault"
)

func Example() {
	ctx := context.Background()
	client, err := squareoauth.New(squareoauth.Config{ClientID: "sq0idp-example-app", ClientSecret: "sq0csp-example-secret"})
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "vault-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	key := make([]byte, 32) // in production: from a secret manager, never from the database
	rand.Read(key)
	v, err := vault.Open(ctx, "sqlite:"+filepath.Join(dir, "vault.db"), vault.Config{
		Client: client,
		Keys:   []vault.Key{{ID: "2026-12", Secret: key}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	// Store a seller's token (Connect exchanges a code and does this).
	err = v.Save(ctx, squareoauth.Token{
		AccessToken:  "EAAAexample-access-token",
		RefreshToken: "EQAAexample-refresh-token",
		MerchantID:   "MLEXAMPLE001",
		ExpiresAt:    time.Date(2099, 1, 31, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		log.Fatal(err)
	}
	s, err := v.Seller(ctx, "MLEXAMPLE001")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.MerchantID, s.State, s.ExpiresAt.Format(time.DateOnly), s.KeyID)
	// Output: MLEXAMPLE001 active 2099-01-31 2026-12
}
