package vault

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
)

// The cross-process tests run this test binary again as child processes
// (TestMain sees VAULT_CHILD), each with its own Vault on the parent's
// database and the parent's fake Square. A child prints READY once its
// Vault is open, waits for a line on stdin so that all children start
// together, does its job and prints one result line.

func TestMain(m *testing.M) {
	if mode := os.Getenv("VAULT_CHILD"); mode != "" {
		os.Exit(runChild(mode))
	}
	os.Exit(m.Run())
}

// childEnv is what a child needs to know.
type childEnv struct {
	mode     string
	dsn      string
	srvURL   string
	clientID string
	secret   string
	merchant string
	lease    time.Duration
	delay    time.Duration // before each request to Square is sent
	after    time.Duration // after its answer arrives, before the child sees it
	tokens   string        // the file of refresh tokens of mode "ceiling"
}

func (e childEnv) environ() []string {
	return append(os.Environ(),
		"VAULT_CHILD="+e.mode, "VAULT_DSN="+e.dsn, "VAULT_SQ_URL="+e.srvURL,
		"VAULT_SQ_ID="+e.clientID, "VAULT_SQ_SECRET="+e.secret, "VAULT_MERCHANT="+e.merchant,
		"VAULT_LEASE="+e.lease.String(), "VAULT_DELAY="+e.delay.String(), "VAULT_AFTER="+e.after.String(), "VAULT_TOKENS="+e.tokens)
}

// delayTransport holds every request for delay before sending it, and
// its answer for after before returning it.
type delayTransport struct{ delay, after time.Duration }

// childTransport keeps a connection to the fake open for each of a child's
// requests in flight (http.DefaultTransport keeps 2 idle per host, and
// RefreshDue runs Config.RefreshConcurrency at once: every further one
// would dial anew). The ceiling's bare clients use it too.
var childTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = defaultConcurrency
	return t
}()

func (d delayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case <-time.After(d.delay):
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	resp, err := childTransport.RoundTrip(req)
	if err == nil {
		time.Sleep(d.after)
	}
	return resp, err
}

func runChild(mode string) int {
	lease, _ := time.ParseDuration(os.Getenv("VAULT_LEASE"))
	delay, _ := time.ParseDuration(os.Getenv("VAULT_DELAY"))
	after, _ := time.ParseDuration(os.Getenv("VAULT_AFTER"))
	client, err := squareoauth.New(squareoauth.Config{
		ClientID: os.Getenv("VAULT_SQ_ID"), ClientSecret: os.Getenv("VAULT_SQ_SECRET"),
		BaseURL: os.Getenv("VAULT_SQ_URL"), HTTPClient: &http.Client{Transport: delayTransport{delay, after}},
	})
	if err != nil {
		fmt.Println("ERR", err)
		return 1
	}
	ctx := context.Background()
	v, err := Open(ctx, os.Getenv("VAULT_DSN"), Config{Client: client, Keys: []Key{testKey("k1")}, Lease: lease})
	if err != nil {
		fmt.Println("ERR", err)
		return 1
	}
	defer v.Close()
	fmt.Println("READY")
	bufio.NewReader(os.Stdin).ReadString('\n')
	if prefix := os.Getenv("VAULT_CPUPROFILE"); prefix != "" {
		// go test -bench=... with VAULT_CPUPROFILE=/tmp/p profiles each
		// child's job into /tmp/p.MODE.PID, for go tool pprof.
		stop, err := startCPUProfile(fmt.Sprintf("%s.%s.%d", prefix, mode, os.Getpid()))
		if err != nil {
			fmt.Println("ERR", err)
			return 1
		}
		defer stop()
	}
	merchant := os.Getenv("VAULT_MERCHANT")
	switch mode {
	case "token":
		// 50 goroutines ask at once; all must get the same token.
		var wg sync.WaitGroup
		hashes := make([]string, 50)
		errs := make([]error, 50)
		for i := range hashes {
			wg.Go(func() {
				tok, err := v.Token(ctx, merchant)
				errs[i] = err
				hashes[i] = fingerprint(tok.AccessToken)
			})
		}
		wg.Wait()
		for i := range hashes {
			if errs[i] != nil {
				fmt.Println("ERR", errs[i])
				return 1
			}
			if hashes[i] != hashes[0] {
				fmt.Println("ERR goroutines got different tokens")
				return 1
			}
		}
		fmt.Println("TOKEN", hashes[0])
	case "refreshdue":
		rep, err := v.RefreshDue(ctx, 0)
		if err != nil {
			fmt.Println("ERR", err)
			return 1
		}
		fmt.Println("REPORT", rep.Refreshed, rep.Failed, rep.Reauthorize)
	case "ceiling":
		n, err := runCeilingChild(ctx, defaultConcurrency)
		if err != nil {
			fmt.Println("ERR", err)
			return 1
		}
		fmt.Println("CEILING", n)
	default:
		fmt.Println("ERR unknown mode", mode)
		return 1
	}
	return 0
}

// startCPUProfile writes a CPU profile to path until the returned stop.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// fingerprint names a token in test output without printing it.
func fingerprint(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// child is a running child process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

// startChildren starts n children and waits until each has opened its
// Vault.
func startChildren(t testing.TB, n int, env childEnv) []*child {
	t.Helper()
	var kids []*child
	for range n {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = env.environ()
		cmd.Stderr = os.Stderr
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		c := &child{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		kids = append(kids, c)
	}
	for _, c := range kids {
		if line := c.line(t); line != "READY" {
			t.Fatalf("child: %s", line)
		}
	}
	return kids
}

func (c *child) line(t testing.TB) string {
	t.Helper()
	line, err := c.out.ReadString('\n')
	if err != nil {
		t.Fatalf("child output: %v", err)
	}
	return strings.TrimSpace(line)
}

// goAll releases every child at once and returns each one's result line.
func goAll(t testing.TB, kids []*child) []string {
	t.Helper()
	for _, c := range kids {
		io.WriteString(c.stdin, "go\n")
	}
	out := make([]string, len(kids))
	for i, c := range kids {
		out[i] = c.line(t)
		if err := c.cmd.Wait(); err != nil {
			t.Errorf("child %d: %v (%s)", i, err, out[i])
		}
	}
	return out
}
