package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/store"
)

func testNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := base
	for _, tc := range []struct {
		name string
		have func() error
	}{
		{"GetUser", func() error { _, err := s.GetUser(ctx, "nobody"); return err }},
		{"GetUserByEmail", func() error { _, err := s.GetUserByEmail(ctx, "nobody@example.org"); return err }},
		{"GetUserByExternalID", func() error { _, err := s.GetUserByExternalID(ctx, "nobody"); return err }},
		{"UpdateUser", func() error {
			_, err := s.UpdateUser(ctx, "nobody", func(*store.User) ([]store.AuditEvent, error) {
				return nil, errors.New("fn called for a missing user")
			})
			return err
		}},
		{"GetRefreshToken", func() error { _, err := s.GetRefreshToken(ctx, "nothing"); return err }},
		{"GetRefreshTokenWithUser", func() error { _, _, err := s.GetRefreshTokenWithUser(ctx, "nothing"); return err }},
		{"RotateRefreshToken", func() error {
			return s.RotateRefreshToken(ctx, "nothing", store.RefreshToken{ID: "next", FamilyID: "f", ExpiresAt: now.Add(time.Hour)}, now)
		}},
		{"RevokeRefreshToken", func() error { return s.RevokeRefreshToken(ctx, "nothing", now) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.have(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("err = %v, want store.ErrNotFound", err)
			}
		})
	}
	// A failed rotation of a missing token stores nothing.
	if _, err := s.GetRefreshToken(ctx, "next"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("next token after failed rotation: err = %v, want store.ErrNotFound", err)
	}
}

func testCreateUserConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	first := newUser("u1", "ann@example.org")
	mustCreateUser(t, s, first, store.AuditEvent{Type: "user.created", UserID: "u1", Time: base})
	for _, tc := range []struct {
		name string
		have store.User
	}{
		{"same ID", newUser("u1", "other@example.org")},
		{"same email", newUser("u2", "ann@example.org")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.CreateUser(ctx, tc.have, store.AuditEvent{Type: "user.created", UserID: tc.have.ID, Time: base})
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("CreateUser: err = %v, want store.ErrConflict", err)
			}
		})
	}
	// Nothing of the refused creations was stored: not the user, not its
	// password history, not its audit event.
	got, err := s.GetUser(ctx, "u1")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	checkUser(t, got, first)
	if _, err := s.GetUser(ctx, "u2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser(u2) err = %v, want store.ErrNotFound", err)
	}
	if _, err := s.GetUserByEmail(ctx, "other@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUserByEmail(other) err = %v, want store.ErrNotFound", err)
	}
	if h, err := s.PasswordHistory(ctx, "u2", 10); err != nil || len(h) != 0 {
		t.Errorf("PasswordHistory(u2) = %v, %v; want empty", h, err)
	}
	if h, err := s.PasswordHistory(ctx, "u1", 10); err != nil || !reflect.DeepEqual(h, []string{first.PasswordHash}) {
		t.Errorf("PasswordHistory(u1) = %v, %v; want [%s]", h, err, first.PasswordHash)
	}
	if evs := auditEvents(t, s, store.AuditFilter{}); len(evs) != 1 || evs[0].UserID != "u1" {
		t.Errorf("audit = %+v, want only u1's creation", evs)
	}
}

func testGetUserByEmail(t *testing.T, s store.Store) {
	ctx := t.Context()
	// Emails are stored as given: callers normalise.
	ann, bob := newUser("u1", "Ann@Example.org"), newUser("u2", "bob@example.org")
	mustCreateUser(t, s, ann)
	mustCreateUser(t, s, bob)
	for _, tc := range []struct {
		have string
		want store.User
	}{{"Ann@Example.org", ann}, {"bob@example.org", bob}} {
		got, err := s.GetUserByEmail(ctx, tc.have)
		if err != nil {
			t.Fatalf("GetUserByEmail(%q): %v", tc.have, err)
		}
		checkUser(t, got, tc.want)
	}
}

