package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/store"
)

// rotated creates t1 and rotates it into t2 at used; it returns t2.
func rotated(t *testing.T, s store.Store, used time.Time) store.RefreshToken {
	t.Helper()
	mustCreateToken(t, s, newToken("t1", "f1", "u1"))
	next := newToken("t2", "f1", "u1")
	next.ParentID = "t1"
	if err := s.RotateRefreshToken(t.Context(), "t1", next, used); err != nil {
		t.Fatalf("RotateRefreshToken: %v", err)
	}
	return next
}

func testRetryRotation(t *testing.T, s store.Store) {
	used := base.Add(time.Hour)
	t2 := rotated(t, s, used)
	now := used.Add(10 * time.Second)
	again := newToken("t2b", "f1", "u1")
	again.ParentID = "t1"
	// Used exactly at usedSince: still within the grace.
	if err := s.RetryRefreshRotation(t.Context(), "t1", again, used, now); err != nil {
		t.Fatalf("RetryRefreshRotation: %v", err)
	}
	checkToken(t, mustGetToken(t, s, "t2b"), again)
	// The successor the client never received is used up: presenting it is a replay.
	wantT2 := t2
	wantT2.UsedAt = now
	checkToken(t, mustGetToken(t, s, "t2"), wantT2)
	// The first token keeps its first use, so the grace does not stretch.
	checkTime(t, "t1 UsedAt", mustGetToken(t, s, "t1").UsedAt, used)
	// A second lost answer is retried too: the new successor is unused.
	third := newToken("t2c", "f1", "u1")
	third.ParentID = "t1"
	if err := s.RetryRefreshRotation(t.Context(), "t1", third, used, now.Add(time.Second)); err != nil {
		t.Fatalf("second RetryRefreshRotation: %v", err)
	}
	// The new successor rotates in turn.
	if err := s.RotateRefreshToken(t.Context(), "t2c", newToken("t3", "f1", "u1"), now.Add(time.Minute)); err != nil {
		t.Fatalf("RotateRefreshToken(t2c): %v", err)
	}
}

func testRetryRotationRefused(t *testing.T, s store.Store) {
	ctx := t.Context()
	used := base.Add(time.Hour)
	rotated(t, s, used)
	mustCreateToken(t, s, newToken("fresh", "f2", "u1"))
	now := used.Add(10 * time.Second)
	for _, tc := range []struct {
		name      string
		old       string
		usedSince time.Time
		setup     func(t *testing.T)
		want      error
	}{
		{"missing", "nothing", used, func(*testing.T) {}, store.ErrNotFound},
		{"never used", "fresh", base, func(*testing.T) {}, store.ErrTokenUsed},
		{"used before the grace", "t1", used.Add(time.Microsecond), func(*testing.T) {}, store.ErrTokenUsed},
		{"successor used", "t1", used, func(t *testing.T) {
			if err := s.RotateRefreshToken(ctx, "t2", newToken("t3", "f1", "u1"), now); err != nil {
				t.Fatalf("RotateRefreshToken(t2): %v", err)
			}
		}, store.ErrTokenUsed},
		{"family revoked", "t1", used, func(t *testing.T) {
			if err := s.RevokeRefreshFamily(ctx, "f1", now); err != nil {
				t.Fatalf("RevokeRefreshFamily: %v", err)
			}
		}, store.ErrTokenRevoked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup(t)
			next := newToken("n-"+tc.old, "f1", "u1")
			next.ParentID = tc.old
			if err := s.RetryRefreshRotation(ctx, tc.old, next, tc.usedSince, now); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if _, err := s.GetRefreshToken(ctx, next.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("next token: err = %v, want store.ErrNotFound", err)
			}
		})
	}
}

func testRetryRotationConcurrent(t *testing.T, s store.Store) {
	used := base.Add(time.Hour)
	rotated(t, s, used)
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			next := newToken(fmt.Sprintf("next-%d", i), "f1", "u1")
			next.ParentID = "t1"
			errs[i] = s.RetryRefreshRotation(t.Context(), "t1", next, used, used.Add(time.Second))
		})
	}
	wg.Wait()
	// Retries serialise: each one replaces the live successor of the one
	// before it, so whatever their outcome the family has exactly one live token.
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrTokenUsed):
			t.Errorf("retry %d: err = %v, want nil or store.ErrTokenUsed", i, err)
		}
	}
	if ok == 0 {
		t.Fatal("no retry succeeded")
	}
	live := 0
	for i := -1; i < n; i++ {
		id := fmt.Sprintf("next-%d", i)
		if i < 0 {
			id = "t2"
		}
		tok, err := s.GetRefreshToken(t.Context(), id)
		if err == nil && tok.UsedAt.IsZero() && tok.RevokedAt.IsZero() {
			live++
		}
	}
	if live != 1 {
		t.Errorf("%d live tokens in the family after the retries, want 1", live)
	}
}
