package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/postgres"
	"github.com/carekey/carekey/internal/store/postgres/roundtrips"
	"github.com/carekey/carekey/internal/testenv"
)

// The statement cache is on: each statement is prepared once per
// connection, then runs in one round trip (issue 13).
func TestStatementCacheIsOn(t *testing.T) {
	s := openTest(t, testenv.PostgresURL(t))
	if m := s.Pool().Config().ConnConfig.DefaultQueryExecMode; m != pgx.QueryExecModeCacheStatement {
		t.Errorf("DefaultQueryExecMode = %v, want QueryExecModeCacheStatement", m)
	}
	if n := s.Pool().Config().ConnConfig.StatementCacheCapacity; n <= 0 {
		t.Errorf("StatementCacheCapacity = %d, want some", n)
	}
}

// Each write of the sign-in and refresh paths costs the round trips its
// comment promises, once its statements are prepared (issue 13): an
// UpdateUser two (BEGIN with the locking read; the changed columns, the
// audit rows and COMMIT), an AppendAudit, a CreateUser, a rotation and the
// refresh grant's read one each.
func TestRoundTripsPerCall(t *testing.T) {
	counter := roundtrips.New()
	s, err := postgres.Open(t.Context(), postgres.Config{URL: testenv.PostgresURL(t), MaxConns: 1, Tracer: counter})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	ev := func(typ string) store.AuditEvent {
		return store.AuditEvent{Time: now, Type: typ, UserID: "u-1", Actor: "user", Detail: map[string]string{"k": "v"}}
	}
	token := func(id string) store.RefreshToken {
		return store.RefreshToken{ID: id, FamilyID: "f1", ClientID: "c", UserID: "u-1",
			Scopes: []string{"openid"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	n := 0 // a fresh ID for each call
	fresh := func(prefix string) string { n++; return fmt.Sprintf("%s%d", prefix, n) }
	last := "" // the newest refresh token
	calls := []struct {
		name string
		want int
		call func() error
	}{
		{"CreateUser", 1, func() error {
			id := fresh("u-")
			return s.CreateUser(ctx, store.User{ID: id, Email: id + "@example.org", PasswordHash: "h", CreatedAt: now}, ev("user.created"))
		}},
		{"UpdateUser", 2, func() error {
			_, err := s.UpdateUser(ctx, "u-1", func(u *store.User) ([]store.AuditEvent, error) {
				u.FailedLogins++
				return []store.AuditEvent{ev("a"), ev("b")}, nil
			})
			return err
		}},
		{"GetUser, UpdateUserFrom", 2, func() error { // the read, then one batch
			u, err := s.GetUser(ctx, "u-1")
			if err != nil {
				return err
			}
			_, err = s.UpdateUserFrom(ctx, u, func(u *store.User) ([]store.AuditEvent, error) {
				u.FailedLogins++
				return []store.AuditEvent{ev("a")}, nil
			})
			return err
		}},
		{"UpdateUser (no change)", 2, func() error {
			_, err := s.UpdateUser(ctx, "u-1", func(*store.User) ([]store.AuditEvent, error) { return nil, nil })
			return err
		}},
		{"AppendAudit", 1, func() error { return s.AppendAudit(ctx, ev("a"), ev("b"), ev("c")) }},
		{"AppendAuditIfClear", 1, func() error { _, _, err := s.AppendAuditIfClear(ctx, "u-1", now, ev("a")); return err }},
		{"CreateRefreshToken", 1, func() error { last = fresh("t-"); return s.CreateRefreshToken(ctx, token(last)) }},
		{"GetRefreshTokenWithUser", 1, func() error { _, _, err := s.GetRefreshTokenWithUser(ctx, last); return err }},
		{"RotateRefreshToken", 1, func() error {
			old := last
			last = fresh("t-")
			return s.RotateRefreshToken(ctx, old, token(last), now)
		}},
	}
	for _, round := range []string{"warm-up", "counted"} {
		for _, c := range calls {
			counter.Step(round + " " + c.name)
			if err := c.call(); err != nil {
				t.Fatalf("%s %s: %v", round, c.name, err)
			}
		}
	}
	counter.Step("")
	for _, c := range calls {
		if got := counter.Count("counted " + c.name); got != c.want {
			t.Errorf("%s: %d round trips, want %d:\n%s", c.name, got, c.want, counter.Report("counted "+c.name))
		}
	}
	if _, err := store.VerifyAudit(ctx, s, 0); err != nil {
		t.Errorf("audit chain: %v", err)
	}
}