func testGetUserByExternalID(t *testing.T, s store.Store) {
	ctx := t.Context()
	ann := newUser("u1", "ann@example.org")
	ann.ExternalID, ann.PasswordPending, ann.PasswordHash = "ext-1", true, ""
	// Users without an external ID do not collide with each other.
	bob, cat := newUser("u2", "bob@example.org"), newUser("u3", "cat@example.org")
	mustCreateUser(t, s, ann)
	mustCreateUser(t, s, bob)
	mustCreateUser(t, s, cat)
	got, err := s.GetUserByExternalID(ctx, "ext-1")
	if err != nil {
		t.Fatalf("GetUserByExternalID: %v", err)
	}
	checkUser(t, got, ann)
	for _, id := range []string{"", "ext-2", "EXT-1"} {
		if _, err := s.GetUserByExternalID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUserByExternalID(%q) err = %v, want store.ErrNotFound", id, err)
		}
	}
	// The external ID is unique, on create and on update.
	dup := newUser("u4", "dup@example.org")
	dup.ExternalID = "ext-1"
	if err := s.CreateUser(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateUser with a taken external ID: err = %v, want store.ErrConflict", err)
	}
	_, err = s.UpdateUser(ctx, "u2", func(u *store.User) ([]store.AuditEvent, error) {
		u.ExternalID = "ext-1"
		return nil, nil
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateUser to a taken external ID: err = %v, want store.ErrConflict", err)
	}
	// Migrating the password: the hash is stored (and enters the history),
	// the flag cleared, the external ID kept.
	updated, err := s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) {
		u.PasswordHash, u.PasswordPending = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$bWlncmF0ZWQ", false
		return nil, nil
	})
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if updated.PasswordPending || updated.ExternalID != "ext-1" {
		t.Errorf("UpdateUser returned %+v; want not pending, external ID kept", updated)
	}
	if got, err = s.GetUserByExternalID(ctx, "ext-1"); err != nil || got.PasswordPending || got.ID != "u1" {
		t.Errorf("after migration GetUserByExternalID = %+v, %v; want u1, not pending", got, err)
	}
	if h, err := s.PasswordHistory(ctx, "u1", 5); err != nil || len(h) != 1 {
		t.Errorf("PasswordHistory after migration = %v, %v; want the migrated hash", h, err)
	}
	// Moving the external ID to another user frees the old one.
	if _, err := s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) {
		u.ExternalID = "ext-9"
		return nil, nil
	}); err != nil {
		t.Fatalf("UpdateUser(external ID): %v", err)
	}
	if _, err := s.GetUserByExternalID(ctx, "ext-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old external ID still found: err = %v", err)
	}
	if got, err := s.GetUserByExternalID(ctx, "ext-9"); err != nil || got.ID != "u1" {
		t.Errorf("GetUserByExternalID(ext-9) = %+v, %v; want u1", got, err)
	}
}

func testUserRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	full := store.User{
		ID:            "u-full",
		Email:         "full@example.org",
		EmailVerified: true,
		GivenName:     "Siân",
		FamilyName:    "O'Brien-Jones",
		PasswordHash:  "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		Phone:         "+447700900123",
		PhoneVerified: true,
		Profile: store.Profile{
			Professional: true,
			Role:         "Social worker",
			Organisation: "Example Council",
			Street:       "1 High Street",
			Town:         "Exampleton",
			Postcode:     "EX1 2MP",
		},
		FailedLogins:     7,
		LockedUntil:      base.Add(15*time.Minute + 987),
		LockCount:        3,
		FailedCodes:      4,
		TokensValidAfter: base.Add(-time.Minute + 5),
		TOTPSecret:       "c2VhbGVkIHNlY3JldA==",
		TOTPLastStep:     59_000_000_123,
		TOTPAddedAt:      base.Add(-30*time.Minute + 1),
		ExternalID:       "b2c-6f1e0c2a-0000-4000-8000-000000000001",
		PasswordPending:  true,
		Language:         "cy",
		CreatedAt:        base.Add(-time.Hour),
		UpdatedAt:        base.Add(999), // below a microsecond: truncated away
	}
	bare := store.User{ID: "u-bare", Email: "bare@example.org"} // every time zero, no password
	for _, u := range []store.User{full, bare} {
		t.Run(u.ID, func(t *testing.T) {
			mustCreateUser(t, s, u)
			got, err := s.GetUser(ctx, u.ID)
			if err != nil {
				t.Fatalf("GetUser: %v", err)
			}
			checkUser(t, got, u)
			got, err = s.GetUserByEmail(ctx, u.Email)
			if err != nil {
				t.Fatalf("GetUserByEmail: %v", err)
			}
			checkUser(t, got, u)
			// An update that changes nothing keeps everything.
			got, err = s.UpdateUser(ctx, u.ID, func(have *store.User) ([]store.AuditEvent, error) {
				checkUser(t, *have, u)
				return nil, nil
			})
			if err != nil {
				t.Fatalf("UpdateUser: %v", err)
			}
			checkUser(t, got, u)
		})
	}
	if h, err := s.PasswordHistory(ctx, "u-bare", 5); err != nil || len(h) != 0 {
		t.Errorf("PasswordHistory of a user without password = %v, %v; want empty", h, err)
	}
}

