package postgres

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/testenv"
)

func openInternal(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), Config{URL: testenv.PostgresURL(t), MaxConns: 8})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Rows written before migration 0005 are chained by it, with the same
// canonical content the Go code hashes, so the trail verifies and new rows
// continue the chain.
func TestMigrationChainsExistingAuditRows(t *testing.T) {
	ctx := t.Context()
	s := openInternal(t)
	if _, err := s.pool.Exec(ctx, `CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	for _, name := range names {
		if strings.Compare(name, "migrations/0005") > 0 {
			break
		}
		if err := s.applyMigration(ctx, name); err != nil {
			t.Fatalf("apply %s: %v", name, err)
		}
	}
	at := time.Date(2025, 3, 3, 9, 0, 0, 123456000, time.UTC)
	for _, row := range []struct {
		at     any
		typ    string
		detail any
	}{
		{at, "user.created", `{"b": "2", "B": "x", "a": "ünïcode \"quoted\"", "é": "", "": "empty key"}`},
		{nil, "no time", nil},
		{at.Add(-time.Hour), "before the first", `{}`},
		{time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), "before the epoch", nil},
	} {
		if _, err := s.pool.Exec(ctx, `INSERT INTO audit_events (time, type, user_id, ip, detail) VALUES ($1, $2, 'u1', '192.0.2.1', $3)`,
			row.at, row.typ, row.detail); err != nil {
			t.Fatalf("insert old row: %v", err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if n, err := store.VerifyAudit(ctx, s, 0); err != nil || n != 4 {
		t.Fatalf("VerifyAudit after migration = %d, %v; want 4, nil", n, err)
	}
	if err := s.AppendAudit(ctx, store.AuditEvent{Time: at, Type: "after"}); err != nil {
		t.Fatal(err)
	}
	if n, err := store.VerifyAudit(ctx, s, 0); err != nil || n != 5 {
		t.Fatalf("VerifyAudit after a new row = %d, %v; want 5, nil", n, err)
	}
}

// The application cannot rewrite history: UPDATE, DELETE and TRUNCATE of
// audit rows fail even for the superuser the tests connect as.
func TestAuditRowsAreAppendOnly(t *testing.T) {
	ctx := t.Context()
	s := openInternal(t)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAudit(ctx, store.AuditEvent{Time: time.Now(), Type: "t", IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE audit_events SET ip = '198.51.100.1'`,
		`DELETE FROM audit_events`,
		`TRUNCATE audit_events`,
	} {
		if _, err := s.pool.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only trigger to refuse", q, err)
		}
	}
	if n, err := store.VerifyAudit(ctx, s, 0); err != nil || n != 1 {
		t.Errorf("VerifyAudit = %d, %v", n, err)
	}
}

// holdChainHead returns a migrated store with user u1 and an open
// transaction that has appended one audit row ("held"), so holds the chain
// head until it commits (or the test ends).
func holdChainHead(t *testing.T) (*Store, pgx.Tx) {
	ctx := t.Context()
	s := openInternal(t)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, store.User{ID: "u1", Email: "a@example.org", PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.WithoutCancel(ctx)) })
	if err := appendAudit(ctx, tx, []store.AuditEvent{{Time: time.Now(), Type: "held"}}); err != nil {
		t.Fatal(err)
	}
	return s, tx
}

