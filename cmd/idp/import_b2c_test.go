package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/testenv"
)

const sampleExport = "../../internal/b2c/testdata/export.jsonl"

const b2cSection = `b2c:
  attributes:
    role: extension_0123456789abcdef0123456789abcdef_Role
    organisation: extension_0123456789abcdef0123456789abcdef_Organisation
    professional: extension_0123456789abcdef0123456789abcdef_Professional
    street: streetAddress
    town: city
    postcode: postalCode
`

// Issue 15, acceptance 1: importing the sample export creates its users
// with their phones and reports the bad records; re-running it changes
// nothing.
func TestImportB2C(t *testing.T) {
	url := testenv.PostgresURL(t)
	cfg := auditConfig(t, url, b2cSection)
	s := migratedStore(t, url, cfg)

	code, out := runIdp(t, time.Now(), "import", "b2c", sampleExport, "--config", cfg, "--dry-run")
	if code != 1 || !strings.Contains(out, "dry run, nothing written: 3 created, 0 unchanged (imported before), 8 refused") {
		t.Fatalf("dry run: %d\n%s", code, out)
	}
	if _, err := s.GetUserByEmail(t.Context(), "penny.plumber@example.org"); err == nil {
		t.Fatal("the dry run created a user")
	}

	code, out = runIdp(t, time.Now(), "import", "b2c", "--config", cfg, sampleExport)
	if code != 1 || !strings.Contains(out, "export.jsonl: 3 created, 0 unchanged (imported before), 8 refused\n") {
		t.Fatalf("import: %d\n%s", code, out)
	}
	for _, want := range []string{
		"refused: line 5 (id 0b1f6c1e-6d2a-4d38-9a51-000000000004): no email identity",
		"refused: line 6 (id 0b1f6c1e-6d2a-4d38-9a51-000000000005): bad email address",
		"refused: line 7 (id 0b1f6c1e-6d2a-4d38-9a51-000000000006): bad phone number",
		"refused: line 8 (id 0b1f6c1e-6d2a-4d38-9a51-000000000001): duplicate: the id of line 1",
		"refused: line 9 (id 0b1f6c1e-6d2a-4d38-9a51-000000000007): duplicate: the email address of line 1",
		"refused: line 10: not a JSON object",
		"refused: line 11 (id 0b1f6c1e-6d2a-4d38-9a51-000000000008): bad postcode",
		"refused: line 12: no id",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	users := map[string]store.User{}
	for _, w := range []struct{ objectID, email, phone string }{
		{"0b1f6c1e-6d2a-4d38-9a51-000000000001", "penny.plumber@example.org", "+447700900123"},
		{"0b1f6c1e-6d2a-4d38-9a51-000000000002", "sam@council.example.gov.uk", "+447700900456"},
		{"0b1f6c1e-6d2a-4d38-9a51-000000000003", "nia@example.org", ""},
	} {
		u, err := s.GetUserByExternalID(t.Context(), w.objectID)
		if err != nil {
			t.Fatalf("user %s: %v", w.objectID, err)
		}
		if u.Email != w.email || u.Phone != w.phone || u.PhoneVerified != (w.phone != "") || !u.EmailVerified ||
			!u.PasswordPending || u.PasswordHash != "" {
			t.Errorf("user %s = %+v; want %s, phone %q confirmed, password pending", w.objectID, u, w.email, w.phone)
		}
		users[u.ID] = u
	}
	if u := users[mustExt(t, s, "0b1f6c1e-6d2a-4d38-9a51-000000000002")]; !u.Profile.Professional || u.Profile.Role != "Social worker" ||
		u.Profile.Organisation != "Example Council" || u.Profile.Postcode != "NR1 2DH" {
		t.Errorf("profile = %+v", u.Profile)
	}
	evs, err := s.ListAudit(t.Context(), store.AuditFilter{Type: "user.imported"})
	if err != nil || len(evs) != 3 || evs[0].Actor != "admin:idp-import-b2c" {
		t.Fatalf("audit: %+v %v; want 3 user.imported by admin:idp-import-b2c", evs, err)
	}

	// Again: nothing changes.
	code, out = runIdp(t, time.Now(), "import", "b2c", sampleExport, "--config", cfg)
	if code != 1 || !strings.Contains(out, "export.jsonl: 0 created, 3 unchanged (imported before), 8 refused\n") {
		t.Fatalf("second import: %d\n%s", code, out)
	}
	for id, before := range users {
		after, err := s.GetUser(t.Context(), id)
		if err != nil || after != before {
			t.Errorf("second import changed %+v\nto %+v (%v)", before, after, err)
		}
	}
	if evs, _ := s.ListAudit(t.Context(), store.AuditFilter{Type: "user.imported"}); len(evs) != 3 {
		t.Errorf("second import audited %d more imports", len(evs)-3)
	}
}

func mustExt(t *testing.T, s store.Store, objectID string) string {
	t.Helper()
	u, err := s.GetUserByExternalID(t.Context(), objectID)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestImportUsage(t *testing.T) {
	for _, args := range [][]string{{"import"}, {"import", "csv", "x"}, {"import", "b2c", "x.jsonl"}, {"import", "b2c", "--config", "c.yaml"}, {"import", "b2c", "a", "b", "--config", "c.yaml"}} {
		if code, out := runIdp(t, time.Now(), args...); code != 2 || !strings.Contains(out, "idp import b2c EXPORT.jsonl") {
			t.Errorf("%q: %d %q, want usage", args, code, out)
		}
	}
}

// Grants for users imported from B2C can name them by object ID
// (user_external_id) instead of email in `idp admin import`.
func TestAdminImportCSVByExternalID(t *testing.T) {
	issuer, a := startDevApp(t)
	now := time.Now().UTC()
	if err := a.Backends().Store.CreateUser(t.Context(), store.User{ID: "usr_b2c", Email: "imported@example.org", GivenName: "Ima", FamilyName: "Ported",
		ExternalID: "0b1f6c1e-6d2a-4d38-9a51-000000000001", PasswordPending: true, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "grants.csv")
	body := "user_external_id,email,source,external_ref,name,birthdate,relationship\n" +
		"0b1f6c1e-6d2a-4d38-9a51-000000000001,,case-system,B2C-1,Bea QQ Bee,2015-05-05,child\n" +
		",sam.single.portal@example.com,case-system,B2C-2,Cal QQ Sea,2014-04-04,child\n"
	if err := os.WriteFile(path, []byte(body+"0b1f6c1e-6d2a-4d38-9a51-00000000dead,,case-system,B2C-3,Dee QQ Dead,2014-04-04,child\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out := idp(t, issuer, "import", path)
	if code != 1 || !strings.Contains(out, "line 4: user_external_id: no user with external ID 0b1f6c1e-6d2a-4d38-9a51-00000000dead") {
		t.Fatalf("import with an unknown object ID: %d\n%s", code, out)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := idp(t, issuer, "import", path); code != 0 || !strings.Contains(out, "2 new account(s), 2 new grant(s)") {
		t.Fatalf("import: %d\n%s", code, out)
	}
	if _, out := idp(t, issuer, "grants", "list", "imported@example.org"); strings.Count(out, "acc_") != 1 || !strings.Contains(out, "live") {
		t.Errorf("the imported user's grants, want Bea's account:\n%s", out)
	}
}
