package redislimit

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/ratelimit/ratelimittest"
	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/redistrips"
	"github.com/carekey/carekey/internal/testenv"
)

func TestConformance(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T, clk *clocktest.Clock) ratelimit.Limiter {
		c, prefix := testenv.RedisClient(t)
		return New(c, prefix, clk)
	})
}

// TestConformanceCluster runs the suite on a 3-master Redis Cluster: the
// script's two counters share a hash slot.
func TestConformanceCluster(t *testing.T) {
	ratelimittest.Run(t, func(t *testing.T, clk *clocktest.Clock) ratelimit.Limiter {
		c, prefix := testenv.RedisCluster(t)
		return New(c, prefix, clk)
	})
}

// TestKeys checks that counters live under the prefix, that both windows of a
// key share a hash tag, and that each expires within two windows.
func TestKeys(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	lim := New(c, prefix, clk)
	l := ratelimit.Limit{Name: "codes-phone", Max: 5, Window: 15 * time.Minute}
	if _, err := lim.Allow(t.Context(), "+447700900047", l); err != nil {
		t.Fatal(err)
	}
	clk.Advance(15 * time.Minute)
	if _, err := lim.Allow(t.Context(), "+447700900047", l); err != nil {
		t.Fatal(err)
	}

	keys := scan(t, c, prefix)
	if len(keys) != 2 {
		t.Fatalf("keys under %s: have %q, want 2 (one per window)", prefix, keys)
	}
	for _, k := range keys {
		tag := "{codes-phone:900000:+447700900047}:"
		if !strings.HasPrefix(k, prefix+tag) {
			t.Errorf("key %q: want prefix %q", k, prefix+tag)
		}
		ttl, err := c.PTTL(t.Context(), k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= 0 || ttl > 2*l.Window {
			t.Errorf("key %q: TTL %s, want in (0, %s]", k, ttl, 2*l.Window)
		}
	}
}

// TestDeniedCountsNothing checks that a refused event writes nothing, so a
// client hammering a limit does not push its RetryAfter further away.
func TestDeniedCountsNothing(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	lim := New(c, prefix, clk)
	l := ratelimit.Limit{Name: "calls-phone", Max: 3, Window: 15 * time.Minute}
	for range 10 {
		if _, err := lim.Allow(t.Context(), "k", l); err != nil {
			t.Fatal(err)
		}
	}
	keys := scan(t, c, prefix)
	if len(keys) != 1 {
		t.Fatalf("keys: have %q, want one", keys)
	}
	if have, err := c.Get(t.Context(), keys[0]).Int(); err != nil || have != 3 {
		t.Errorf("counter after 10 events, 3 allowed: have %d, %v; want 3", have, err)
	}
}

// scan returns the keys under prefix (SCAN, not KEYS: the server is shared).
func scan(t *testing.T, c redis.UniversalClient, prefix string) []string {
	t.Helper()
	var keys []string
	iter := c.Scan(t.Context(), 0, prefix+"*", 100).Iterator()
	for iter.Next(t.Context()) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("scan %s: %v", prefix, err)
	}
	return keys
}

// TestBracesInKeyOnCluster counts keys holding { and } (an email address may)
// on a Redis Cluster: the script reads both windows and Reset deletes both,
// which fails with CROSSSLOT unless they share a slot.
func TestBracesInKeyOnCluster(t *testing.T) {
	c, prefix := testenv.RedisCluster(t)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	lim := New(c, prefix, clk)
	l := ratelimit.Limit{Name: "email-codes", Max: 5, Window: 15 * time.Minute}
	for _, key := range []string{"email:a}b@example.com", "email:{x}@example.com", "email:}{@example.com", "}"} {
		t.Run(key, func(t *testing.T) {
			for range 2 {
				if _, err := lim.Allow(t.Context(), key, l); err != nil {
					t.Fatalf("Allow: %v", err)
				}
				clk.Advance(l.Window)
			}
			clk.Advance(-l.Window) // back in the second window: both counters are live
			index, _, _ := ratelimit.Window(l, clk.Now())
			cur, prev := lim.keys(key, l, index)
			a, errA := c.ClusterKeySlot(t.Context(), cur).Result()
			b, errB := c.ClusterKeySlot(t.Context(), prev).Result()
			if errA != nil || errB != nil || a != b {
				t.Errorf("slots of %q and %q: %d (%v), %d (%v); want one", cur, prev, a, errA, b, errB)
			}
			if err := lim.Reset(t.Context(), key, l); err != nil {
				t.Fatalf("Reset: %v", err)
			}
		})
	}
}

// In a request (a rediscas memo), the ordered checks ride with the
// request's next round trip, here a read, and decide as AllowEach does.
func TestAllowEachAheadRidesWithARead(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	lim := New(c, prefix, clk)
	ip := ratelimit.Limit{Name: "ip", Max: 5, Window: time.Minute}
	source := ratelimit.Limit{Name: "source", Max: 1, Window: time.Minute}
	account := ratelimit.Limit{Name: "account", Max: 5, Window: time.Minute}
	checks := []ratelimit.Check{{Limit: ip, Key: "192.0.2.1"}, {Limit: source, Key: "a|192.0.2.1"}, {Limit: account, Key: "a"}}
	c.Set(t.Context(), prefix+"flow", "f", time.Minute)
	if err := ratelimit.AllowInOrder(t.Context(), lim, checks...); err != nil { // loads the script
		t.Fatal(err)
	}
	var n redistrips.Counter
	c.AddHook(&n)
	ctx := rediscas.WithMemo(t.Context())
	await := ratelimit.AllowInOrderAhead(ctx, lim, checks...)
	if _, err := rediscas.Read(ctx, c, prefix+"flow"); err != nil {
		t.Fatal(err)
	}
	err := await()
	var limited *ratelimit.LimitedError
	if !errors.As(err, &limited) || limited.Limit != "source" {
		t.Errorf("second attempt: %v, want the source limit refusing", err)
	}
	if got := n.Counts(); got.Trips != 2 {
		t.Errorf("%d round trips (%v), want 2: the checks with the read, the account's count given back", got.Trips, got.Log)
	}
	if have := allowedN(t, lim, "a", account, 5); have != 4 {
		t.Errorf("account after the refusal: %d of 5 allowed, want 4 (the refused attempt given back)", have)
	}
}

func allowedN(t *testing.T, lim *Limiter, key string, l ratelimit.Limit, n int) int {
	t.Helper()
	k := 0
	for range n {
		r, err := lim.Allow(t.Context(), key, l)
		if err != nil {
			t.Fatal(err)
		}
		if r.Allowed {
			k++
		}
	}
	return k
}
