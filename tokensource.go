package squareoauth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// How a TokenSource paces its refreshes; when a token is due is
// refreshPoint's rule.
const (
	// retryEarlyRefreshAfter spaces the attempts of an early refresh that
	// failed for a passing reason while the access token still works.
	retryEarlyRefreshAfter = 30 * time.Second
	// refreshTimeout bounds a refresh, which runs on after the caller that
	// started it gives up (see TokenSource.current).
	refreshTimeout = time.Minute
)

// TokenSource hands out a seller's access token and refreshes it ahead of
// expiry through ObtainToken's refresh_token grant. It implements
// oauth2.TokenSource, so oauth2.NewClient and the libraries built on
// golang.org/x/oauth2 can use it, and TokenContext is the same with a
// context. It is safe for concurrent use: however many goroutines ask at
// once, one refresh request is made and the others wait for its result.
//
// Give each seller's token one TokenSource and keep it: with PKCE, each
// refresh spends the refresh token and Square returns a new one, so two
// holders of the same refresh token would race and one would lose the
// authorization. Persist refreshed tokens with OnRefresh.
//
// A refresh, once sent, runs to its end (at most a minute) even if the
// caller that started it gives up: a PKCE refresh token is spent as soon as
// Square reads it, and the answer holds its replacement. Callers stop
// waiting when their context ends.
//
// While the access token still works, an early refresh that fails for a
// passing reason (network, 5xx, 429, a 4xx without Square's own error body
// as proxies and gateways send, a 2xx answer that cannot be used) is
// retried 30 seconds later and the current token is returned meanwhile; a
// new refresh token such an answer carries is kept and given to OnRefresh.
// A refresh Square refuses (the refresh token is revoked, expired or spent)
// is a *RefreshError, returned from then on without another request: the
// seller must authorize again. So is the expiry of a token without a
// refresh token (Square issues none with ShortLived in the code flow):
// it is handed out until then, and no refresh is ever sent for it.
type TokenSource struct {
	client    *Client
	margin    time.Duration // negative: by token kind
	onRefresh func(context.Context, Token) error
	state     atomic.Pointer[sourceState]

	mu       sync.Mutex // guards inflight
	inflight *refreshCall
}

// refreshCall is one refresh in progress, which every caller that finds the
// token due waits for.
type refreshCall struct {
	done chan struct{} // closed when st and err are set
	st   *sourceState
	err  error
	// panicked is what OnRefresh panicked with, raised again in every
	// caller that waited: a panic in a background goroutine would end the
	// process, out of the caller's reach.
	panicked any
}

var _ oauth2.TokenSource = (*TokenSource)(nil)

// sourceState is an immutable snapshot, swapped whole so that the fast path
// is one atomic load.
type sourceState struct {
	tok Token
	// oauth2 is tok as oauth2 wants it. Its Expiry is refreshAt, so that an
	// oauth2.ReuseTokenSource in front of this one asks again in time.
	oauth2    *oauth2.Token
	refreshAt time.Time
	unsaved   bool  // OnRefresh has not yet succeeded for tok
	err       error // a permanent refusal, returned from now on
}

// ready reports whether the snapshot can be handed out without locking.
func (st *sourceState) ready(now time.Time) bool {
	return st.err == nil && !st.unsaved && now.Before(st.refreshAt)
}

// TokenSourceOption configures a TokenSource.
type TokenSourceOption func(*TokenSource)

// RefreshMargin makes the TokenSource refresh once the access token has less
// than d left, instead of the default (23 days for a 30-day token, 6 hours
// for a short-lived one). A freshly refreshed token is used for at least
// half its life whatever d is, so a margin longer than a token's life does
// not turn every call into a refresh.
func RefreshMargin(d time.Duration) TokenSourceOption {
	return func(s *TokenSource) { s.margin = max(d, 0) }
}

// OnRefresh calls fn with every refreshed token before it is handed out, to
// store it. If fn fails, the TokenSource keeps the new token in memory (the
// old refresh token may already be spent) and the call returns fn's error,
// wrapped; every later call tries fn again first and fails the same way
// until fn succeeds, so a storage outage is seen and no token is lost.
//
// fn runs inside the refresh, under its one-minute limit (ctx), while other
// callers wait: it must not call the same TokenSource, which would wait for
// itself. A panic in fn reaches the callers waiting for the refresh, and
// the token is kept as if fn had failed.
func OnRefresh(fn func(context.Context, Token) error) TokenSourceOption {
	return func(s *TokenSource) { s.onRefresh = fn }
}

// TokenSource returns a TokenSource that starts from tok and refreshes it
// with c.
func (c *Client) TokenSource(tok Token, opts ...TokenSourceOption) *TokenSource {
	s := &TokenSource{client: c, margin: -1}
	for _, opt := range opts {
		opt(s)
	}
	s.state.Store(s.snapshot(tok))
	return s
}

// Token returns a valid access token, refreshing it first when it is due. It
// implements oauth2.TokenSource, which has no context: prefer TokenContext.
func (s *TokenSource) Token() (*oauth2.Token, error) {
	st, err := s.current(context.Background())
	if err != nil {
		return nil, err
	}
	return st.oauth2, nil
}

// TokenContext returns the current Token, refreshing it first when it is
// due. ctx bounds only the wait: a refresh request, once sent, runs to its
// end (see TokenSource), and ctx's values reach it.
func (s *TokenSource) TokenContext(ctx context.Context) (Token, error) {
	st, err := s.current(ctx)
	if err != nil {
		return Token{}, err
	}
	return st.tok, nil
}

