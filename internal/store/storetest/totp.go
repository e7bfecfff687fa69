package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/store"
)

// The authenticator app's fields on the user (issue 16): the sealed secret,
// the last time step used and when the app was added.

// testTOTP adds an app, records a used step and removes the app, each
// change audited in its write.
func testTOTP(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreateUser(t, s, newUser("u1", "ann@example.org"))
	added := base.Add(time.Minute)
	got, err := s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) {
		u.TOTPSecret, u.TOTPAddedAt, u.TOTPLastStep = "sealed-1", added, 55_000_001
		return []store.AuditEvent{{Time: added, Type: "user.app_added", UserID: "u1", Actor: "user"}}, nil
	})
	if err != nil {
		t.Fatalf("add app: %v", err)
	}
	if got.TOTPSecret != "sealed-1" || got.TOTPLastStep != 55_000_001 {
		t.Errorf("after adding: secret %q, step %d", got.TOTPSecret, got.TOTPLastStep)
	}
	stored, err := s.GetUser(ctx, "u1")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	checkUser(t, stored, got)
	checkTime(t, "TOTPAddedAt", stored.TOTPAddedAt, added)
	// A refused step (fn's error) saves nothing.
	errReplay := errors.New("replay")
	if _, err := s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) {
		u.TOTPLastStep = 1
		return nil, errReplay
	}); !errors.Is(err, errReplay) {
		t.Fatalf("UpdateUser err = %v, want fn's error", err)
	}
	if u, _ := s.GetUser(ctx, "u1"); u.TOTPLastStep != 55_000_001 {
		t.Errorf("TOTPLastStep after a refused update = %d, want 55000001", u.TOTPLastStep)
	}
	// Removing the app clears every field.
	got, err = s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) {
		u.TOTPSecret, u.TOTPAddedAt, u.TOTPLastStep = "", time.Time{}, 0
		return []store.AuditEvent{{Time: added, Type: "user.app_removed", UserID: "u1", Actor: "user"}}, nil
	})
	if err != nil {
		t.Fatalf("remove app: %v", err)
	}
	stored, err = s.GetUser(ctx, "u1")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if stored.TOTPSecret != "" || stored.TOTPLastStep != 0 || !stored.TOTPAddedAt.IsZero() {
		t.Errorf("after removing: %q, %d, %v; want all zero", stored.TOTPSecret, stored.TOTPLastStep, stored.TOTPAddedAt)
	}
	checkUser(t, stored, got)
	if evs := auditEvents(t, s, store.AuditFilter{UserID: "u1"}); len(evs) != 2 {
		t.Errorf("audit events = %d, want 2 (added, removed)", len(evs))
	}
}

// testListAppUsers lists exactly the users with an app, in ID order.
func testListAppUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	if ids, err := s.ListAppUsers(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("ListAppUsers of an empty store = %v, %v", ids, err)
	}
	for _, u := range []store.User{newUser("u3", "c@example.org"), newUser("u1", "a@example.org"), newUser("u2", "b@example.org")} {
		if u.ID != "u2" {
			u.TOTPSecret = "sealed-" + u.ID
		}
		mustCreateUser(t, s, u)
	}
	ids, err := s.ListAppUsers(ctx)
	if err != nil || !slices.Equal(ids, []string{"u1", "u3"}) {
		t.Errorf("ListAppUsers = %v, %v; want [u1 u3]", ids, err)
	}
}

// testTOTPStepConcurrent: N requests present a code of the same step at
// once; each accepts it only if the stored last step is earlier. Exactly one
// wins: a code cannot be replayed by racing it.
func testTOTPStepConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("u1", "ann@example.org")
	u.TOTPSecret, u.TOTPLastStep = "sealed", 100
	mustCreateUser(t, s, u)
	const n, step = 10, 101
	errReplay := errors.New("replay")
	var wg sync.WaitGroup
	wins := make(chan struct{}, n)
	for range n {
		wg.Go(func() {
			_, err := s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) {
				if step <= u.TOTPLastStep {
					return nil, errReplay
				}
				u.TOTPLastStep = step
				return nil, nil
			})
			switch {
			case err == nil:
				wins <- struct{}{}
			case !errors.Is(err, errReplay):
				t.Errorf("UpdateUser: %v", err)
			}
		})
	}
	wg.Wait()
	close(wins)
	if got := len(wins); got != 1 {
		t.Errorf("%d requests accepted step %d, want exactly 1", got, step)
	}
}
