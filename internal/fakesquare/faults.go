package fakesquare

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Fault is a canned answer standing in for a proxy, a load balancer or a
// misbehaving server: an HTML 502, a stalled connection, a huge body. It is
// sent as given and is not checked against the spec.
type Fault struct {
	Status   int           // HTTP status; 0 means 200
	Header   http.Header   // sent as-is; without a Content-Type none is sent (no sniffing)
	Body     []byte        // sent first
	BodySize int64         // if > 0, this many 'x' bytes follow Body, streamed without being held in memory
	Delay    time.Duration // wait this long, or until the client gives up or Close is called, before answering
	// Drop closes the connection without answering, as a proxy that dies
	// after reading the request does.
	Drop bool
	// Reset sends the status, the headers and Body while announcing a body
	// 1 KiB longer, then resets the connection: the client sees it die in
	// the middle of the body.
	Reset bool
	// AfterHandling lets Square act on a valid request first (a code or a
	// PKCE refresh token is spent, tokens are issued) and then sends the
	// fault instead of the answer: the answer lost on its way back.
	AfterHandling bool
}

// faultChunk is the unit BodySize is streamed in.
var faultChunk = bytes.Repeat([]byte{'x'}, 32<<10)

// InjectFault queues f for path (as ServeHTTP sees it, e.g. "/oauth2/token"):
// the next request to path gets f instead of the real answer. Faults for one
// path are used first in, first out. The faulted request is still recorded
// and validated, and it changes no token state unless f.AfterHandling.
func (s *Server) InjectFault(path string, f Fault) {
	f.Header = f.Header.Clone()
	f.Body = bytes.Clone(f.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = append(s.faults[path], f)
}

// popFault takes the oldest fault queued for path.
func (s *Server) popFault(path string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[path]
	if len(q) == 0 {
		return Fault{}, false
	}
	f := q[0]
	if len(q) == 1 {
		delete(s.faults, path)
	} else {
		s.faults[path] = q[1:]
	}
	return f, true
}

// FaultBytesSent reports how many body bytes faults have delivered so far:
// enough to show that a client stopped reading a huge body early.
func (s *Server) FaultBytesSent() int64 { return s.faultBytes.Load() }

// writeFault sends f. A client that gives up during Delay gets nothing,
// which is what a client-side timeout test needs to observe; after Close,
// the connection is reset instead of waiting.
func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-s.closed:
			hijackAndReset(w)
			return
		}
	}
	if f.Drop {
		hijackAndReset(w)
		return
	}
	h := w.Header()
	for k, vs := range f.Header {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	if _, ok := h["Content-Type"]; !ok {
		// Otherwise net/http sniffs the body and invents a Content-Type,
		// hiding exactly the case the fault is meant to produce.
		h["Content-Type"] = nil
	}
	if f.Reset {
		h.Set("Content-Length", strconv.Itoa(len(f.Body)+1024))
	}
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	n, err := w.Write(f.Body)
	s.faultBytes.Add(int64(n))
	if err != nil {
		return
	}
	if f.Reset {
		hijackAndReset(w)
		return
	}
	for left := f.BodySize; left > 0; {
		select {
		case <-s.closed:
			hijackAndReset(w)
			return
		default:
		}
		n, err := w.Write(faultChunk[:min(left, int64(len(faultChunk)))])
		s.faultBytes.Add(int64(n))
		if err != nil {
			return // the client stopped reading, as a size-limited client should
		}
		left -= int64(n)
	}
}

// hijackAndReset flushes what was written, takes the connection from
// net/http and closes it with a TCP reset rather than an orderly close.
func hijackAndReset(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	_ = buf.Flush()
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
