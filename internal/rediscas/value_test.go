package rediscas_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/redistrips"
	"github.com/carekey/carekey/internal/testenv"
)

var (
	errGone    = errors.New("gone")
	errMissing = errors.New("the contract's not found")
)

// number stores an int as "n:<decimal>"; a negative number has ended
// (errGone), and a missing key is errMissing.
func number() rediscas.Codec[int] {
	return rediscas.Codec[int]{
		Encode: func(n int) ([]byte, error) { return []byte("n:" + strconv.Itoa(n)), nil },
		Decode: func(b []byte) (int, error) { return strconv.Atoi(strings.TrimPrefix(string(b), "n:")) },
		Live: func(n int) error {
			if n < 0 {
				return errGone
			}
			return nil
		},
		Missing: errMissing,
	}
}

func TestGet(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	ctx := t.Context()
	c.Set(ctx, prefix+"live", "n:7", time.Minute)
	c.Set(ctx, prefix+"ended", "n:-1", time.Minute)
	c.Set(ctx, prefix+"bad", "n:x", time.Minute)
	if n, err := rediscas.Get(ctx, c, prefix+"live", number()); n != 7 || err != nil {
		t.Errorf("live: %d, %v; want 7", n, err)
	}
	if _, err := rediscas.Get(ctx, c, prefix+"ended", number()); err != errGone {
		t.Errorf("ended: %v, want Live's error as is", err)
	}
	if _, err := rediscas.Get(ctx, c, prefix+"missing", number()); err != errMissing {
		t.Errorf("missing: %v, want Missing", err)
	}
	if _, err := rediscas.Get(ctx, c, prefix+"bad", number()); err == nil {
		t.Error("bad: no error from Decode")
	}
	plain := number()
	plain.Missing = nil
	if _, err := rediscas.Get(ctx, c, prefix+"missing", plain); !errors.Is(err, rediscas.ErrNotFound) {
		t.Errorf("missing without Missing: %v, want ErrNotFound", err)
	}
}

func TestUpdateValue(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	ctx := t.Context()
	key := prefix + "k"

	t.Run("WritesAndReturnsWhatIsStored", func(t *testing.T) {
		c.Set(ctx, key, "n:1", time.Minute)
		n, err := rediscas.UpdateValue(ctx, c, key, number(), func(n *int) (time.Duration, error) {
			*n += 41
			return time.Hour, nil
		})
		if n != 42 || err != nil {
			t.Fatalf("UpdateValue = %d, %v; want 42", n, err)
		}
		if v := c.Get(ctx, key).Val(); v != "n:42" {
			t.Errorf("value = %q, want n:42", v)
		}
		if ttl := c.PTTL(ctx, key).Val(); ttl < 59*time.Minute {
			t.Errorf("TTL = %v, want about 1h", ttl)
		}
	})

	t.Run("ZeroTTLKeepsTTL", func(t *testing.T) {
		c.Set(ctx, key, "n:1", 10*time.Minute)
		if _, err := rediscas.UpdateValue(ctx, c, key, number(), func(n *int) (time.Duration, error) { *n++; return 0, nil }); err != nil {
			t.Fatal(err)
		}
		if ttl := c.PTTL(ctx, key).Val(); ttl < 9*time.Minute || ttl > 10*time.Minute {
			t.Errorf("TTL = %v, want the 10m it had", ttl)
		}
	})

	t.Run("SkipWriteWritesNothing", func(t *testing.T) {
		c.Set(ctx, key, "n:1", time.Minute)
		var trips redistrips.Counter
		c.AddHook(&trips)
		n, err := rediscas.UpdateValue(ctx, c, key, number(), func(n *int) (time.Duration, error) {
			return 0, rediscas.ErrSkipWrite
		})
		if n != 1 || err != nil {
			t.Errorf("UpdateValue = %d, %v; want 1, nil", n, err)
		}
		if got := trips.Counts(); got.Trips != 1 {
			t.Errorf("%d round trips (%v), want 1: the read alone", got.Trips, got.Log)
		}
	})

	for _, tc := range []struct {
		name, stored string
		fnErr, want  error
	}{
		{"FnErrorWritesNothing", "n:1", errors.New("boom"), nil},
		{"LiveJudgesTheRead", "n:-5", nil, errGone},
		{"MissingKey", "", nil, errMissing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.Del(ctx, key)
			if tc.stored != "" {
				c.Set(ctx, key, tc.stored, time.Minute)
			}
			want := tc.want
			if want == nil {
				want = tc.fnErr
			}
			called := false
			_, err := rediscas.UpdateValue(ctx, c, key, number(), func(n *int) (time.Duration, error) {
				called = true
				*n = 99
				return 0, tc.fnErr
			})
			if err != want {
				t.Errorf("err = %v, want %v as is", err, want)
			}
			if called != (tc.want == nil) {
				t.Errorf("fn called %v", called)
			}
			if v := c.Get(ctx, key).Val(); v != tc.stored {
				t.Errorf("value = %q, want %q (unchanged)", v, tc.stored)
			}
		})
	}
}

func TestTTL(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		end  time.Time
		want time.Duration
	}{
		{now.Add(time.Hour), time.Hour + rediscas.TTLMargin},
		{now.Add(1400 * time.Millisecond), 6 * time.Second},
		{now, rediscas.TTLMargin},
		{now.Add(-time.Hour), time.Second}, // ended: still a positive TTL
	} {
		if got := rediscas.TTL(tc.end, now); got != tc.want {
			t.Errorf("TTL(now%+v) = %v, want %v", tc.end.Sub(now), got, tc.want)
		}
	}
}

func TestKeyspaceKey(t *testing.T) {
	kv := rediscas.Keyspace{Prefix: "carekey:flow:"}
	if got := kv.Key("flow", "flw_1"); got != "carekey:flow:flow:flw_1" {
		t.Errorf("Key = %q", got)
	}
}
