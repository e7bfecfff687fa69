package rediscas_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/redistrips"
	"github.com/carekey/carekey/internal/testenv"
)

// incr is an fn that adds one to a decimal value.
func incr(old []byte) (rediscas.Write, error) {
	n, err := strconv.Atoi(string(old))
	if err != nil {
		return rediscas.Write{}, err
	}
	return rediscas.Write{Value: []byte(strconv.Itoa(n + 1))}, nil
}

func TestUpdate(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	ctx := t.Context()
	key := prefix + "k"

	t.Run("NotFound", func(t *testing.T) {
		called := false
		err := rediscas.Update(ctx, c, prefix+"missing", func([]byte) (rediscas.Write, error) {
			called = true
			return rediscas.Write{Value: []byte("x")}, nil
		})
		if !errors.Is(err, rediscas.ErrNotFound) || called {
			t.Errorf("err = %v, fn called %v; want ErrNotFound, fn not called", err, called)
		}
		if n := c.Exists(ctx, prefix+"missing").Val(); n != 0 {
			t.Errorf("the missing key was created")
		}
	})

	t.Run("WritesWithNewTTL", func(t *testing.T) {
		c.Set(ctx, key, "1", time.Minute)
		err := rediscas.Update(ctx, c, key, func(old []byte) (rediscas.Write, error) {
			if string(old) != "1" {
				t.Errorf("fn given %q, want 1", old)
			}
			return rediscas.Write{Value: []byte("2"), TTL: time.Hour}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if v := c.Get(ctx, key).Val(); v != "2" {
			t.Errorf("value = %q, want 2", v)
		}
		if ttl := c.PTTL(ctx, key).Val(); ttl < 59*time.Minute || ttl > time.Hour {
			t.Errorf("TTL = %v, want about 1h", ttl)
		}
	})

	t.Run("ZeroTTLKeepsTTL", func(t *testing.T) {
		c.Set(ctx, key, "1", 10*time.Minute)
		if err := rediscas.Update(ctx, c, key, incr); err != nil {
			t.Fatal(err)
		}
		if v := c.Get(ctx, key).Val(); v != "2" {
			t.Errorf("value = %q, want 2", v)
		}
		if ttl := c.PTTL(ctx, key).Val(); ttl < 9*time.Minute || ttl > 10*time.Minute {
			t.Errorf("TTL = %v, want the 10m it had", ttl)
		}
	})

	t.Run("FnErrorWritesNothing", func(t *testing.T) {
		c.Set(ctx, key, "1", time.Minute)
		boom := errors.New("boom")
		err := rediscas.Update(ctx, c, key, func([]byte) (rediscas.Write, error) {
			return rediscas.Write{Value: []byte("2")}, boom
		})
		if err != boom {
			t.Errorf("err = %v, want fn's error as is", err)
		}
		if v := c.Get(ctx, key).Val(); v != "1" {
			t.Errorf("value = %q, want 1 (unchanged)", v)
		}
	})

	t.Run("NilValueWritesNothing", func(t *testing.T) {
		c.Set(ctx, key, "1", time.Minute)
		var n redistrips.Counter
		c.AddHook(&n)
		before := n.Counts()
		if err := rediscas.Update(ctx, c, key, func([]byte) (rediscas.Write, error) { return rediscas.Write{}, nil }); err != nil {
			t.Fatal(err)
		}
		if got := n.Counts().Sub(before); got.Trips != 1 {
			t.Errorf("%d round trips (%v), want 1: the read alone", got.Trips, got.Log)
		}
		if v := c.Get(ctx, key).Val(); v != "1" {
			t.Errorf("value = %q, want 1 (unchanged)", v)
		}
	})
}

// TestLostRaceRetriesOnWinner: a write between Update's read and its swap
// makes the swap fail, and fn runs again on the winner's value, which the
// script returned (no second GET).
func TestLostRaceRetriesOnWinner(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	ctx := t.Context()
	key := prefix + "k"
	c.Set(ctx, key, "1", time.Minute)
	warm(t, c, prefix)

	var n redistrips.Counter
	c.AddHook(&n)
	var seen []string
	err := rediscas.Update(ctx, c, key, func(old []byte) (rediscas.Write, error) {
		seen = append(seen, string(old))
		if len(seen) == 1 {
			c.Set(ctx, key, "10", redis.KeepTTL) // another writer wins
		}
		return incr(old)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0] != "1" || seen[1] != "10" {
		t.Errorf("fn saw %q, want [1 10]", seen)
	}
	if v := c.Get(ctx, key).Val(); v != "11" {
		t.Errorf("value = %q, want 11: the winner's write kept", v)
	}
	// GET, the other writer's SET, EVALSHA (lost), EVALSHA (won), this GET.
	if got := n.Counts(); got.Trips != 5 {
		t.Errorf("%d round trips (%v), want 5", got.Trips, got.Log)
	}
}

// warm runs the script once, so that the counted runs are one EVALSHA each.
func warm(t *testing.T, c redis.UniversalClient, prefix string) {
	t.Helper()
	c.Set(t.Context(), prefix+"warm", "0", time.Minute)
	if err := rediscas.Update(t.Context(), c, prefix+"warm", incr); err != nil {
		t.Fatal(err)
	}
}

// TestTwoRoundTrips: an uncontended update is one GET and one EVALSHA.
func TestTwoRoundTrips(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	ctx := t.Context()
	warm(t, c, prefix)
	c.Set(ctx, prefix+"k", "1", time.Minute)
	var n redistrips.Counter
	c.AddHook(&n)
	if err := rediscas.Update(ctx, c, prefix+"k", incr); err != nil {
		t.Fatal(err)
	}
	if got := n.Counts(); got.Trips != 2 || got.Log[0] != "get" || got.Log[1] != "evalsha" {
		t.Errorf("round trips %v, want [get evalsha]", got.Log)
	}
}

// TestGivesUp: when every swap loses, Update stops after MaxAttempts calls of
// fn with ErrConflict, and the last other write stands.
func TestGivesUp(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	ctx := t.Context()
	key := prefix + "k"
	c.Set(ctx, key, "0", time.Minute)
	calls := 0
	err := rediscas.Update(ctx, c, key, func(old []byte) (rediscas.Write, error) {
		calls++
		c.Set(ctx, key, "other"+strconv.Itoa(calls), redis.KeepTTL)
		return rediscas.Write{Value: []byte("mine")}, nil
	})
	if !errors.Is(err, rediscas.ErrConflict) || calls != rediscas.MaxAttempts {
		t.Errorf("err = %v after %d calls, want ErrConflict after %d", err, calls, rediscas.MaxAttempts)
	}
	if v := c.Get(ctx, key).Val(); v != "other"+strconv.Itoa(calls) {
		t.Errorf("value = %q, want the other writer's last", v)
	}
}

// TestVanished: a key deleted between the read and the swap is ErrNotFound,
// and the swap does not bring it back.
func TestVanished(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	ctx := t.Context()
	key := prefix + "k"
	c.Set(ctx, key, "1", time.Minute)
	err := rediscas.Update(ctx, c, key, func(old []byte) (rediscas.Write, error) {
		c.Del(ctx, key)
		return incr(old)
	})
	if !errors.Is(err, rediscas.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
	if n := c.Exists(ctx, key).Val(); n != 0 {
		t.Errorf("the deleted key is back")
	}
}

// TestCancelled: a context ended between attempts stops Update.
func TestCancelled(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	key := prefix + "k"
	c.Set(t.Context(), key, "0", time.Minute)
	ctx, cancel := context.WithCancel(t.Context())
	calls := 0
	err := rediscas.Update(ctx, c, key, func(old []byte) (rediscas.Write, error) {
		calls++
		c.Set(t.Context(), key, "other", redis.KeepTTL) // lose the race
		cancel()
		return incr(old)
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("err = %v after %d calls, want context.Canceled after 1", err, calls)
	}
}

// concurrentIncrements has N goroutines add one each: none is lost.
func concurrentIncrements(t *testing.T, c redis.UniversalClient, key string) {
	ctx := t.Context()
	if err := c.Set(ctx, key, "0", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if err := rediscas.Update(ctx, c, key, incr); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if v := c.Get(ctx, key).Val(); v != strconv.Itoa(n) {
		t.Errorf("value = %q after %d concurrent increments", v, n)
	}
}

func TestNoLostUpdate(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	concurrentIncrements(t, c, prefix+"counter")
}

// TestNoLostUpdateCluster: the script's one key runs on a Cluster.
func TestNoLostUpdateCluster(t *testing.T) {
	c, prefix := testenv.RedisCluster(t)
	concurrentIncrements(t, c, prefix+"counter")
}
