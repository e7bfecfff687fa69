package rediscas_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/redistrips"
	"github.com/carekey/carekey/internal/testenv"
)

// With a memo, a request reads a key once: later Gets and the first read of
// an Update come from the memo; the swap itself still goes to Redis.
func TestMemoReadsOnce(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	key := prefix + "k"
	c.Set(t.Context(), key, "1", time.Minute)
	warm(t, c, prefix)
	var n redistrips.Counter
	c.AddHook(&n)
	ctx := rediscas.WithMemo(t.Context())

	for range 3 {
		if v, err := rediscas.Read(ctx, c, key); err != nil || string(v) != "1" {
			t.Fatalf("Get = %q, %v; want 1", v, err)
		}
	}
	if err := rediscas.Update(ctx, c, key, incr); err != nil {
		t.Fatal(err)
	}
	if v, err := rediscas.Read(ctx, c, key); err != nil || string(v) != "2" {
		t.Errorf("Get after Update = %q, %v; want the written 2", v, err)
	}
	if got := n.Counts(); got.Trips != 2 {
		t.Errorf("%d round trips (%v), want 2: one GET, one swap", got.Trips, got.Log)
	}
	if v := c.Get(t.Context(), key).Val(); v != "2" {
		t.Errorf("Redis holds %q, want 2", v)
	}
}

// A memo gone stale (another request wrote the key since) never makes a
// write wrong: the swap fails and fn runs again on what Redis holds.
func TestMemoStaleUpdateRetries(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	key := prefix + "k"
	c.Set(t.Context(), key, "1", time.Minute)
	ctx := rediscas.WithMemo(t.Context())
	if _, err := rediscas.Read(ctx, c, key); err != nil {
		t.Fatal(err)
	}
	c.Set(t.Context(), key, "10", time.Minute) // another request
	var seen []string
	err := rediscas.Update(ctx, c, key, func(old []byte) (rediscas.Write, error) {
		seen = append(seen, string(old))
		return incr(old)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[1] != "10" {
		t.Errorf("fn saw %q, want [1 10]", seen)
	}
	if v := c.Get(t.Context(), key).Val(); v != "11" {
		t.Errorf("Redis holds %q, want 11", v)
	}
}

// Gone, Remember and Forget keep the memo true to the caller's own writes;
// a context without a memo always reads Redis; memos are per request.
func TestMemoFollowsOwnWrites(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	key := prefix + "k"
	ctx := rediscas.WithMemo(t.Context())

	if _, err := rediscas.Read(ctx, c, key); !errors.Is(err, rediscas.ErrNotFound) {
		t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
	}
	if !rediscas.KnownGone(ctx, key) {
		t.Error("a key found missing is not known gone")
	}
	c.Set(t.Context(), key, "1", time.Minute)
	rediscas.Remember(ctx, key, []byte("1"))
	if rediscas.KnownGone(ctx, key) {
		t.Error("a remembered key is known gone")
	}
	if v, err := rediscas.Read(ctx, c, key); err != nil || string(v) != "1" {
		t.Errorf("Get after Remember = %q, %v", v, err)
	}
	c.Del(t.Context(), key)
	rediscas.Gone(ctx, key)
	if err := rediscas.Update(ctx, c, key, incr); !errors.Is(err, rediscas.ErrNotFound) {
		t.Errorf("Update after Gone: %v, want ErrNotFound", err)
	}
	c.Set(t.Context(), key, "5", time.Minute)
	rediscas.Forget(ctx, key)
	if v, err := rediscas.Read(ctx, c, key); err != nil || string(v) != "5" {
		t.Errorf("Get after Forget = %q, %v; want Redis's 5", v, err)
	}

	for _, other := range []context.Context{t.Context(), rediscas.WithMemo(t.Context())} {
		c.Set(t.Context(), key, "7", time.Minute)
		if v, err := rediscas.Read(other, c, key); err != nil || string(v) != "7" {
			t.Errorf("another request's Get = %q, %v; want Redis's 7", v, err)
		}
		if rediscas.KnownGone(other, key) {
			t.Error("another request knows the key gone")
		}
		rediscas.Gone(other, key) // no memo: nothing to do, no panic
	}
}
