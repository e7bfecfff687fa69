package redisflow_test

import (
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/flow/flowtest"
	"github.com/carekey/carekey/internal/flow/redisflow"
	"github.com/carekey/carekey/internal/testenv"
)

func TestConformance(t *testing.T) {
	flowtest.Run(t, func(t *testing.T, clk *clocktest.Clock) flow.Store {
		c, prefix := testenv.RedisClient(t)
		return redisflow.New(c, prefix, clk)
	})
}

// TestConformanceCluster runs the suite on a 3-master Redis Cluster: every
// command and transaction stays within one hash slot.
func TestConformanceCluster(t *testing.T) {
	flowtest.Run(t, func(t *testing.T, clk *clocktest.Clock) flow.Store {
		c, prefix := testenv.RedisCluster(t)
		return redisflow.New(c, prefix, clk)
	})
}

// TestKeysHaveTTLAndPrefix finds every key that holds the test's random
// marker, wherever in the database, and checks that it is under the prefix
// and has a TTL that covers the flow's life and grace period.
func TestKeysHaveTTLAndPrefix(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	ctx := t.Context()
	marker := strings.TrimSuffix(strings.TrimPrefix(prefix, "test:"), ":") // random per test
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	st := redisflow.New(c, prefix, clk)
	id := "flow-" + marker
	if err := st.Create(ctx, flow.Flow{ID: id, ExpiresAt: clk.Now().Add(30 * time.Minute)}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	clk.Advance(10 * time.Minute)
	if _, err := st.Update(ctx, id, func(f *flow.Flow) error { f.State = "next"; return nil }); err != nil {
		t.Fatalf("Update: %v", err)
	}

	var keys []string
	iter := c.Scan(ctx, 0, "*"+marker+"*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("scan: %v", err)
	}
	if want := prefix + "flow:" + id; len(keys) != 1 || keys[0] != want {
		t.Fatalf("keys = %v, want [%s]", keys, want)
	}
	ttl, err := c.TTL(ctx, keys[0]).Result()
	if err != nil {
		t.Fatalf("TTL: %v", err)
	}
	// 20 minutes left, then an hour's grace.
	if ttl < 79*time.Minute || ttl > 81*time.Minute {
		t.Errorf("TTL = %v, want about 1h20m", ttl)
	}
}
