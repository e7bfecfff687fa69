package redissession_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/redistrips"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/session/redissession"
	"github.com/carekey/carekey/internal/session/sessiontest"
	"github.com/carekey/carekey/internal/testenv"
)

func TestConformance(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T, clk *clocktest.Clock) session.Store {
		c, prefix := testenv.RedisClient(t)
		return redissession.New(c, prefix, clk)
	})
}

// TestConformanceCluster runs the suite on a 3-master Redis Cluster: every
// command and transaction stays within one hash slot.
func TestConformanceCluster(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T, clk *clocktest.Clock) session.Store {
		c, prefix := testenv.RedisCluster(t)
		return redissession.New(c, prefix, clk)
	})
}

// keysContaining returns every key in the database that contains marker, with
// its TTL. The marker is random, so no other test's keys match.
func keysContaining(t *testing.T, c redis.UniversalClient, marker string) map[string]time.Duration {
	t.Helper()
	out := make(map[string]time.Duration)
	iter := c.Scan(t.Context(), 0, "*"+marker+"*", 1000).Iterator()
	for iter.Next(t.Context()) {
		ttl, err := c.TTL(t.Context(), iter.Val()).Result()
		if err != nil {
			t.Fatalf("TTL %s: %v", iter.Val(), err)
		}
		out[iter.Val()] = ttl
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("scan: %v", err)
	}
	return out
}

func TestKeysHaveTTLAndPrefix(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	marker := strings.TrimSuffix(strings.TrimPrefix(prefix, "test:"), ":") // random per test
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	st := redissession.New(c, prefix, clk)
	ctx := t.Context()
	now := clk.Now()
	s := session.Session{
		ID: "sess-" + marker, UserID: "user-" + marker, LastSeen: now, CreatedAt: now,
		IdleTimeout: 15 * time.Minute, ExpiresAt: now.Add(12 * time.Hour),
	}
	if err := st.Create(ctx, s); err != nil {
		t.Fatalf("Create: %v", err)
	}
	clk.Advance(10 * time.Minute)
	if _, err := st.Touch(ctx, s.ID); err != nil {
		t.Fatalf("Touch: %v", err)
	}
	if err := st.AddClient(ctx, s.ID, "rp"); err != nil {
		t.Fatalf("AddClient: %v", err)
	}

	keys := keysContaining(t, c, marker)
	for _, want := range []string{prefix + "session:" + s.ID, prefix + "sessions:" + s.UserID} {
		if _, ok := keys[want]; !ok {
			t.Errorf("key %s missing; have %v", want, keys)
		}
	}
	for k, ttl := range keys {
		if !strings.HasPrefix(k, prefix) {
			t.Errorf("key %s is not under the prefix %s", k, prefix)
		}
		if ttl <= 0 {
			t.Errorf("key %s has TTL %v, want > 0", k, ttl)
		}
	}
	// The session key lives for the idle timeout (plus a margin), the index
	// for the absolute one.
	if ttl := keys[prefix+"session:"+s.ID]; ttl < 14*time.Minute || ttl > 16*time.Minute {
		t.Errorf("session TTL = %v after Touch, want about 15m", ttl)
	}
	if ttl := keys[prefix+"sessions:"+s.UserID]; ttl < 11*time.Hour || ttl > 13*time.Hour {
		t.Errorf("user index TTL = %v, want about 12h", ttl)
	}
}

// TestSessionSize holds design.md's budget: at most 512 bytes of Redis memory
// for a typical session (three AMR values, three clients).
func TestSessionSize(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 123456789, time.UTC))
	st := redissession.New(c, prefix, clk)
	now := clk.Now()
	s := session.Session{
		ID:          "ses_ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJ", // 256-bit ID
		UserID:      "usr_ABCDEFGHIJKLMNOPQRSTUVWXYZ",
		AuthTime:    now,
		AMR:         []string{"pwd", "sms", "mfa"},
		Clients:     []string{"dashboard", "dev-public", "council-case-portal"},
		CreatedAt:   now,
		LastSeen:    now.Add(3 * time.Minute),
		IdleTimeout: 15 * time.Minute,
		ExpiresAt:   now.Add(12 * time.Hour),
	}
	if err := st.Create(t.Context(), s); err != nil {
		t.Fatalf("Create: %v", err)
	}
	n, err := c.MemoryUsage(t.Context(), prefix+"session:"+s.ID).Result()
	if err != nil {
		t.Fatalf("MEMORY USAGE: %v", err)
	}
	idx, err := c.MemoryUsage(t.Context(), prefix+"sessions:"+s.UserID).Result()
	if err != nil {
		t.Fatalf("MEMORY USAGE of the index: %v", err)
	}
	t.Logf("session: %d bytes in Redis, its user's index %d", n, idx)
	if n+idx > 512 {
		t.Errorf("a signed-in session uses %d bytes in Redis, all keys counted, want at most 512", n+idx)
	}
}