// testUserLanguage: the user's saved language (issue 14) reads back as
// stored, and updates change it, both ways of updating.
func testUserLanguage(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("u1", "ann@example.org")
	u.Language = "cy"
	mustCreateUser(t, s, u)
	for _, get := range []func() (store.User, error){
		func() (store.User, error) { return s.GetUser(ctx, "u1") },
		func() (store.User, error) { return s.GetUserByEmail(ctx, "ann@example.org") },
	} {
		if got, err := get(); err != nil || got.Language != "cy" {
			t.Fatalf("read back Language %q, %v; want cy", got.Language, err)
		}
	}
	got, err := s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) {
		u.Language = "en"
		return nil, nil
	})
	if err != nil || got.Language != "en" {
		t.Fatalf("UpdateUser: Language %q, %v; want en", got.Language, err)
	}
	if got, err := s.GetUser(ctx, "u1"); err != nil || got.Language != "en" {
		t.Fatalf("after UpdateUser: Language %q, %v; want en", got.Language, err)
	}
	// Back to Welsh, with UpdateUserFrom where the store has it.
	change := func(u *store.User) ([]store.AuditEvent, error) {
		u.Language = "cy"
		return nil, nil
	}
	if up, ok := s.(store.UpdaterFrom); ok {
		read, rerr := s.GetUser(ctx, "u1")
		if rerr != nil {
			t.Fatal(rerr)
		}
		got, err = up.UpdateUserFrom(ctx, read, change)
	} else {
		got, err = s.UpdateUser(ctx, "u1", change)
	}
	if err != nil || got.Language != "cy" {
		t.Fatalf("update: Language %q, %v; want cy", got.Language, err)
	}
	stored, err := s.GetUser(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	checkUser(t, stored, u) // as created: nothing else changed
	// Back to not chosen.
	if _, err := s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) {
		u.Language = ""
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetUser(ctx, "u1"); err != nil || got.Language != "" {
		t.Errorf("Language %q, %v; want empty", got.Language, err)
	}
}

func testUpdateUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("u1", "ann@example.org")
	mustCreateUser(t, s, u)
	later := base.Add(time.Minute)
	ev := store.AuditEvent{
		Time: later, Type: "signin.password_failed", UserID: "u1", ClientID: "portal",
		Actor: "user", IP: "192.0.2.1", Detail: map[string]string{"count": "1"},
	}
	got, err := s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) {
		u.FailedLogins++
		u.Phone = "+447700900123"
		u.UpdatedAt = later
		return []store.AuditEvent{ev}, nil
	})
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	want := u
	want.FailedLogins, want.Phone, want.UpdatedAt = 1, "+447700900123", later
	checkUser(t, got, want)
	stored, err := s.GetUser(ctx, "u1")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	checkUser(t, stored, want)
	checkEvents(t, auditEvents(t, s, store.AuditFilter{}), []store.AuditEvent{ev})
	// The hash did not change: no new history entry.
	if h, err := s.PasswordHistory(ctx, "u1", 10); err != nil || !reflect.DeepEqual(h, []string{u.PasswordHash}) {
		t.Errorf("PasswordHistory = %v, %v; want [%s]", h, err, u.PasswordHash)
	}
	// The caller's event map is not aliased by the store.
	ev.Detail["count"] = "changed"
	if evs := auditEvents(t, s, store.AuditFilter{}); evs[0].Detail["count"] != "1" {
		t.Errorf("stored detail changed with the caller's map: %v", evs[0].Detail)
	}
}

