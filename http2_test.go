package squareoauth_test

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/squareoauth/squareoauth"
)

// HTTP/2 frame types, flags and error codes (RFC 9113 §6, §7) that
// resetServer reads and writes.
const (
	frameData         = 0x0
	frameHeaders      = 0x1
	frameRSTStream    = 0x3
	frameSettings     = 0x4
	flagEndStream     = 0x1 // DATA, HEADERS
	flagAck           = 0x1 // SETTINGS
	flagEndHeaders    = 0x4
	flagPadded        = 0x8
	errCodeProtocol   = 0x1
	clientPreface     = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
	hpackStatus400    = 0x80 | 12 // ":status: 400", HPACK static table index 12 (RFC 7541 Appendix A)
	frameHeaderLength = 9
)

// resetServer is an HTTP/2 server behind real TLS that reads every request
// body to its end and then resets the first stream with PROTOCOL_ERROR, as a
// proxy that fails after reading the request does; every later request is
// answered 400 with no body. It speaks frames itself because net/http's own
// server resets a failed stream with INTERNAL_ERROR, which net/http's client
// does not retry, while it does retry PROTOCOL_ERROR (and REFUSED_STREAM)
// whenever it can rewind the body.
type resetServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string // every request body received in full, in order
}

func newResetServer(t *testing.T) *resetServer {
	s := &resetServer{}
	s.Server = httptest.NewUnstartedServer(http.NotFoundHandler())
	s.EnableHTTP2 = true // offers only "h2" in ALPN
	s.Config.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){
		"h2": func(_ *http.Server, conn *tls.Conn, _ http.Handler) { s.serveConn(conn) },
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// received returns the request bodies received so far.
func (s *resetServer) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

// serveConn runs one connection: no HPACK decoding is needed, since the
// server only counts bodies and answers with a static-table status.
func (s *resetServer) serveConn(conn io.ReadWriter) {
	preface := make([]byte, len(clientPreface))
	if _, err := io.ReadFull(conn, preface); err != nil || string(preface) != clientPreface {
		return
	}
	if writeFrame(conn, frameSettings, 0, 0, nil) != nil {
		return
	}
	bodies := map[uint32][]byte{}
	header := make([]byte, frameHeaderLength)
	for {
		if _, err := io.ReadFull(conn, header); err != nil {
			return
		}
		length := int(header[0])<<16 | int(header[1])<<8 | int(header[2])
		kind, flags := header[3], header[4]
		stream := binary.BigEndian.Uint32(header[5:]) & 0x7fffffff
		payload := make([]byte, length)
		if _, err := io.ReadFull(conn, payload); err != nil {
			return
		}
		var err error
		switch kind {
		case frameSettings:
			if flags&flagAck == 0 {
				err = writeFrame(conn, frameSettings, flagAck, 0, nil)
			}
		case frameData:
			if flags&flagPadded != 0 && length > 0 {
				payload = payload[1 : length-int(payload[0])]
			}
			bodies[stream] = append(bodies[stream], payload...)
		}
		if (kind == frameData || kind == frameHeaders) && flags&flagEndStream != 0 {
			err = s.answer(conn, stream, bodies[stream])
			delete(bodies, stream)
		}
		if err != nil {
			return
		}
	}
}

// answer records a complete request body, then resets the stream if it is
// the first body the server received, and otherwise answers 400.
func (s *resetServer) answer(conn io.Writer, stream uint32, body []byte) error {
	s.mu.Lock()
	s.bodies = append(s.bodies, string(body))
	first := len(s.bodies) == 1
	s.mu.Unlock()
	if first {
		return writeFrame(conn, frameRSTStream, 0, stream, binary.BigEndian.AppendUint32(nil, errCodeProtocol))
	}
	return writeFrame(conn, frameHeaders, flagEndHeaders|flagEndStream, stream, []byte{hpackStatus400})
}

func writeFrame(w io.Writer, kind, flags byte, stream uint32, payload []byte) error {
	n := len(payload)
	frame := append([]byte{byte(n >> 16), byte(n >> 8), byte(n), kind, flags}, binary.BigEndian.AppendUint32(nil, stream)...)
	_, err := w.Write(append(frame, payload...))
	return err
}

// TestHTTP2ResetIsNotReplayed: a stream reset after the body was read must
// not make net/http send the body again behind the SDK's back. For the
// token exchange that would spend the authorization code twice; for
// RevokeToken it would break the promise that MaxAttempts bounds the
// requests and that Error.Attempts counts them.
func TestHTTP2ResetIsNotReplayed(t *testing.T) {
	t.Parallel()
	const code = "sq0cgp-CANARY-code-h2"
	obtain := func(ctx context.Context, c *squareoauth.Client) error {
		_, err := c.ObtainToken(ctx, squareoauth.ObtainTokenRequest{GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code})
		return err
	}
	revoke := func(ctx context.Context, c *squareoauth.Client) error {
		_, err := c.RevokeToken(ctx, squareoauth.RevokeTokenRequest{MerchantID: testMerchantID})
		return err
	}
	raw := func(ctx context.Context, c *squareoauth.Client) error {
		res, err := c.Raw().ObtainTokenWithResponse(ctx, squareoauth.ObtainTokenRequest{
			ClientID: testClientID, ClientSecret: testClientSecret, GrantType: squareoauth.GrantTypeAuthorizationCode, Code: code})
		if err == nil && res.StatusCode()/100 != 2 {
			err = errors.New(res.Status())
		}
		return err
	}
	tests := []struct {
		name  string
		call  func(context.Context, *squareoauth.Client) error
		retry *squareoauth.RetryPolicy
		// want is how many bodies reach the server: the SDK's own attempts.
		want int
	}{
		{"ObtainToken, retries off", obtain, &squareoauth.RetryPolicy{MaxAttempts: 1}, 1},
		// The body was written: the code may be spent, so the SDK does
		// not try again either.
		{"ObtainToken, default retries", obtain, fastRetries, 1},
		{"the low-level client's ObtainToken", raw, nil, 1},
		{"RevokeToken, retries off", revoke, &squareoauth.RetryPolicy{MaxAttempts: 1}, 1},
		// Safe to repeat: the SDK itself retries, and counts it.
		{"RevokeToken, default retries", revoke, fastRetries, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newResetServer(t)
			c, err := squareoauth.New(squareoauth.Config{
				ClientID: testClientID, ClientSecret: testClientSecret,
				BaseURL: srv.URL, HTTPClient: srv.Client(), Retry: tt.retry,
			})
			if err != nil {
				t.Fatal(err)
			}
			err = tt.call(t.Context(), c)
			got := srv.received()
			if len(got) != tt.want {
				t.Errorf("the server received the body %d times; want %d", len(got), tt.want)
			}
			if len(got) == 0 {
				return
			}
			if !strings.Contains(got[0], testClientID) {
				t.Errorf("first body %q is not the SDK's request", got[0])
			}
			var e *squareoauth.Error
			switch {
			case err == nil:
				t.Fatal("got success; want the reset, or the 400 that follows it, reported")
			case errors.As(err, &e) && e.Attempts != len(got):
				t.Errorf("Attempts: got %d; the server received %d requests", e.Attempts, len(got))
			}
			assertNoSecrets(t, err, code, testClientSecret)
		})
	}
}
