package redistrips_test

import (
	"slices"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/redistrips"
	"github.com/carekey/carekey/internal/testenv"
)

// TestCounts: a command alone is one round trip, a pipeline or a MULTI/EXEC
// transaction one round trip of all its commands.
func TestCounts(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	var n redistrips.Counter
	c.AddHook(&n)
	ctx := t.Context()
	before := n.Counts()

	c.Set(ctx, prefix+"a", "1", 0)
	if _, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, prefix+"a")
		p.Incr(ctx, prefix+"b")
		p.Del(ctx, prefix+"a", prefix+"b")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, prefix+"c")
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	got := n.Counts().Sub(before)
	if got.Trips != 3 {
		t.Errorf("Trips = %d, want 3 (%v)", got.Trips, got.Log)
	}
	if got.Commands != 1+3+3 { // MULTI, INCR, EXEC
		t.Errorf("Commands = %d, want 7 (%v)", got.Commands, got.Log)
	}
	if want := []string{"set", "get+incr+del", "multi+incr+exec"}; !slices.Equal(got.Log, want) {
		t.Errorf("Log = %q, want %q", got.Log, want)
	}
}