func (s *TokenSource) current(ctx context.Context) (*sourceState, error) {
	switch st := s.state.Load(); {
	case st.ready(time.Now()):
		return st, nil
	case st.err != nil:
		return nil, st.err
	}
	s.mu.Lock()
	call := s.inflight
	if call == nil {
		call = &refreshCall{done: make(chan struct{})}
		s.inflight = call
		// Detached from ctx, keeping its values: see the type's doc.
		detached, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
		go func() {
			defer func() {
				call.panicked = recover()
				cancel()
				s.mu.Lock()
				s.inflight = nil
				s.mu.Unlock()
				close(call.done)
			}()
			call.st, call.err = s.update(detached)
		}()
	}
	s.mu.Unlock()
	select {
	case <-call.done:
		if call.panicked != nil {
			panic(call.panicked)
		}
		return call.st, call.err
	case <-ctx.Done():
		return nil, fmt.Errorf("squareoauth: waiting for a token refresh: %w", ctx.Err())
	}
}

// update brings the state up to date: it saves a token OnRefresh has not
// taken yet, or refreshes a due one. Only one update runs at a time.
func (s *TokenSource) update(ctx context.Context) (*sourceState, error) {
	st := s.state.Load()
	if st.err != nil {
		return nil, st.err
	}
	if st.unsaved {
		retry := *st
		saved, err := s.save(ctx, &retry)
		if err != nil {
			return nil, err
		}
		st = saved // and refreshed below if it is due, never handed out expired
	}
	now := time.Now()
	if st.ready(now) {
		return st, nil // refreshed between the caller's look and this update
	}
	usable := now.Before(st.tok.ExpiresAt.Add(-expiryDelta))
	if reason := cannotRefresh(st.tok, now); reason != "" {
		if usable { // hand it out until it expires
			return s.storeUntil(st, st.tok.ExpiresAt.Add(-expiryDelta)), nil
		}
		return nil, s.fail(&RefreshError{reason: reason})
	}
	next, err := s.client.Refresh(ctx, st.tok)
	var refusal *RefreshError
	switch {
	case err == nil:
		return s.save(ctx, s.issued(next, time.Now()))
	case errors.As(err, &refusal):
		return nil, s.fail(refusal)
	}
	return s.passing(ctx, st, next, err, now)
}

// passing handles a refresh that failed for a reason that may pass. The
// current token is handed out while it works and the refresh is tried
// again after retryEarlyRefreshAfter; once it has expired, the failure is
// returned and the next call tries again. kept, when it holds a refresh
// token, is the current token with the one an unusable answer rotated in:
// it replaces the current one and goes to OnRefresh first, since with PKCE
// Square has spent the one this TokenSource sent.
func (s *TokenSource) passing(ctx context.Context, st *sourceState, kept Token, err error, now time.Time) (*sourceState, error) {
	until := now // due again at once
	if expires := st.tok.ExpiresAt.Add(-expiryDelta); now.Before(expires) {
		until = now.Add(min(retryEarlyRefreshAfter, expires.Sub(now)))
	}
	if kept.RefreshToken != "" {
		saved, saveErr := s.save(ctx, newState(kept, until))
		if saveErr != nil {
			return nil, errors.Join(err, saveErr)
		}
		st = saved
	} else {
		st = s.storeUntil(st, until)
	}
	if until.After(now) {
		return st, nil
	}
	return nil, err
}

// storeUntil stores st's token with the fast path open until the given time.
func (s *TokenSource) storeUntil(st *sourceState, until time.Time) *sourceState {
	later := newState(st.tok, until)
	s.state.Store(later)
	return later
}

// save stores st, a new state of its own, and hands its token to OnRefresh;
// if that fails or panics, st is stored as unsaved, so that the token is
// kept and the next call tries OnRefresh again.
func (s *TokenSource) save(ctx context.Context, st *sourceState) (*sourceState, error) {
	st.unsaved = s.onRefresh != nil
	s.state.Store(st) // kept even if OnRefresh panics
	if s.onRefresh == nil {
		return st, nil
	}
	if err := s.onRefresh(ctx, st.tok); err != nil {
		return nil, fmt.Errorf("squareoauth: the token was refreshed but OnRefresh failed (it is kept and saving is retried on the next call): %w", err)
	}
	saved := *st
	saved.unsaved = false
	s.state.Store(&saved)
	return &saved, nil
}

// fail records a permanent refusal.
func (s *TokenSource) fail(err *RefreshError) error {
	st := *s.state.Load()
	st.err = err
	s.state.Store(&st)
	return err
}

// snapshot is the state of tok, due for refresh once the margin is left.
func (s *TokenSource) snapshot(tok Token) *sourceState {
	return newState(tok, refreshPoint(tok, s.margin))
}

// issued is snapshot for a token Square issued at now: a margin longer than
// its life would make every call refresh again, so it is used for half its
// life at least.
func (s *TokenSource) issued(tok Token, now time.Time) *sourceState {
	st := s.snapshot(tok)
	if !now.Before(st.refreshAt) {
		st = newState(tok, now.Add(tok.ExpiresAt.Sub(now)/2))
	}
	return st
}

// newState is the state of tok, handed out until refreshAt.
func newState(tok Token, refreshAt time.Time) *sourceState {
	o := tok.oauth2Token()
	o.Expiry = refreshAt
	return &sourceState{tok: tok, oauth2: o, refreshAt: refreshAt}
}
