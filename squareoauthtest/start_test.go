package squareoauthtest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth/squareoauthtest"
)

// TestStartAndClose runs the server outside a test's control, as a program
// or an Example does: Close reports what Square would have refused.
func TestStartAndClose(t *testing.T) {
	t.Parallel()
	for _, bad := range []bool{false, true} {
		srv, err := squareoauthtest.Start()
		if err != nil {
			t.Fatal(err)
		}
		c := newClient(t, srv.Config())
		exchange(t, c, srv.Authorize(seller))
		if bad {
			resp, err := http.Post(srv.URL+"/oauth2/token", "application/json", strings.NewReader(`{"client_id":"x","grant_type":"password"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		v := srv.Violations()
		err = srv.Close()
		switch {
		case !bad && (err != nil || len(v) > 0):
			t.Errorf("clean run: Close got %v, Violations %q; want nil and none", err, v)
		case bad && (len(v) != 1 || err == nil || !strings.Contains(err.Error(), "INVALID_ENUM_VALUE (field grant_type)") || !strings.Contains(err.Error(), v[0])):
			t.Errorf("bad request: Close got %v, Violations %q; want the grant_type violation in both", err, v)
		}
		if again := srv.Close(); fmt.Sprint(again) != fmt.Sprint(err) {
			t.Errorf("second Close got %v; want the same as the first, %v", again, err)
		}
		if _, err := http.Get(srv.URL + "/oauth2/token"); err == nil {
			t.Errorf("server still answers after Close")
		}
	}
}

// TestCloseEndsDelays: a delayed answer whose caller gave up without
// closing the connection (a TokenSource's detached refresh, or here a
// request with no deadline) must not hold Close, or the test's cleanup,
// for the Delay, an hour here. The client's own timeout is 30 seconds, so
// a Close back within 20 returned because the server ended the delay.
func TestCloseEndsDelays(t *testing.T) {
	t.Parallel()
	for _, viaCleanup := range []bool{false, true} {
		var srv *squareoauthtest.Server
		tb := &recordingTB{TB: t}
		if viaCleanup {
			srv = squareoauthtest.NewServer(tb)
		} else {
			var err error
			if srv, err = squareoauthtest.Start(); err != nil {
				t.Fatal(err)
			}
		}
		srv.InjectFault("/oauth2/token", squareoauthtest.Fault{Delay: time.Hour})
		c := newClient(t, srv.Config())
		failed := make(chan error, 1)
		go func() {
			_, err := refresh(context.Background(), c, "EQAA-some-refresh-token")
			failed <- err
		}()
		for srv.Hits("/oauth2/token") == 0 {
			time.Sleep(time.Millisecond) // until the request waits in its Delay
		}

		closed := make(chan struct{})
		go func() {
			if viaCleanup {
				tb.finish()
			} else {
				_ = srv.Close()
			}
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(20 * time.Second):
			t.Fatalf("cleanup=%v: closing the server still waits for a delayed answer", viaCleanup)
		}
		if err := <-failed; err == nil {
			t.Errorf("cleanup=%v: the delayed call succeeded; want the connection's loss", viaCleanup)
		}
	}
}
