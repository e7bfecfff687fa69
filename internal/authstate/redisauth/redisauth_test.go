package redisauth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/authstate/authstatetest"
	"github.com/carekey/carekey/internal/authstate/redisauth"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/testenv"
)

func TestConformance(t *testing.T) {
	authstatetest.Run(t, func(t *testing.T, clk *clocktest.Clock) authstate.Store {
		c, prefix := testenv.RedisClient(t)
		return redisauth.New(c, prefix, clk)
	})
}

// TestConformanceCluster runs the suite on a 3-master Redis Cluster: every
// command and transaction stays within one hash slot.
func TestConformanceCluster(t *testing.T) {
	authstatetest.Run(t, func(t *testing.T, clk *clocktest.Clock) authstate.Store {
		c, prefix := testenv.RedisCluster(t)
		return redisauth.New(c, prefix, clk)
	})
}

// TestKeysHaveTTLAndPrefix finds every key that holds the test's random
// marker, wherever in the database, and checks that it is under the prefix
// and has a TTL that matches the record's remaining life.
func TestKeysHaveTTLAndPrefix(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	ctx := t.Context()
	marker := strings.TrimSuffix(strings.TrimPrefix(prefix, "test:"), ":") // random per test
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	st := redisauth.New(c, prefix, clk)
	now := clk.Now()
	reqID, hash, tokID := "ar-"+marker, "code-"+marker, "at-"+marker
	if err := st.CreateAuthRequest(ctx, authstate.AuthRequest{ID: reqID, ExpiresAt: now.Add(30 * time.Minute)}); err != nil {
		t.Fatalf("CreateAuthRequest: %v", err)
	}
	if _, err := st.UpdateAuthRequest(ctx, reqID, func(r *authstate.AuthRequest) error { r.Done = true; return nil }); err != nil {
		t.Fatalf("UpdateAuthRequest: %v", err)
	}
	if err := st.SaveCode(ctx, hash, reqID, now.Add(time.Minute)); err != nil {
		t.Fatalf("SaveCode: %v", err)
	}
	if err := st.CreateAccessToken(ctx, authstate.AccessToken{ID: tokID, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatalf("CreateAccessToken: %v", err)
	}

	want := map[string]time.Duration{
		prefix + "authreq:" + reqID: 30 * time.Minute,
		prefix + "code:" + hash:     time.Minute,
		prefix + "token:" + tokID:   time.Hour,
	}
	found := 0
	iter := c.Scan(ctx, 0, "*"+marker+"*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		found++
		life, ok := want[k]
		if !ok {
			t.Errorf("unexpected key %s (not under the prefix %s, or not one of ours)", k, prefix)
			continue
		}
		ttl, err := c.TTL(ctx, k).Result()
		if err != nil {
			t.Fatalf("TTL %s: %v", k, err)
		}
		if ttl < life-time.Minute/2 || ttl > life+time.Minute/2 {
			t.Errorf("key %s: TTL = %v, want about %v", k, ttl, life)
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("scan: %v", err)
	}
	if found != len(want) {
		t.Errorf("found %d keys, want %d: %v", found, len(want), want)
	}
}
