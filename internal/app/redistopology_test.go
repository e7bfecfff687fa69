package app_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/testenv"
)

// TestEndToEndOnRedisCluster runs the code flow journey on PostgreSQL and a
// 3-master Redis Cluster (IDP_TEST_REDIS_CLUSTER_ADDRS; .ci/run starts one),
// named by all its nodes or, as managed services give it, by one
// configuration endpoint with redis.cluster. A command over keys in two hash
// slots would fail here with CROSSSLOT.
func TestEndToEndOnRedisCluster(t *testing.T) {
	for _, tc := range []struct {
		name  string
		redis func(c *config.Redis, addrs []string)
	}{
		{"every node", func(c *config.Redis, addrs []string) { c.Addrs = addrs }},
		{"one endpoint", func(c *config.Redis, addrs []string) { c.Addrs, c.Cluster = addrs[:1], true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addrs, prefix := testenv.RedisClusterAddrs(t)
			e := startWith(t, true, func(c *config.Config) {
				tc.redis(&c.Redis, addrs)
				c.Redis.DB = 0
				c.Redis.KeyPrefix = prefix
				replayAfterGrace(c) // the journey replays a refresh token as a thief would
			})
			cc, ok := e.app.Backends().Redis.(*redis.ClusterClient)
			if !ok {
				t.Fatalf("redis client is a %T, want a *redis.ClusterClient", e.app.Backends().Redis)
			}
			endToEndCodeFlow(t, e)

			// The journey's state is in the cluster, under the prefix,
			// wherever each key's hash slot put it.
			var masters, keys atomic.Int64
			err := cc.ForEachMaster(t.Context(), func(ctx context.Context, n *redis.Client) error {
				var here int64
				iter := n.Scan(ctx, 0, prefix+"*", 100).Iterator()
				for iter.Next(ctx) {
					here++
				}
				if here > 0 {
					masters.Add(1)
					keys.Add(here)
				}
				return iter.Err()
			})
			if err != nil {
				t.Fatalf("read keys from the masters: %v", err)
			}
			if keys.Load() == 0 {
				t.Fatalf("no key under %s on any master: the journey's state went elsewhere", prefix)
			}
			t.Logf("%d keys under %s on %d of the masters", keys.Load(), strings.TrimSuffix(prefix, ":"), masters.Load())
		})
	}
}

// TestEndToEndOnRedisSentinel runs the code flow journey on PostgreSQL and a
// Redis master found through its Sentinel (IDP_TEST_REDIS_SENTINEL_ADDRS;
// .ci/run starts one).
func TestEndToEndOnRedisSentinel(t *testing.T) {
	sentinels, prefix := testenv.RedisSentinelAddrs(t)
	e := startWith(t, true, func(c *config.Config) {
		c.Redis.Addrs, c.Redis.MasterName = sentinels, testenv.SentinelMaster
		c.Redis.DB = 0
		c.Redis.KeyPrefix = prefix
		replayAfterGrace(c) // the journey replays a refresh token as a thief would
	})
	endToEndCodeFlow(t, e)

	// The journey's state is on the master the sentinels name.
	sc := redis.NewSentinelClient(&redis.Options{Addr: sentinels[0]})
	defer sc.Close()
	master, err := sc.GetMasterAddrByName(t.Context(), testenv.SentinelMaster).Result()
	if err != nil {
		t.Fatalf("ask the sentinel for the master: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: net.JoinHostPort(master[0], master[1])})
	defer c.Close()
	keys := 0
	iter := c.Scan(t.Context(), 0, prefix+"*", 100).Iterator()
	for iter.Next(t.Context()) {
		keys++
	}
	if err := iter.Err(); err != nil || keys == 0 {
		t.Errorf("keys under %s on the master %v: %d (%v), want some", prefix, master, keys, err)
	}
}

// TestNewRedisKind checks which client each Redis configuration gets; none
// connects until a command is sent.
func TestNewRedisKind(t *testing.T) {
	for _, tc := range []struct {
		name string
		have config.Redis
		want string
	}{
		{"one node", config.Redis{Addrs: []string{"a:6379"}}, "*redis.Client"},
		{"cluster nodes", config.Redis{Addrs: []string{"a:6379", "b:6379"}}, "*redis.ClusterClient"},
		{"cluster endpoint", config.Redis{Addrs: []string{"a:6379"}, Cluster: true}, "*redis.ClusterClient"},
		// Sentinel: a client of the master the sentinels name, which it
		// follows through a failover.
		{"sentinel", config.Redis{Addrs: []string{"s1:26379", "s2:26379"}, MasterName: "carekey"}, "*redis.Client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := app.NewRedis(tc.have)
			defer c.Close()
			if got := fmt.Sprintf("%T", c); got != tc.want {
				t.Errorf("NewRedis(%+v) = %s, want %s", tc.have, got, tc.want)
			}
		})
	}
}
