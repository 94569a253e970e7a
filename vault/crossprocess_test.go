package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Guarantee 1: 4 processes x 50 goroutines asking for a due seller cause
// one ObtainToken, and all get the new token; with PKCE too.
func TestOneRefreshAcrossProcesses(t *testing.T) {
	t.Parallel()
	for _, flow := range []string{"code", "pkce"} {
		t.Run(flow, func(t *testing.T) {
			t.Parallel()
			bothEngines(t, func(t *testing.T, dsn string) {
				f := newFixture(t)
				v := f.open(t, dsn, f.config())
				const m = "MLCROSSPROC1"
				connect := f.connect
				if flow == "pkce" {
					connect = f.connectPKCE
				}
				old := makeDue(t, v, connect(t, v, m))
				before := f.srv.Hits(tokenPath)
				env := f.env("token", dsn, m)
				env.delay = 100 * time.Millisecond // a refresh that takes a while
				out := goAll(t, startChildren(t, 4, env))
				if hits := f.srv.Hits(tokenPath) - before; hits != 1 {
					t.Errorf("%d ObtainToken requests, want 1", hits)
				}
				for i, line := range out {
					if line != out[0] || !strings.HasPrefix(line, "TOKEN ") {
						t.Fatalf("child %d: %q; child 0: %q", i, line, out[0])
					}
				}
				tok, err := v.Token(context.Background(), m)
				if err != nil {
					t.Fatal(err)
				}
				if "TOKEN "+fingerprint(tok.AccessToken) != out[0] || tok.AccessToken == old.AccessToken {
					t.Errorf("the children's token is not the stored new one")
				}
				if flow == "pkce" && tok.RefreshToken == old.RefreshToken {
					t.Errorf("the rotated PKCE refresh token was not stored")
				}
			})
		})
	}
}

// Guarantee 3: an instance killed while it holds the lease (its request
// not yet sent) delays the others by at most Lease; then one refreshes.
func TestKilledLeaseHolder(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		const lease = 2 * time.Second
		cfg := f.config()
		cfg.Lease = lease
		v := f.open(t, dsn, cfg)
		const m = "MLKILLEDHOLD"
		makeDue(t, v, f.connect(t, v, m))
		before := f.srv.Hits(tokenPath)
		env := f.env("token", dsn, m)
		env.lease, env.delay = lease, time.Hour
		kid := startChildren(t, 1, env)[0]
		kid.stdin.Write([]byte("go\n"))
		waitFor(t, func() bool { r, err := v.load(context.Background(), m); return err == nil && r.leaseOwner != "" })
		kid.cmd.Process.Signal(syscall.SIGKILL)
		kid.cmd.Wait()
		start := time.Now()
		tok, err := v.Token(context.Background(), m)
		waited := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		if waited > lease+time.Second {
			t.Errorf("waited %v for a dead holder; Lease is %v", waited, lease)
		}
		if hits := f.srv.Hits(tokenPath) - before; hits != 1 {
			t.Errorf("%d ObtainToken requests, want 1", hits)
		}
		if s, _ := v.Seller(context.Background(), m); s.RefreshedAt.IsZero() || tok.ExpiresAt.Before(time.Now().Add(24*time.Hour)) {
			t.Errorf("not refreshed: %v", s)
		}
	})
}

// The cost of a kill with PKCE, as documented: killed after Square spent
// the refresh token but before the answer was stored, the next refresh is
// refused and the seller is reported as needing authorization again.
func TestKilledPKCEHolderAfterSquareAnswered(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		cfg := f.config()
		cfg.Lease = time.Second
		v := f.open(t, dsn, cfg)
		const m = "MLKILLEDPKCE"
		makeDue(t, v, f.connectPKCE(t, v, m))
		before := f.srv.Hits(tokenPath)
		env := f.env("token", dsn, m)
		env.lease, env.after = cfg.Lease, time.Hour
		kid := startChildren(t, 1, env)[0]
		kid.stdin.Write([]byte("go\n"))
		waitFor(t, func() bool { return f.srv.Hits(tokenPath) > before })
		kid.cmd.Process.Signal(syscall.SIGKILL)
		kid.cmd.Wait()
		_, err := v.Token(context.Background(), m)
		if !errors.Is(err, ErrReauthorize) {
			t.Fatalf("Token: %v; want ErrReauthorize", err)
		}
		s, err := v.Seller(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		if s.State != StateReauthorize || !strings.Contains(s.LastError, "refused") {
			t.Errorf("Seller = %v; want StateReauthorize saying the refresh was refused", s)
		}
	})
}

// Guarantee 8: RefreshDue in three processes at once refreshes each due
// seller exactly once and no seller that is not due.
func TestRefreshDueAcrossProcesses(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		const due, fresh = 24, 6
		for i := range due + fresh {
			tok := f.connect(t, v, fmt.Sprintf("MLSELLER%04d", i))
			if i < due {
				makeDue(t, v, tok)
			}
		}
		before := f.srv.Hits(tokenPath)
		out := goAll(t, startChildren(t, 3, f.env("refreshdue", dsn, "")))
		refreshed := 0
		for _, line := range out {
			var r, failed, reauth int
			if _, err := fmt.Sscanf(line, "REPORT %d %d %d", &r, &failed, &reauth); err != nil || failed+reauth != 0 {
				t.Fatalf("child: %q", line)
			}
			refreshed += r
		}
		if refreshed != due {
			t.Errorf("children refreshed %d sellers, want %d", refreshed, due)
		}
		if hits := f.srv.Hits(tokenPath) - before; hits != due {
			t.Errorf("%d ObtainToken requests, want %d", hits, due)
		}
		all, err := v.Sellers(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range all {
			if wasDue := i < due; wasDue == s.RefreshedAt.IsZero() {
				t.Errorf("seller %s (due: %t) refreshed at %v", s.MerchantID, wasDue, s.RefreshedAt)
			}
		}
		if rep, err := v.RefreshDue(context.Background(), 0); err != nil || rep != (Report{}) {
			t.Errorf("RefreshDue again = %+v, %v; want nothing to do", rep, err)
		}
	})
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