// While a transaction holds the chain head (it appended audit rows and has
// not committed), other audit appends wait for it, but work that appends no
// audit row does not.
func TestAuditChainSerialisesOnlyAuditAppends(t *testing.T) {
	ctx := t.Context()
	s, tx := holdChainHead(t)
	// Unrelated writes finish while the head is held.
	quick, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := s.UpdateUser(quick, "u1", func(u *store.User) ([]store.AuditEvent, error) { u.GivenName = "Ann"; return nil, nil }); err != nil {
		t.Errorf("UpdateUser without events while the chain head is held: %v", err)
	}
	if err := s.CreateRefreshToken(quick, store.RefreshToken{ID: "rt1", FamilyID: "f1", UserID: "u1", ClientID: "c", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Errorf("CreateRefreshToken while the chain head is held: %v", err)
	}
	// Another audit append waits for the holder...
	blocked, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	if err := s.AppendAudit(blocked, store.AuditEvent{Time: time.Now(), Type: "waits"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AppendAudit while the chain head is held = %v, want it to wait", err)
	}
	// ...and goes through once it commits, continuing the chain.
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAudit(ctx, store.AuditEvent{Time: time.Now(), Type: "after"}); err != nil {
		t.Fatal(err)
	}
	if n, err := store.VerifyAudit(ctx, s, 0); err != nil || n != 2 {
		t.Errorf("VerifyAudit = %d, %v; want 2, nil", n, err)
	}
}

// BenchmarkAuditAppend measures audit appends from parallel goroutines
// (serialised by the chain head) against updates of different users that
// append nothing (not serialised), for docs/performance.md.
func BenchmarkAuditAppend(b *testing.B) {
	ctx := b.Context()
	s, err := Open(ctx, Config{URL: testenv.PostgresURL(b), MaxConns: 8})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	b.Run("append", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.AppendAudit(ctx, store.AuditEvent{Time: time.Now(), Type: "bench", UserID: "u", IP: "192.0.2.1"}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	var next atomic.Int64
	b.Run("update-without-audit", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			id := "u" + strconv.FormatInt(next.Add(1), 10)
			if err := s.CreateUser(ctx, store.User{ID: id, Email: id + "@example.org", PasswordHash: "h"}); err != nil {
				b.Error(err)
				return
			}
			for pb.Next() {
				if _, err := s.UpdateUser(ctx, id, func(u *store.User) ([]store.AuditEvent, error) { u.FailedLogins++; return nil, nil }); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("update-with-audit", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			id := "v" + strconv.FormatInt(next.Add(1), 10)
			if err := s.CreateUser(ctx, store.User{ID: id, Email: id + "@example.org", PasswordHash: "h"}); err != nil {
				b.Error(err)
				return
			}
			for pb.Next() {
				if _, err := s.UpdateUser(ctx, id, func(u *store.User) ([]store.AuditEvent, error) {
					u.FailedLogins++
					return []store.AuditEvent{{Time: time.Now(), Type: "bench", UserID: id}}, nil
				}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// A write whose audit rows find the chain head held goes out again as a
// transaction that waits for it (appendAuditNowaitSQL): it succeeds once the
// holder commits, and a caller that gives up meanwhile leaves nothing
// written (issue 13: the fast path sends COMMIT in the same batch).
func TestBusyHeadWaitsAndGivesUpCleanly(t *testing.T) {
	ctx := t.Context()
	s, tx := holdChainHead(t)
	fail := func(u *store.User) ([]store.AuditEvent, error) {
		u.FailedLogins++
		return []store.AuditEvent{{Time: time.Now(), Type: "counted", UserID: u.ID}}, nil
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := s.UpdateUser(short, "u1", fail); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("UpdateUser while the head is held = %v, want it to wait until its deadline", err)
	}
	if err := s.CreateUser(short, store.User{ID: "u2", Email: "b@example.org"}, store.AuditEvent{Time: time.Now(), Type: "created"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("CreateUser while the head is held = %v, want it to wait until its deadline", err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.UpdateUser(ctx, "u1", fail); done <- err }()
	time.Sleep(100 * time.Millisecond) // let it reach the head; it must still be waiting
	select {
	case err := <-done:
		t.Fatalf("UpdateUser returned %v while the head was held", err)
	default:
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("UpdateUser after the holder committed: %v", err)
	}
	u, err := s.GetUser(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if u.FailedLogins != 1 {
		t.Errorf("FailedLogins = %d, want 1: the update that gave up was written, or the one that waited was not", u.FailedLogins)
	}
	if _, err := s.GetUser(ctx, "u2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetUser(u2) = %v, want store.ErrNotFound: the create that gave up was written", err)
	}
	if n, err := store.VerifyAudit(ctx, s, 0); err != nil || n != 2 {
		t.Errorf("VerifyAudit = %d, %v; want 2 (held, counted), nil", n, err)
	}
}