func testUpdateUserFnError(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("u1", "ann@example.org")
	mustCreateUser(t, s, u)
	errStop := errors.New("stop")
	_, err := s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) {
		u.FailedLogins = 99
		u.PasswordHash = "new-hash"
		return []store.AuditEvent{{Type: "should.not.appear", UserID: "u1", Time: base}}, errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("UpdateUser err = %v, want fn's error", err)
	}
	got, err := s.GetUser(ctx, "u1")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	checkUser(t, got, u)
	if evs := auditEvents(t, s, store.AuditFilter{}); len(evs) != 0 {
		t.Errorf("audit = %+v, want none", evs)
	}
	if h, err := s.PasswordHistory(ctx, "u1", 10); err != nil || !reflect.DeepEqual(h, []string{u.PasswordHash}) {
		t.Errorf("PasswordHistory = %v, %v; want [%s]", h, err, u.PasswordHash)
	}
}

func testUpdateUserEmailConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	ann, bob := newUser("u1", "ann@example.org"), newUser("u2", "bob@example.org")
	mustCreateUser(t, s, ann)
	mustCreateUser(t, s, bob)
	_, err := s.UpdateUser(ctx, "u2", func(u *store.User) ([]store.AuditEvent, error) {
		u.Email = "ann@example.org"
		return []store.AuditEvent{{Type: "user.email_changed", UserID: "u2", Time: base}}, nil
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("UpdateUser err = %v, want store.ErrConflict", err)
	}
	got, err := s.GetUser(ctx, "u2")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	checkUser(t, got, bob)
	if evs := auditEvents(t, s, store.AuditFilter{}); len(evs) != 0 {
		t.Errorf("audit = %+v, want none", evs)
	}
	// Bob may take a free address, and his old one is then free for others.
	if _, err := s.UpdateUser(ctx, "u2", func(u *store.User) ([]store.AuditEvent, error) {
		u.Email = "robert@example.org"
		return nil, nil
	}); err != nil {
		t.Fatalf("UpdateUser to a free email: %v", err)
	}
	if got, err := s.GetUserByEmail(ctx, "robert@example.org"); err != nil || got.ID != "u2" {
		t.Errorf("GetUserByEmail(new) = %v, %v; want u2", got.ID, err)
	}
	if _, err := s.GetUserByEmail(ctx, "bob@example.org"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUserByEmail(old) err = %v, want store.ErrNotFound", err)
	}
	mustCreateUser(t, s, newUser("u3", "bob@example.org"))
}

func testUpdateUserConcurrent(t *testing.T, s store.Store) {
	ctx := t.Context()
	mustCreateUser(t, s, newUser("u1", "ann@example.org"))
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) {
				have := u.FailedLogins
				runtime.Gosched() // widen the read-modify-write window
				u.FailedLogins = have + 1
				return []store.AuditEvent{{Type: "signin.password_failed", UserID: "u1", Time: base,
					Detail: map[string]string{"n": fmt.Sprint(i)}}}, nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("UpdateUser: %v", err)
		}
	}
	got, err := s.GetUser(ctx, "u1")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if got.FailedLogins != n {
		t.Errorf("FailedLogins = %d, want %d: an update was lost", got.FailedLogins, n)
	}
	// One event per successful update, even if fn ran more than once.
	if evs := auditEvents(t, s, store.AuditFilter{UserID: "u1"}); len(evs) != n {
		t.Errorf("got %d audit events, want %d", len(evs), n)
	}
}

