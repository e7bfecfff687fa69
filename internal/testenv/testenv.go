// Package testenv gives tests an isolated slice of the real PostgreSQL and Redis
// servers named by IDP_TEST_POSTGRES_URL and IDP_TEST_REDIS_URL, and of the Redis
// Cluster named by IDP_TEST_REDIS_CLUSTER_ADDRS (comma-separated addresses of
// its nodes; .ci/redis-cluster.sh starts one on loopback): a fresh schema or a
// fresh key prefix per test, removed in t.Cleanup; likewise for the Redis
// Sentinel named by IDP_TEST_REDIS_SENTINEL_ADDRS (the sentinels' addresses,
// watching a master named "carekey"; .ci/redis-sentinel.sh starts one). It
// never flushes or stops the shared servers.
//
// When a variable is unset the test is skipped, except when CI=true, where it
// fails: a missing service must never show as green.
//
//	url := testenv.PostgresURL(t) // connection string whose search_path is a new schema
//	opts, prefix := testenv.Redis(t)
//	cluster, prefix := testenv.RedisCluster(t)
//	sentinels, prefix := testenv.RedisSentinelAddrs(t) // master testenv.SentinelMaster
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

func require(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s unset but CI=true: the suite that needs it must run", name)
		}
		t.Skipf("%s unset", name)
	}
	return v
}

func suffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// PostgresURL creates a new, empty schema on the server named by
// IDP_TEST_POSTGRES_URL and returns a connection string whose search_path is that
// schema. The schema is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := require(t, "IDP_TEST_POSTGRES_URL")
	schema := "t_" + suffix()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to IDP_TEST_POSTGRES_URL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withParam(base, "search_path", schema)
}

func withParam(raw, key, value string) string {
	if strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://") {
		u, err := url.Parse(raw)
		if err == nil {
			q := u.Query()
			q.Set(key, value)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return raw + " " + key + "=" + value
}

// Redis returns options for the server named by IDP_TEST_REDIS_URL and a key
// prefix unique to this test. Keys under the prefix are deleted when the test
// ends (by SCAN on the prefix, never FLUSHDB).
func Redis(t testing.TB) (*redis.Options, string) {
	t.Helper()
	raw := require(t, "IDP_TEST_REDIS_URL")
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("parse IDP_TEST_REDIS_URL: %v", err)
	}
	prefix := "test:" + suffix() + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := redis.NewClient(opts)
		defer c.Close()
		deletePrefix(ctx, c, prefix)
	})
	return opts, prefix
}

// deletePrefix deletes every key of one node under prefix, one by one (SCAN,
// never FLUSHDB).
func deletePrefix(ctx context.Context, c *redis.Client, prefix string) {
	iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
}

// RedisClusterAddrs returns the node addresses in IDP_TEST_REDIS_CLUSTER_ADDRS
// and a key prefix unique to this test. Keys under the prefix are deleted from
// every master when the test ends (never FLUSHALL).
func RedisClusterAddrs(t testing.TB) ([]string, string) {
	t.Helper()
	addrs := splitAddrs(t, "IDP_TEST_REDIS_CLUSTER_ADDRS")
	prefix := "test:" + suffix() + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
		defer c.Close()
		err := c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
			deletePrefix(ctx, n, prefix)
			return nil
		})
		if err != nil {
			t.Errorf("delete the test's keys from the cluster: %v", err)
		}
	})
	return addrs, prefix
}

// RedisCluster is RedisClusterAddrs with a connected ClusterClient, closed
// when the test ends. Its ForEachMaster reaches every master, for a test that
// must look at every node (SCAN sees one node only).
func RedisCluster(t testing.TB) (*redis.ClusterClient, string) {
	t.Helper()
	addrs, prefix := RedisClusterAddrs(t)
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.ForEachShard(ctx, func(ctx context.Context, n *redis.Client) error {
		return n.Ping(ctx).Err()
	})
	if err != nil {
		t.Fatalf("ping IDP_TEST_REDIS_CLUSTER_ADDRS: %v", err)
	}
	return c, prefix
}

// RedisClient is Redis with a connected client, closed when the test ends.
func RedisClient(t testing.TB) (redis.UniversalClient, string) {
	t.Helper()
	opts, prefix := Redis(t)
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("ping IDP_TEST_REDIS_URL: %v", err)
	}
	return c, prefix
}

// SentinelMaster is the name under which the sentinels of
// IDP_TEST_REDIS_SENTINEL_ADDRS watch their master.
const SentinelMaster = "carekey"

// RedisSentinelAddrs returns the sentinels' addresses in
// IDP_TEST_REDIS_SENTINEL_ADDRS and a key prefix unique to this test. Keys
// under the prefix are deleted from the master when the test ends.
func RedisSentinelAddrs(t testing.TB) ([]string, string) {
	t.Helper()
	addrs := splitAddrs(t, "IDP_TEST_REDIS_SENTINEL_ADDRS")
	prefix := "test:" + suffix() + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: SentinelMaster, SentinelAddrs: addrs})
		defer c.Close()
		deletePrefix(ctx, c, prefix)
	})
	return addrs, prefix
}

// splitAddrs returns the comma-separated addresses in the variable name.
func splitAddrs(t testing.TB, name string) []string {
	t.Helper()
	var addrs []string
	for a := range strings.SplitSeq(require(t, name), ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		t.Fatalf("%s names no address", name)
	}
	return addrs
}
