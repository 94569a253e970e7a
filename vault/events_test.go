package vault

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The two methods WebhookHandler builds on: seenEvent and applyRevocation.
func TestApplyRevocation(t *testing.T) {
	t.Parallel()
	bothEngines(t, func(t *testing.T, dsn string) {
		f := newFixture(t)
		v := f.open(t, dsn, f.config())
		other := f.open(t, dsn, f.config())
		ctx := context.Background()
		const m = "MLREVOKED001"
		f.connect(t, v, m)

		if seen, err := v.seenEvent(ctx, "evt-1"); err != nil || seen {
			t.Fatalf("seenEvent(new) = %t, %v", seen, err)
		}
		applied, err := v.applyRevocation(ctx, "evt-1", m, time.Now())
		if err != nil || !applied {
			t.Fatalf("applyRevocation = %t, %v; want applied", applied, err)
		}
		if seen, err := other.seenEvent(ctx, "evt-1"); err != nil || !seen {
			t.Errorf("seenEvent after handling = %t, %v", seen, err)
		}
		if _, err := other.Token(ctx, m); !errors.Is(err, ErrReauthorize) {
			t.Errorf("Token after a revocation: %v; want ErrReauthorize", err)
		}
		if r, _ := v.load(ctx, m); r.sealed != nil || r.state != StateReauthorize {
			t.Errorf("the tokens were not wiped")
		}
		// The same delivery again changes nothing.
		f.connect(t, v, m)
		if applied, err := v.applyRevocation(ctx, "evt-1", m, time.Now()); err != nil || applied {
			t.Errorf("applyRevocation(seen) = %t, %v; want a no-op", applied, err)
		}
		// A revocation older than the latest Connect is recorded, not applied.
		s, _ := v.Seller(ctx, m)
		if applied, err := v.applyRevocation(ctx, "evt-2", m, s.SavedAt.Add(-time.Minute)); err != nil || applied {
			t.Errorf("applyRevocation(older than the Connect) = %t, %v; want a no-op", applied, err)
		}
		if seen, _ := v.seenEvent(ctx, "evt-2"); !seen {
			t.Error("an ignored revocation was not recorded")
		}
		if _, err := other.Token(ctx, m); err != nil {
			t.Errorf("Token after an old revocation: %v", err)
		}
		// An unknown seller: recorded, nothing else.
		if applied, err := v.applyRevocation(ctx, "evt-3", "MLUNKNOWN001", time.Now()); err != nil || applied {
			t.Errorf("applyRevocation(unknown) = %t, %v", applied, err)
		}
		if seen, _ := v.seenEvent(ctx, "evt-3"); !seen {
			t.Error("the unknown seller's event was not recorded")
		}
		if all, _ := v.Sellers(ctx); len(all) != 1 {
			t.Errorf("%d sellers, want 1", len(all))
		}
	})
}