func testPasswordHistory(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser("u1", "ann@example.org")
	u.PasswordHash = "h0"
	mustCreateUser(t, s, u)
	mustCreateUser(t, s, newUser("u2", "bob@example.org")) // another user's history stays apart
	for _, h := range []string{"h1", "h2", "h3"} {
		if _, err := s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) {
			u.PasswordHash = h
			return nil, nil
		}); err != nil {
			t.Fatalf("UpdateUser(%s): %v", h, err)
		}
	}
	for _, tc := range []struct {
		have int
		want []string
	}{
		{1, []string{"h3"}},
		{3, []string{"h3", "h2", "h1"}},
		{4, []string{"h3", "h2", "h1", "h0"}},
		{10, []string{"h3", "h2", "h1", "h0"}},
		{0, nil},
	} {
		t.Run(fmt.Sprint(tc.have), func(t *testing.T) {
			got, err := s.PasswordHistory(ctx, "u1", tc.have)
			if err != nil {
				t.Fatalf("PasswordHistory: %v", err)
			}
			if len(got) != len(tc.want) || (len(got) > 0 && !reflect.DeepEqual(got, tc.want)) {
				t.Errorf("PasswordHistory(%d) = %q, want %q", tc.have, got, tc.want)
			}
		})
	}
	// The returned slice is the caller's own.
	got, _ := s.PasswordHistory(ctx, "u1", 4)
	got[0] = "changed"
	if again, _ := s.PasswordHistory(ctx, "u1", 1); !reflect.DeepEqual(again, []string{"h3"}) {
		t.Errorf("history changed through a returned slice: %q", again)
	}
	if got, err := s.PasswordHistory(ctx, "nobody", 5); err != nil || len(got) != 0 {
		t.Errorf("PasswordHistory(nobody) = %q, %v; want empty, nil", got, err)
	}
}

func testCancelledContext(t *testing.T, s store.Store) {
	mustCreateUser(t, s, newUser("u1", "ann@example.org"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	now := base
	for _, tc := range []struct {
		name string
		have func() error
	}{
		{"CreateUser", func() error { return s.CreateUser(ctx, newUser("u2", "bob@example.org")) }},
		{"GetUser", func() error { _, err := s.GetUser(ctx, "u1"); return err }},
		{"GetUserByExternalID", func() error { _, err := s.GetUserByExternalID(ctx, "ext"); return err }},
		{"UpdateUser", func() error {
			_, err := s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) {
				have := u.FailedLogins
				runtime.Gosched() // widen the read-modify-write window
				u.FailedLogins = have + 1
				return nil, nil
			})
			return err
		}},
		{"ListSigningKeys", func() error { _, err := s.ListSigningKeys(ctx); return err }},
		{"ListAppUsers", func() error { _, err := s.ListAppUsers(ctx); return err }},
		{"GetRefreshTokenWithUser", func() error { _, _, err := s.GetRefreshTokenWithUser(ctx, "t1"); return err }},
		{"RotateRefreshToken", func() error {
			return s.RotateRefreshToken(ctx, "t1", store.RefreshToken{ID: "t2"}, now)
		}},
		{"AppendAudit", func() error { return s.AppendAudit(ctx, store.AuditEvent{Type: "x", Time: now}) }},
		{"ListAudit", func() error { _, err := s.ListAudit(ctx, store.AuditFilter{}); return err }},
		{"DeleteExpired", func() error { _, err := s.DeleteExpired(ctx, now); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.have(); !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
		})
	}
	got, err := s.GetUser(t.Context(), "u1")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if got.FailedLogins != 0 {
		t.Errorf("FailedLogins = %d after a cancelled update, want 0", got.FailedLogins)
	}
	if _, err := s.GetUser(t.Context(), "u2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser(u2) err = %v after a cancelled create, want store.ErrNotFound", err)
	}
}

