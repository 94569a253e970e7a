package vault

import (
	"hash/fnv"
	"time"

	"github.com/squareoauth/squareoauth"
)

const (
	// expiryDelta treats a token as expired a little early, so that it
	// does not expire on its way to Square (as squareoauth's TokenSource).
	expiryDelta = 10 * time.Second
	// maxJitter bounds how much earlier than its refresh point a seller
	// comes due.
	maxJitter = 24 * time.Hour
)

// usable reports whether tok's access token still works at now.
func usable(tok squareoauth.Token, now time.Time) bool {
	return now.Before(tok.ExpiresAt.Add(-expiryDelta))
}

// refreshPoint is when tok comes due. A token that cannot be refreshed is
// handed out until it expires. Otherwise it is Config.RefreshMargin before
// expiry, or squareoauth's TokenSource refresh point, moved earlier by a
// jitter fixed per seller (at most a day, and at most a quarter of the time
// left) so that sellers connected together do not all come due together.
// A token just issued by a refresh (issued) is used for half its life at
// least, so that a margin longer than its life does not refresh on every
// call.
func (v *Vault) refreshPoint(tok squareoauth.Token, now time.Time, issued bool) time.Time {
	if tok.RefreshToken == "" {
		return tok.ExpiresAt.Add(-expiryDelta)
	}
	at := tok.RefreshAt()
	if v.cfg.RefreshMargin > 0 {
		at = tok.ExpiresAt.Add(-max(v.cfg.RefreshMargin, expiryDelta))
	}
	if issued && !now.Before(at) {
		at = now.Add(tok.ExpiresAt.Sub(now) / 2)
	}
	if span := min(at.Sub(now)/4, maxJitter); span > 0 {
		h := fnv.New64a()
		h.Write([]byte(tok.MerchantID))
		at = at.Add(-time.Duration(h.Sum64() % uint64(span)))
	}
	return at
}
