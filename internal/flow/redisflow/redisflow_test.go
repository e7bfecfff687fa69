package redisflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/flow/flowtest"
	"github.com/carekey/carekey/internal/flow/redisflow"
	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/redistrips"
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

// TestUpdateRoundTrips: an uncontended Update is two round trips (rediscas:
// GET, then the swap), once the script is cached.
func TestUpdateRoundTrips(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	ctx := t.Context()
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	st := redisflow.New(c, prefix, clk)
	if err := st.Create(ctx, flow.Flow{ID: "f1", ExpiresAt: clk.Now().Add(30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	next := func(f *flow.Flow) error { f.State += "+"; return nil }
	if _, err := st.Update(ctx, "f1", next); err != nil { // caches the script
		t.Fatal(err)
	}
	var n redistrips.Counter
	c.AddHook(&n)
	f, err := st.Update(ctx, "f1", next)
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 3 || f.State != "++" {
		t.Errorf("Update returned version %d state %q, want 3 and ++", f.Version, f.State)
	}
	if got := n.Counts(); got.Trips != 2 {
		t.Errorf("Update: %d round trips %v, want 2", got.Trips, got.Log)
	}
}

// TestConformanceOneMemo runs the suite with every call in one request's
// memo (rediscas.WithMemo), as the app serves requests: what a request
// remembers never makes the store answer wrong.
func TestConformanceOneMemo(t *testing.T) {
	flowtest.Run(t, func(t *testing.T, clk *clocktest.Clock) flow.Store {
		c, prefix := testenv.RedisClient(t)
		return memoStore{redisflow.New(c, prefix, clk), rediscas.WithMemo(t.Context())}
	})
}

// memoStore makes every call with one memo, whatever context its caller
// passes (its cancellation and deadline still count).
type memoStore struct {
	s   flow.Store
	ctx context.Context
}

func (m memoStore) Create(ctx context.Context, f flow.Flow) error { return m.s.Create(m.in(ctx), f) }
func (m memoStore) Get(ctx context.Context, id string) (flow.Flow, error) {
	return m.s.Get(m.in(ctx), id)
}
func (m memoStore) Update(ctx context.Context, id string, fn func(f *flow.Flow) error) (flow.Flow, error) {
	return m.s.Update(m.in(ctx), id, fn)
}
func (m memoStore) Delete(ctx context.Context, id string) error { return m.s.Delete(m.in(ctx), id) }

// in is ctx with the values, and so the memo, of m.ctx.
func (m memoStore) in(ctx context.Context) context.Context { return withValuesOf{ctx, m.ctx} }

// withValuesOf is a context whose values come from values when its own
// Context has none.
type withValuesOf struct {
	context.Context
	values context.Context
}

func (c withValuesOf) Value(k any) any {
	if v := c.Context.Value(k); v != nil {
		return v
	}
	return c.values.Value(k)
}
