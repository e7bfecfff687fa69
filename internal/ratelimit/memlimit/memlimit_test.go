package memlimit

import (
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/ratelimit/ratelimittest"
)

func TestConformance(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T, clk *clocktest.Clock) ratelimit.Limiter {
		return New(clk)
	})
}

// TestCollect checks that entries whose windows have both passed are dropped,
// and that live ones are kept.
func TestCollect(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	lim := New(clk)
	short := ratelimit.Limit{Name: "short", Max: 5, Window: time.Minute}
	long := ratelimit.Limit{Name: "long", Max: 5, Window: time.Hour}
	for _, key := range []string{"a", "b", "c"} {
		if _, err := lim.Allow(t.Context(), key, short); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := lim.Allow(t.Context(), "a", long); err != nil {
		t.Fatal(err)
	}
	entries := func() int {
		lim.mu.Lock()
		defer lim.mu.Unlock()
		return len(lim.entries)
	}
	if have := entries(); have != 4 {
		t.Fatalf("after 4 keys: %d entries, want 4", have)
	}

	// One minute on, the short entries are the previous window: kept.
	clk.Advance(time.Minute)
	if _, err := lim.Allow(t.Context(), "d", short); err != nil {
		t.Fatal(err)
	}
	if have := entries(); have != 5 {
		t.Errorf("one window on: %d entries, want 5 (previous windows still count)", have)
	}

	// Two minutes on, a, b and c (last counted in 09:00's window) have
	// passed; d (09:01) is the previous window and long still current.
	clk.Advance(time.Minute)
	if _, err := lim.Allow(t.Context(), "e", short); err != nil {
		t.Fatal(err)
	}
	if have := entries(); have != 3 {
		t.Errorf("two windows on: %d entries, want 3 (d, e and long)", have)
	}
}