func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// testUpdateUserFrom: from a fresh read, fn's change and events are saved;
// from a stale read, fn runs again on the row as it is and nothing it
// computed from the stale read is saved.
func testUpdateUserFrom(t *testing.T, s store.Store) {
	up, ok := s.(store.UpdaterFrom)
	if !ok {
		t.Skip("not a store.UpdaterFrom")
	}
	ctx := t.Context()
	mustCreateUser(t, s, newUser("u1", "ann@example.org"))
	read, err := s.GetUserByEmail(ctx, "ann@example.org")
	if err != nil {
		t.Fatal(err)
	}
	later := base.Add(time.Minute)
	ev := func(typ string) store.AuditEvent {
		return store.AuditEvent{Time: later, Type: typ, UserID: "u1", Actor: "user", IP: "192.0.2.1"}
	}
	// Fresh: saved, with its event; an fn that changes nothing saves only the event.
	got, err := up.UpdateUserFrom(ctx, read, func(u *store.User) ([]store.AuditEvent, error) {
		u.FailedLogins++
		u.UpdatedAt = later
		return []store.AuditEvent{ev("signin.password_failed")}, nil
	})
	if err != nil {
		t.Fatalf("UpdateUserFrom: %v", err)
	}
	want := read
	want.FailedLogins, want.UpdatedAt = 1, later
	checkUser(t, got, want)
	stored, err := s.GetUser(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	checkUser(t, stored, want)
	if _, err := up.UpdateUserFrom(ctx, stored, func(*store.User) ([]store.AuditEvent, error) {
		return []store.AuditEvent{ev("signin.password_ok")}, nil
	}); err != nil {
		t.Fatalf("UpdateUserFrom changing nothing: %v", err)
	}
	// Stale: read is from before the first update. fn must see the row
	// as it is (FailedLogins 1) before anything is saved.
	calls := 0
	got, err = up.UpdateUserFrom(ctx, read, func(u *store.User) ([]store.AuditEvent, error) {
		calls++
		u.FailedLogins++
		return []store.AuditEvent{ev("signin.password_failed")}, nil
	})
	if err != nil {
		t.Fatalf("UpdateUserFrom a stale read: %v", err)
	}
	if got.FailedLogins != 2 || calls < 1 {
		t.Errorf("from a stale read: FailedLogins %d after %d calls, want 2 (fn run again on the row as it is)", got.FailedLogins, calls)
	}
	if stored, err = s.GetUser(ctx, "u1"); err != nil || stored.FailedLogins != 2 {
		t.Errorf("stored FailedLogins = %d, %v; want 2", stored.FailedLogins, err)
	}
	checkEvents(t, auditEvents(t, s, store.AuditFilter{}), []store.AuditEvent{
		ev("signin.password_failed"), ev("signin.password_ok"), ev("signin.password_failed")})
	// Missing user: ErrNotFound.
	gone := read
	gone.ID = "nobody"
	if _, err := up.UpdateUserFrom(ctx, gone, func(*store.User) ([]store.AuditEvent, error) { return nil, nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateUserFrom of a missing user: %v, want ErrNotFound", err)
	}
}

// testAppendAuditIfClear: the events are appended only for a user who is
// not locked and has no wrong codes or lock doubling outstanding; the user
// is returned either way.
func testAppendAuditIfClear(t *testing.T, s store.Store) {
	ca, ok := s.(store.ClearAuditor)
	if !ok {
		t.Skip("not a store.ClearAuditor")
	}
	ctx := t.Context()
	at := base.Add(time.Hour)
	mustCreateUser(t, s, newUser("u1", "ann@example.org"))
	ev := func(typ string) store.AuditEvent {
		return store.AuditEvent{Time: at, Type: typ, UserID: "u1", Actor: "user", IP: "192.0.2.1", Detail: map[string]string{"method": "sms"}}
	}
	var want []store.AuditEvent
	for _, tc := range []struct {
		name   string
		change func(u *store.User)
		clear  bool
	}{
		{"clear", func(*store.User) {}, true},
		{"locked", func(u *store.User) { u.LockedUntil = at.Add(time.Minute) }, false},
		{"lock ended", func(u *store.User) { u.LockedUntil = at }, true},
		{"wrong codes", func(u *store.User) { u.LockedUntil, u.FailedCodes = time.Time{}, 1 }, false},
		{"lock doubling", func(u *store.User) { u.FailedCodes, u.LockCount = 0, 1 }, false},
	} {
		stored, err := s.UpdateUser(ctx, "u1", func(u *store.User) ([]store.AuditEvent, error) { tc.change(u); return nil, nil })
		if err != nil {
			t.Fatal(err)
		}
		u, appended, err := ca.AppendAuditIfClear(ctx, "u1", at, ev("signin."+tc.name))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if appended != tc.clear {
			t.Errorf("%s: appended %v, want %v", tc.name, appended, tc.clear)
		}
		checkUser(t, u, stored)
		if tc.clear {
			want = append(want, ev("signin."+tc.name))
		}
	}
	checkEvents(t, auditEvents(t, s, store.AuditFilter{}), want)
	if _, err := store.VerifyAudit(ctx, s, 0); err != nil {
		t.Errorf("audit chain: %v", err)
	}
	if _, appended, err := ca.AppendAuditIfClear(ctx, "nobody", at, ev("signin.nobody")); !errors.Is(err, store.ErrNotFound) || appended {
		t.Errorf("missing user: appended %v, %v; want ErrNotFound", appended, err)
	}
}
