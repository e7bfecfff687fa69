package postgres_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/postgres"
	"github.com/carekey/carekey/internal/store/storetest"
	"github.com/carekey/carekey/internal/testenv"
)

// openTest opens a store on url and closes it when the test ends.
func openTest(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), postgres.Config{URL: url, MaxConns: 8})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := openTest(t, testenv.PostgresURL(t))
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		return s
	})
}

func TestMigrateConcurrent(t *testing.T) {
	url := testenv.PostgresURL(t)
	const replicas = 4
	stores := make([]*postgres.Store, replicas)
	for i := range stores {
		stores[i] = openTest(t, url)
	}
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate on replica %d: %v", i, err)
		}
	}
	// Each migration is recorded once, and migrating again changes nothing.
	if err := stores[0].Migrate(t.Context()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	var total, distinct int
	if err := stores[0].Pool().QueryRow(t.Context(),
		`SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&total, &distinct); err != nil {
		t.Fatalf("count migrations: %v", err)
	}
	if total == 0 || total != distinct {
		t.Errorf("schema_migrations has %d rows, %d distinct; want each migration once", total, distinct)
	}
	if err := stores[1].CreateUser(t.Context(), store.User{ID: "u1", Email: "a@example.org"}); err != nil {
		t.Errorf("CreateUser after migrating: %v", err)
	}
}

func TestOpenKeepsPasswordOutOfErrors(t *testing.T) {
	const password = "s3cr3t-pw"
	for _, tc := range []struct {
		name string
		have string
	}{
		{"unreachable", "postgres://carekey:" + password + "@127.0.0.1:1/db?sslmode=disable&connect_timeout=5"},
		{"malformed", "postgres://carekey:" + password + "@127.0.0.1:port/db"},
		{"keyword form", "host=127.0.0.1 port=1 user=carekey password=" + password + " sslmode=disable connect_timeout=5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := postgres.Open(t.Context(), postgres.Config{URL: tc.have})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error reveals the password: %v", err)
			}
		})
	}
}

// Migration 0004 replaces the session cookie values that refresh tokens held
// before it with their public IDs, computed in SQL exactly as
// session.PublicID computes them.
func TestMigrationHashesRefreshTokenSessions(t *testing.T) {
	s := openTest(t, testenv.PostgresURL(t))
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	ctx := t.Context()
	// Back to the state before 0004, with rows as the old code wrote them.
	if _, err := s.Pool().Exec(ctx, `DROP INDEX refresh_tokens_session_id_idx;
		DELETE FROM schema_migrations WHERE version = '0004_refresh_session.sql'`); err != nil {
		t.Fatal(err)
	}
	cookies := map[string]string{"old": "kq3Zb0W2c1jzX_0-Ar8vTj9eYpQf4lH7m1sN2dRtU6E", "none": ""}
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	for id, sid := range cookies {
		err := s.CreateRefreshToken(ctx, store.RefreshToken{ID: id, FamilyID: "f-" + id, ClientID: "c", UserID: "u",
			SessionID: sid, CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	for id, sid := range cookies {
		tok, err := s.GetRefreshToken(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := ""
		if sid != "" {
			want = session.PublicID(sid)
		}
		if tok.SessionID != want {
			t.Errorf("token %s: session_id %q after migrating, want %q", id, tok.SessionID, want)
		}
	}
}

// TestGenericPlansByDefault: the pool's sessions plan each prepared
// statement once (plan_cache_mode force_generic_plan), unless the
// connection string says otherwise. PostgreSQL's default re-plans a
// statement for every execution whose custom plan looks cheaper than the
// generic one, as the audit append's always does (it unnests arrays of
// unknown length): 160 µs of planning for 90 µs of work (docs/performance.md).
func TestGenericPlansByDefault(t *testing.T) {
	url := testenv.PostgresURL(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	for _, c := range []struct{ name, url, want string }{
		{"default", url, "force_generic_plan"},
		{"the URL's choice", url + sep + "plan_cache_mode=auto", "auto"},
		{"the URL's options", url + sep + "options=-c%20plan_cache_mode%3Dforce_custom_plan", "force_custom_plan"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openTest(t, c.url)
			var got string
			if err := s.Pool().QueryRow(t.Context(), "SHOW plan_cache_mode").Scan(&got); err != nil {
				t.Fatalf("SHOW plan_cache_mode: %v", err)
			}
			if got != c.want {
				t.Errorf("plan_cache_mode = %q, want %q", got, c.want)
			}
		})
	}
}
