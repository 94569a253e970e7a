package vault

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/squareoauth/squareoauth"
)

// The fake Square's ceiling for BenchmarkRefreshDue: child processes, as
// many as in the vault run, each with as many requests in flight as a
// vault process (Config.RefreshConcurrency), send refresh requests with a
// bare net/http client and encoding/json, and nothing else: no database,
// no encryption, no SDK. Both sides of the ratio thus pay for the same
// fake (in the parent, checking every request against the spec), the
// same number of processes and an HTTP client; what the vault run adds
// is the vault's own work.

// writeCeilingTokens deals the refresh tokens of toks to n files, one per
// child, one token a line, and returns their paths.
func writeCeilingTokens(b *testing.B, toks []squareoauth.Token, n int) []string {
	b.Helper()
	parts := make([]strings.Builder, n)
	for i, tok := range toks {
		parts[i%n].WriteString(tok.RefreshToken + "\n")
	}
	paths := make([]string, n)
	dir := b.TempDir()
	for i := range parts {
		paths[i] = filepath.Join(dir, fmt.Sprintf("tokens%d", i))
		if err := os.WriteFile(paths[i], []byte(parts[i].String()), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	return paths
}

// rawRefresh is one refresh request as a bare client sends it: the JSON
// body of ObtainToken (https://developer.squareup.com/reference/square/oauth-api/obtain-token)
// with grant_type refresh_token, and the answer decoded.
type rawRefresh struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	GrantType    string `json:"grant_type"`
	RefreshToken string `json:"refresh_token"`
}

type rawAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresAt    string `json:"expires_at"`
	MerchantID   string `json:"merchant_id"`
}

// runCeilingChild refreshes every token in the file VAULT_TOKENS names,
// concurrency at a time, and returns how many Square answered with a new
// access token.
func runCeilingChild(ctx context.Context, concurrency int) (int, error) {
	data, err := os.ReadFile(os.Getenv("VAULT_TOKENS"))
	if err != nil {
		return 0, err
	}
	var tokens []string
	for sc := bufio.NewScanner(bytes.NewReader(data)); sc.Scan(); {
		tokens = append(tokens, sc.Text())
	}
	url := os.Getenv("VAULT_SQ_URL") + tokenPath
	client := &http.Client{Transport: childTransport}
	var next, done atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(tokens)) && failed.Load() == nil; i = next.Add(1) - 1 {
				if err := rawRefreshOnce(ctx, client, url, tokens[i]); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return int(done.Load()), *err
	}
	return int(done.Load()), nil
}

func rawRefreshOnce(ctx context.Context, client *http.Client, url, refreshToken string) error {
	body, err := json.Marshal(rawRefresh{
		ClientID: os.Getenv("VAULT_SQ_ID"), ClientSecret: os.Getenv("VAULT_SQ_SECRET"),
		GrantType: "refresh_token", RefreshToken: refreshToken,
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Square-Version", squareoauth.DefaultSquareVersion)
	req.Header.Set("User-Agent", "vault-ceiling")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var ans rawAnswer
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || ans.AccessToken == "" {
		return fmt.Errorf("refresh answered %s", resp.Status)
	}
	return nil
}