// TestUserIndexIsPruned (issue 13): a user who signs in again and again
// does not pile up session IDs in the index: every write drops the sessions
// that have reached their absolute end (it once held 655 IDs, 59.6 KB).
func TestUserIndexIsPruned(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	st := redissession.New(c, prefix, clk)
	for i := range 40 {
		now := clk.Now()
		if err := st.Create(t.Context(), session.Session{ID: fmt.Sprintf("ses-%02d", i), UserID: "usr_busy", LastSeen: now, CreatedAt: now,
			IdleTimeout: 15 * time.Minute, ExpiresAt: now.Add(12 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour) // a sign-in an hour, all day and night
	}
	n, err := c.ZCard(t.Context(), prefix+"sessions:usr_busy").Result()
	if err != nil {
		t.Fatal(err)
	}
	if n > 13 {
		t.Errorf("the index holds %d session IDs after 40 hourly sign-ins, want at most the 12 hours' worth", n)
	}
}

// TestLegacyIndexStillRevokes: sessions indexed before the sorted set (a
// plain set under user:<id>) are still found and ended.
func TestLegacyIndexStillRevokes(t *testing.T) {
	c, prefix := testenv.RedisClient(t)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	st := redissession.New(c, prefix, clk)
	now := clk.Now()
	if err := st.Create(t.Context(), session.Session{ID: "ses-new", UserID: "usr_p", LastSeen: now, CreatedAt: now,
		IdleTimeout: 15 * time.Minute, ExpiresAt: now.Add(12 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// A session written by the previous release: its record, and its ID in
	// the old set.
	if err := st.Create(t.Context(), session.Session{ID: "ses-old", UserID: "usr_p", LastSeen: now, CreatedAt: now,
		IdleTimeout: 15 * time.Minute, ExpiresAt: now.Add(12 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	c.ZRem(t.Context(), prefix+"sessions:usr_p", "ses-old")
	c.SAdd(t.Context(), prefix+"user:usr_p", "ses-old")
	ended, err := st.DeleteByUser(t.Context(), "usr_p")
	if err != nil || len(ended) != 2 {
		t.Fatalf("DeleteByUser = %d sessions, %v; want both, the old one too", len(ended), err)
	}
	if n, _ := c.SCard(t.Context(), prefix+"user:usr_p").Result(); n != 0 {
		t.Errorf("the legacy set still holds %d IDs", n)
	}
}

// TestCreateTakenLeavesIndex: Create writes the session and its index entry
// in one pipeline, so a refused Create has indexed the taken ID under its
// own user; it must put that back. Another user's index must not name the
// session (DeleteByUser would end it), and the holder's entry keeps its
// score (else the index could drop it before the session ends).
func TestCreateTakenLeavesIndex(t *testing.T) {
	c, prefix, st, now := openAt(t)
	ctx := t.Context()
	held := signedIn(now, "s1", "u1")
	if err := st.Create(ctx, held); err != nil {
		t.Fatal(err)
	}

	other := held
	other.UserID = "u2"
	if err := st.Create(ctx, other); err == nil {
		t.Fatal("Create with a taken ID by another user: err = nil")
	}
	if n := c.ZCard(ctx, prefix+"sessions:u2").Val(); n != 0 {
		t.Errorf("u2's index holds %d entries after a refused Create, want 0", n)
	}
	if l, err := st.DeleteByUser(ctx, "u2"); err != nil || len(l) != 0 {
		t.Errorf("DeleteByUser(u2) = %v, %v; want none", l, err)
	}
	if _, err := st.Get(ctx, "s1"); err != nil {
		t.Errorf("u1's session after DeleteByUser(u2): %v", err)
	}

	again := held
	again.ExpiresAt = now.Add(time.Minute) // would let the index prune s1 early
	if err := st.Create(ctx, again); err == nil {
		t.Fatal("Create with a taken ID by the same user: err = nil")
	}
	score, err := c.ZScore(ctx, prefix+"sessions:u1", "s1").Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := float64(held.ExpiresAt.UnixMilli()); score != want {
		t.Errorf("index score of s1 = %v after a refused Create, want its own end %v", score, want)
	}
}

// TestRoundTrips: Create is one round trip (the session and its index entry
// in one pipeline), Touch two (rediscas: GET, then the swap), once the
// scripts are cached.
func TestRoundTrips(t *testing.T) {
	c, _, st, now := openAt(t)
	ctx := t.Context()
	if err := st.Create(ctx, signedIn(now, "warm", "u1")); err != nil { // caches the scripts
		t.Fatal(err)
	}
	if _, err := st.Touch(ctx, "warm"); err != nil {
		t.Fatal(err)
	}

	var n redistrips.Counter
	c.AddHook(&n)
	before := n.Counts()
	if err := st.Create(ctx, signedIn(now, "s1", "u1")); err != nil {
		t.Fatal(err)
	}
	if got := n.Counts().Sub(before); got.Trips != 1 {
		t.Errorf("Create: %d round trips %v, want 1", got.Trips, got.Log)
	}
	before = n.Counts()
	if _, err := st.Touch(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if got := n.Counts().Sub(before); got.Trips != 2 {
		t.Errorf("Touch: %d round trips %v, want 2", got.Trips, got.Log)
	}
}

// signedIn is a session of user that began at now.
func signedIn(now time.Time, id, user string) session.Session {
	return session.Session{ID: id, UserID: user, CreatedAt: now, LastSeen: now,
		IdleTimeout: 15 * time.Minute, ExpiresAt: now.Add(12 * time.Hour)}
}

// openAt is a store on the test's Redis prefix, with a fake clock at its now.
func openAt(t *testing.T) (redis.UniversalClient, string, *redissession.Store, time.Time) {
	c, prefix := testenv.RedisClient(t)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	return c, prefix, redissession.New(c, prefix, clk), clk.Now()
}

// CreateAhead: the session and its index entry ride with the request's next
// round trip; to the request the session exists from the start (a Get costs
// nothing), and after the await it does in Redis, indexed by its user. An ID
// already taken is an error, and the request reads the key again.
func TestCreateAhead(t *testing.T) {
	var n redistrips.Counter
	c, prefix := testenv.RedisClient(t)
	c.AddHook(&n)
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	st := redissession.New(c, prefix, clk)
	now := clk.Now()
	sess := session.Session{ID: "s-ahead", UserID: "usr_p", AuthTime: now, CreatedAt: now, LastSeen: now,
		IdleTimeout: 15 * time.Minute, ExpiresAt: now.Add(12 * time.Hour)}

	ctx := rediscas.WithMemo(t.Context())
	before := n.Counts()
	written := st.CreateAhead(ctx, sess)
	if got, err := st.Get(ctx, sess.ID); err != nil || got.UserID != "usr_p" {
		t.Fatalf("the session in its own request: %+v, %v", got, err)
	}
	if got := n.Counts().Sub(before); got.Trips != 0 {
		t.Errorf("queued and read back: %d round trips (%q), want none yet", got.Trips, got.Log)
	}
	if _, err := rediscas.Read(ctx, c, prefix+"unrelated"); !errors.Is(err, rediscas.ErrNotFound) { // the next round trip carries it
		t.Fatal(err)
	}
	if err := written(); err != nil {
		t.Fatal(err)
	}
	if got := n.Counts().Sub(before); got.Trips != 1 {
		t.Errorf("the session's write: %d round trips (%q), want 1", got.Trips, got.Log)
	}
	if ids, err := st.ListByUser(t.Context(), "usr_p"); err != nil || len(ids) != 1 {
		t.Errorf("sessions of usr_p after the write: %v, %v", ids, err)
	}

	ctx = rediscas.WithMemo(t.Context())
	taken := sess
	taken.UserID = "usr_other"
	if err := st.CreateAhead(ctx, taken)(); err == nil {
		t.Fatal("a session ID taken twice")
	}
	if got, err := st.Get(ctx, sess.ID); err != nil || got.UserID != "usr_p" {
		t.Errorf("after the refused write, the request reads %+v, %v; want usr_p's session", got, err)
	}
}
