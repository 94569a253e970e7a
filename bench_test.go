package squareoauth_test

// Benchmarks of the SDK against a raw net/http baseline doing the same
// exchange. Run them with `make bench`, which interleaves runs and prints
// the SDK/raw ratios; see the README's Performance section.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/squareoauth/squareoauth"
)

// cannedAnswers are what the benchmark server sends: Square's answers from
// api/testdata, so both sides decode realistic payloads.
func cannedAnswers(tb testing.TB) map[string][]byte {
	return map[string][]byte{
		"/oauth2/token":        readGolden(tb, "obtain_token.200.json"),
		"/oauth2/revoke":       readGolden(tb, "revoke_token.200.json"),
		"/oauth2/token/status": readGolden(tb, "token_status.200.json"),
	}
}

// unauthorizedPrefix is a path prefix under which the benchmark server
// answers every call with Square's 401: a Client whose BaseURL ends in it
// takes the error path.
const unauthorizedPrefix = "/unauthorized"

// benchServer answers every call with its canned 200, or with Square's 401
// error body under unauthorizedPrefix, cheaply, so that the client side
// dominates what is measured. The fake Square would validate every request
// against the spec and swamp the difference.
func benchServer(tb testing.TB) *httptest.Server {
	answers := cannedAnswers(tb)
	unauthorized := readGolden(tb, "error.v2.401.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasPrefix(r.URL.Path, unauthorizedPrefix) {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write(unauthorized)
			return
		}
		_, _ = w.Write(answers[r.URL.Path])
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// exchange is one call, made either by the SDK or by the raw baseline.
type exchange func(ctx context.Context) error

// benchCalls are the calls benchPair measures: the three calls answered
// with success, and ObtainToken answered with Square's 401 (every status
// check of a revoked token takes that path too).
var benchCalls = []string{"ObtainToken", "RevokeToken", "RetrieveTokenStatus", "ObtainToken401"}

// benchPair returns, for each of benchCalls, the SDK exchange and the raw
// exchange against srv, sharing one keep-alive HTTP client.
func benchPair(tb testing.TB, srv *httptest.Server) map[string][2]exchange {
	hc := &http.Client{Timeout: 30 * time.Second}
	newClient := func(base string) *squareoauth.Client {
		c, err := squareoauth.New(squareoauth.Config{ClientID: testClientID, ClientSecret: testClientSecret, BaseURL: base, HTTPClient: hc})
		if err != nil {
			tb.Fatal(err)
		}
		return c
	}
	c, refused := newClient(srv.URL), newClient(srv.URL+unauthorizedPrefix)
	raw, rawRefused := rawClient{hc: hc, base: srv.URL}, rawClient{hc: hc, base: srv.URL + unauthorizedPrefix}
	const access = "EAAAEXAMPLEaccess-token-not-real-0000000000000000000000000000000"
	obtainReq := squareoauth.ObtainTokenRequest{ClientID: testClientID, ClientSecret: testClientSecret,
		GrantType: squareoauth.GrantTypeAuthorizationCode, Code: "sq0cgb-EXAMPLEcodeEXAMPLEcode"}
	revokeReq := squareoauth.RevokeTokenRequest{ClientID: testClientID, AccessToken: access}
	return map[string][2]exchange{
		"ObtainToken": {
			func(ctx context.Context) error { _, err := c.ObtainToken(ctx, obtainReq); return err },
			func(ctx context.Context) error {
				var out squareoauth.ObtainTokenResponse
				return raw.post(ctx, "/oauth2/token", "", obtainReq, &out)
			},
		},
		"RevokeToken": {
			func(ctx context.Context) error { _, err := c.RevokeToken(ctx, revokeReq); return err },
			func(ctx context.Context) error {
				var out squareoauth.RevokeTokenResponse
				return raw.post(ctx, "/oauth2/revoke", "Client "+testClientSecret, revokeReq, &out)
			},
		},
		"RetrieveTokenStatus": {
			func(ctx context.Context) error { _, err := c.RetrieveTokenStatus(ctx, access); return err },
			func(ctx context.Context) error {
				var out squareoauth.RetrieveTokenStatusResponse
				return raw.post(ctx, "/oauth2/token/status", "Bearer "+access, nil, &out)
			},
		},
		// Both sides return nil only for the expected refusal, read from
		// the body, so the loop can treat any other outcome as a failure.
		"ObtainToken401": {
			func(ctx context.Context) error {
				_, err := refused.ObtainToken(ctx, obtainReq)
				var e *squareoauth.Error
				if errors.As(err, &e) && e.HasCode("UNAUTHORIZED") {
					return nil
				}
				return fmt.Errorf("want UNAUTHORIZED, got %v", err)
			},
			func(ctx context.Context) error {
				var out squareoauth.ObtainTokenResponse
				err := rawRefused.post(ctx, "/oauth2/token", "", obtainReq, &out)
				var e *rawError
				if errors.As(err, &e) && len(e.body.Errors) == 1 && e.body.Errors[0].Code == "UNAUTHORIZED" {
					return nil
				}
				return fmt.Errorf("want UNAUTHORIZED, got %v", err)
			},
		},
	}
}

// rawClient is the baseline: what a careful hand-written net/http client
// does for the same exchange, with the same headers, the body encoded from
// the same struct, and the same decoding.
type rawClient struct {
	hc   *http.Client
	base string
}

func (r rawClient) post(ctx context.Context, path, authorization string, in, out any) error {
	var body io.Reader = http.NoBody
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	req.Header.Set("Square-Version", squareoauth.DefaultSquareVersion)
	req.Header.Set("User-Agent", "squareoauth-go/"+squareoauth.Version)
	req.Header.Set("Accept", "application/json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		e := &rawError{status: resp.StatusCode}
		_ = json.Unmarshal(data, &e.body) // either of Square's shapes
		return e
	}
	return json.Unmarshal(data, out)
}

// rawError is the baseline's error: the status and Square's decoded body.
type rawError struct {
	status int
	body   squareoauth.ErrorResponse
}

func (e *rawError) Error() string { return fmt.Sprintf("status %d: %+v", e.status, e.body) }

// BenchmarkCall measures each call, raw and SDK, in the same run against
// the same server; with -count, the two alternate. Compare them with
// benchstat -col /side (make bench does).
func BenchmarkCall(b *testing.B) {
	srv := benchServer(b)
	for _, name := range benchCalls {
		pair := benchPair(b, srv)[name]
		// raw first: benchstat takes the first column as the base.
		for _, side := range []struct {
			name string
			call exchange
		}{{"raw", pair[1]}, {"sdk", pair[0]}} {
			b.Run("call="+name+"/side="+side.name, func(b *testing.B) {
				ctx := context.Background()
				call := side.call
				if err := call(ctx); err != nil { // warm the connection
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := call(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkPairedRatio times single calls in pairs, SDK and raw back to back,
// alternating which goes first, and reports the median of each and their
// ratio: on a noisy machine, a paired median is steadier than two separate
// runs.
func BenchmarkPairedRatio(b *testing.B) {
	srv := benchServer(b)
	for _, name := range benchCalls {
		pair := benchPair(b, srv)[name]
		b.Run("call="+name, func(b *testing.B) {
			ctx := context.Background()
			timeIt := func(call exchange) time.Duration {
				start := time.Now()
				if err := call(ctx); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			timeIt(pair[0])
			timeIt(pair[1])
			var sdk, raw []time.Duration
			i := 0
			for b.Loop() {
				if i%2 == 0 {
					sdk, raw = append(sdk, timeIt(pair[0])), append(raw, timeIt(pair[1]))
				} else {
					raw, sdk = append(raw, timeIt(pair[1])), append(sdk, timeIt(pair[0]))
				}
				i++
			}
			ms, mr := median(sdk), median(raw)
			b.ReportMetric(float64(ms.Nanoseconds()), "sdk-ns/call")
			b.ReportMetric(float64(mr.Nanoseconds()), "raw-ns/call")
			b.ReportMetric(float64(ms)/float64(mr), "sdk/raw")
			b.ReportMetric(0, "ns/op") // the per-pair time is not the figure of interest
		})
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkTokenSourceCached is the cost of asking a TokenSource for a token
// that is still fresh: the path every API call through oauth2.NewClient takes.
func BenchmarkTokenSourceCached(b *testing.B) {
	c, err := squareoauth.New(squareoauth.Config{ClientID: testClientID})
	if err != nil {
		b.Fatal(err)
	}
	ts := c.TokenSource(squareoauth.Token{AccessToken: "EAAA-fresh", RefreshToken: "EQAA-r", ExpiresAt: time.Now().Add(30 * 24 * time.Hour)})
	b.Run("oauth2.Token", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ts.Token(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("TokenContext", func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ts.TokenContext(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
