package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/postgres"
	"github.com/carekey/carekey/internal/testenv"
)

// auditConfig writes a serve config for the test's own PostgreSQL schema.
func auditConfig(t *testing.T, url, extra string) string {
	t.Helper()
	body := `issuer: https://signin.council.gov.uk
postgres:
  url: "` + url + `"
redis:
  addrs: [redis.internal:6379]
keys:
  encryption_key: 1m79MvEHBTvlEXOkGsZuFeoxqFWBZJHN9h64AmV+idg=
  pepper: 4ICRjR42iMfjuLfbO9yx1rKGHsNvIYFmwNR1JBtFRBeNA3XG89bLCw==
email:
  provider: smtp
  from: "Children's Services Portal <no-reply@council.gov.uk>"
  smtp: {host: smtp.council.gov.uk}
sms:
  provider: govuknotify
  govuknotify:
    api_key: carekey-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0
    sign_in_code_template: f33517ff-2a88-4f6e-b855-c550268ce08a
    phone_changed_template: 0e4a2bd4-8d8a-4c9b-9d54-2fb3b9d1f5a7
` + extra
	path := filepath.Join(t.TempDir(), "carekey.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runIdp runs `idp args…` in-process at now and returns its exit code and output.
func runIdp(t *testing.T, now time.Time, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	var code int
	if args[0] == "audit" {
		code = auditCmd(t.Context(), args[1:], func() time.Time { return now }, &out, &out)
	} else {
		code = run(t.Context(), args, &out, &out)
	}
	return code, out.String()
}

// migratedStore migrates the schema behind cfgPath and returns a store on it.
func migratedStore(t *testing.T, url, cfgPath string) *postgres.Store {
	t.Helper()
	if code, out := runIdp(t, time.Now(), "migrate", "--config", cfgPath); code != 0 {
		t.Fatalf("idp migrate: %d %s", code, out)
	}
	s, err := postgres.Open(t.Context(), postgres.Config{URL: url, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

var auditBase = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

func appendEvents(t *testing.T, s store.Store, n int, from time.Time) {
	t.Helper()
	for i := range n {
		e := store.AuditEvent{Time: from.Add(time.Duration(i) * time.Hour), Type: "signin.password_failed",
			UserID: "usr_" + strconv.Itoa(i), IP: "192.0.2.1", Detail: map[string]string{"client": "portal"}}
		if err := s.AppendAudit(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// Acceptance 2: `idp audit verify` passes on a fresh database and names the
// row after an edited one.
func TestAuditVerify(t *testing.T) {
	url := testenv.PostgresURL(t)
	cfg := auditConfig(t, url, "")
	s := migratedStore(t, url, cfg)
	if code, out := runIdp(t, auditBase, "audit", "verify", "--config", cfg); code != 0 || out != "ok: 0 rows\n" {
		t.Fatalf("verify on a fresh database: %d %q", code, out)
	}
	appendEvents(t, s, 5, auditBase)
	if code, out := runIdp(t, auditBase, "audit", "verify", "--config", cfg); code != 0 || out != "ok: 5 rows\n" {
		t.Fatalf("verify: %d %q", code, out)
	}
	rows, err := s.ListAudit(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// Someone with the owner's rights turns the trigger off and edits row 3.
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	if _, err := conn.Exec(t.Context(), `ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
		UPDATE audit_events SET ip = '198.51.100.66' WHERE id = `+strconv.FormatInt(rows[2].ID, 10)+`;
		ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`); err != nil {
		t.Fatal(err)
	}
	code, out := runIdp(t, auditBase, "audit", "verify", "--config", cfg)
	if want := "row " + strconv.FormatInt(rows[3].ID, 10) + ":"; code != 1 || !strings.Contains(out, want) {
		t.Errorf("verify after editing row %d: %d %q, want exit 1 naming %q", rows[2].ID, code, out, want)
	}
	// Pruning refuses to checkpoint a broken chain.
	cfgRetain := auditConfig(t, url, "audit: {retention: 720h}\n")
	if code, out := runIdp(t, auditBase.Add(365*24*time.Hour), "audit", "prune", "--config", cfgRetain); code != 1 || !strings.Contains(out, "broken") {
		t.Errorf("prune of a broken chain: %d %q, want exit 1", code, out)
	}
}

// Retention deletes old rows only through `idp audit prune`, which keeps
// verify green.
func TestAuditPruneKeepsVerifyGreen(t *testing.T) {
	url := testenv.PostgresURL(t)
	cfg := auditConfig(t, url, "audit: {retention: 720h}\n")
	s := migratedStore(t, url, cfg)
	appendEvents(t, s, 3, auditBase)                      // old
	appendEvents(t, s, 2, auditBase.Add(60*24*time.Hour)) // within 30 days of now
	now := auditBase.Add(80 * 24 * time.Hour)
	if code, out := runIdp(t, now, "audit", "prune", "--config", cfg); code != 0 || out != "pruned 3 rows older than 720h0m0s\n" {
		t.Fatalf("prune: %d %q", code, out)
	}
	if code, out := runIdp(t, now, "audit", "verify", "--config", cfg); code != 0 || out != "ok: 3 rows\n" {
		t.Errorf("verify after pruning: %d %q, want the 2 kept rows and the checkpoint", code, out)
	}
	// Without retention nothing is pruned.
	if code, out := runIdp(t, now, "audit", "prune", "--config", auditConfig(t, url, "")); code != 0 || !strings.Contains(out, "nothing pruned") {
		t.Errorf("prune without retention: %d %q", code, out)
	}
}
