package rediscas_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/redistrips"
	"github.com/carekey/carekey/internal/testenv"
)

// A write queued with Later rides in the next swap's pipeline: one round
// trip for both, and Flush has nothing left to send.
func TestLaterRidesWithNextWrite(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	gone, key := prefix+"gone", prefix+"k"
	c.Set(t.Context(), gone, "x", time.Minute)
	c.Set(t.Context(), key, "1", time.Minute)
	warm(t, c, prefix)
	ctx := rediscas.WithMemo(t.Context())
	if _, err := rediscas.Read(ctx, c, key); err != nil {
		t.Fatal(err)
	}
	var n redistrips.Counter
	c.AddHook(&n)

	if err := rediscas.DeleteLater(ctx, c, gone); err != nil {
		t.Fatal(err)
	}
	if _, err := rediscas.Read(ctx, c, gone); !errors.Is(err, rediscas.ErrNotFound) {
		t.Errorf("Read after DeleteLater: %v, want ErrNotFound (the memo knows it gone)", err)
	}
	if c.Exists(context.Background(), gone).Val() != 1 {
		t.Fatal("DeleteLater deleted at once; want it queued")
	}
	before := n.Counts()
	if err := rediscas.Update(ctx, c, key, incr); err != nil {
		t.Fatal(err)
	}
	if got := n.Counts().Sub(before); got.Trips != 1 {
		t.Errorf("swap with a queued delete: %d round trips (%v), want 1", got.Trips, got.Log)
	}
	if c.Exists(t.Context(), gone).Val() != 0 {
		t.Error("the queued delete did not ride with the swap")
	}
	before = n.Counts()
	if err := rediscas.Flush(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got := n.Counts().Sub(before); got.Trips != 0 {
		t.Errorf("Flush with nothing queued: %d round trips, want 0", got.Trips)
	}
}

// Flush sends what no write carried, and returns the queued writes' errors.
func TestFlush(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	gone, text := prefix+"gone", prefix+"text"
	c.Set(t.Context(), gone, "x", time.Minute)
	c.Set(t.Context(), text, "not a number", time.Minute)
	ctx := rediscas.WithMemo(t.Context())
	if err := rediscas.DeleteLater(ctx, c, gone); err != nil {
		t.Fatal(err)
	}
	rediscas.Later(ctx, func(ctx context.Context, p redis.Pipeliner) { p.Incr(ctx, text) })
	if err := rediscas.Flush(ctx, c); err == nil {
		t.Error("Flush: no error, want the INCR's")
	}
	if c.Exists(t.Context(), gone).Val() != 0 {
		t.Error("Flush did not send the queued delete")
	}
	if err := rediscas.Flush(ctx, c); err != nil {
		t.Errorf("second Flush: %v, want nil (errors reported once)", err)
	}
}

// Without a memo nothing waits: Later queues nothing, DeleteLater deletes.
func TestLaterWithoutMemo(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	gone := prefix + "gone"
	c.Set(t.Context(), gone, "x", time.Minute)
	if rediscas.Later(t.Context(), func(context.Context, redis.Pipeliner) {}) {
		t.Error("Later without a memo queued")
	}
	if err := rediscas.DeleteLater(t.Context(), c, gone); err != nil {
		t.Fatal(err)
	}
	if c.Exists(t.Context(), gone).Val() != 0 {
		t.Error("DeleteLater without a memo did not delete at once")
	}
}

// Goroutines of one request updating one key: the memo never keeps an
// older value than the last write (a write that finishes late does not put
// back what it replaced).
func TestMemoConcurrentUpdates(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	key := prefix + "n"
	c.Set(t.Context(), key, "0", time.Minute)
	ctx := rediscas.WithMemo(t.Context())
	const n = 20
	done := make(chan error, n)
	for range n {
		go func() { done <- rediscas.Update(ctx, c, key, incr) }()
	}
	for range n {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if v, err := rediscas.Read(ctx, c, key); err != nil || string(v) != "20" {
		t.Errorf("Read after %d concurrent updates = %q, %v; want 20", n, v, err)
	}
}

// A key read ahead rides with the next round trip; its Read then costs none.
func TestReadAhead(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	a, b, missing := prefix+"a", prefix+"b", prefix+"missing"
	c.Set(t.Context(), a, "1", time.Minute)
	c.Set(t.Context(), b, "2", time.Minute)
	warm(t, c, prefix)
	ctx := rediscas.WithMemo(t.Context())
	var n redistrips.Counter
	c.AddHook(&n)
	rediscas.ReadAhead(ctx, b)
	rediscas.ReadAhead(ctx, missing)
	if v, err := rediscas.Read(ctx, c, a); err != nil || string(v) != "1" {
		t.Fatalf("Read a = %q, %v", v, err)
	}
	if v, err := rediscas.Read(ctx, c, b); err != nil || string(v) != "2" {
		t.Errorf("Read b = %q, %v; want 2", v, err)
	}
	if _, err := rediscas.Read(ctx, c, missing); !errors.Is(err, rediscas.ErrNotFound) {
		t.Errorf("Read of a missing key read ahead: %v, want ErrNotFound", err)
	}
	if got := n.Counts(); got.Trips != 1 {
		t.Errorf("%d round trips (%v), want 1", got.Trips, got.Log)
	}
	// A key forgotten since is read again, not taken from the old answer.
	c.Set(t.Context(), b, "3", time.Minute)
	rediscas.Forget(ctx, b)
	if v, err := rediscas.Read(ctx, c, b); err != nil || string(v) != "3" {
		t.Errorf("Read b after Forget = %q, %v; want 3", v, err)
	}
}
