package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/squareoauth/squareoauth"
	"github.com/squareoauth/squareoauth/vault"
)

// setup is what a started process needs to open the same vault as the
// demo. It travels on the process's stdin, never in its arguments or
// environment, because it holds the application secret and the key.
type setup struct {
	SquareURL    string
	ClientID     string
	ClientSecret string
	DSN          string
	KeyID        string
	Key          []byte
	MerchantID   string
	Callers      int       // goroutines asking for MerchantID's token at once
	StartAt      time.Time // when they all ask
}

// result is what a started process reports on its stdout.
type result struct {
	Got         int      // callers that got a token
	Reauthorize int      // callers told the seller must authorize again
	Tokens      []string // fingerprints of the distinct access tokens got
	Err         string   `json:",omitempty"`
}

// open opens the vault s describes.
func (s setup) open(ctx context.Context) (*vault.Vault, error) {
	c, err := squareoauth.New(squareoauth.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret, BaseURL: s.SquareURL})
	if err != nil {
		return nil, err
	}
	return vault.Open(ctx, s.DSN, vault.Config{Client: c, Keys: []vault.Key{{ID: s.KeyID, Secret: s.Key}}})
}

// fingerprint names a token without revealing it, so that processes can
// show they hold the same one.
func fingerprint(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return hex.EncodeToString(sum[:4])
}

// instance is the life of a started process: read the setup, open the
// vault, have Callers goroutines ask for the seller's token at StartAt,
// and report what they got. The demo judges the result.
func instance(in io.Reader, out io.Writer) int {
	var s setup
	res := result{}
	defer func() { json.NewEncoder(out).Encode(res) }()
	if err := json.NewDecoder(in).Decode(&s); err != nil {
		res.Err = "reading the setup: " + err.Error()
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := s.open(ctx)
	if err != nil {
		res.Err = err.Error()
		return 1
	}
	defer v.Close()
	time.Sleep(time.Until(s.StartAt))
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range s.Callers {
		wg.Go(func() {
			tok, err := v.Token(ctx, s.MerchantID)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				res.Got++
				if f := fingerprint(tok.AccessToken); !seen[f] {
					seen[f] = true
					res.Tokens = append(res.Tokens, f)
				}
			case errors.Is(err, vault.ErrReauthorize):
				res.Reauthorize++
			default:
				res.Err = err.Error()
			}
		})
	}
	wg.Wait()
	return 0
}

// startInstances starts n processes of this program, each with s, and
// returns their results in order.
func startInstances(ctx context.Context, n int, s setup) ([]result, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	type proc struct {
		cmd *exec.Cmd
		out *json.Decoder
	}
	procs := make([]proc, n)
	for i := range procs {
		cmd := exec.CommandContext(ctx, self)
		cmd.Env = append(os.Environ(), roleEnv+"=instance")
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		if err := json.NewEncoder(stdin).Encode(s); err != nil {
			return nil, err
		}
		stdin.Close()
		procs[i] = proc{cmd, json.NewDecoder(stdout)}
	}
	results := make([]result, n)
	var errs []error
	for i, p := range procs {
		if err := p.out.Decode(&results[i]); err != nil {
			errs = append(errs, fmt.Errorf("process %d: reading its result: %w", i+1, err))
		}
		if err := p.cmd.Wait(); err != nil || results[i].Err != "" {
			errs = append(errs, fmt.Errorf("process %d failed: %v %s", i+1, err, results[i].Err))
		}
	}
	return results, errors.Join(errs...)
}
