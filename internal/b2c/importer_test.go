package b2c_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/b2c"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
)

func runImport(t *testing.T, im *b2c.Importer, dryRun bool) b2c.Report {
	t.Helper()
	f, err := os.Open("testdata/export.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := im.Run(t.Context(), f, dryRun)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

func TestImporter(t *testing.T) {
	st := memstore.New()
	clk := clocktest.New(time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC))
	// Someone who registered here already, with the address of a B2C user
	// that is not in the sample: a second copy of Nia's address.
	if err := st.CreateUser(t.Context(), store.User{ID: "usr_local", Email: "nia@example.org", PasswordHash: "$argon2id$x"}); err != nil {
		t.Fatal(err)
	}
	im := &b2c.Importer{Users: st, Clock: clk, Mapping: mapping, Actor: "admin:cli"}

	// A dry run reports what a run would do and writes nothing.
	dry := runImport(t, im, true)
	if !dry.DryRun || dry.Created != 2 || dry.Unchanged != 0 || len(dry.Refused) != 9 {
		t.Fatalf("dry run = %+v, want 2 created, 9 refused", dry)
	}
	if _, err := st.GetUserByExternalID(t.Context(), "0b1f6c1e-6d2a-4d38-9a51-000000000001"); err == nil {
		t.Fatal("a dry run created a user")
	}

	rep := runImport(t, im, false)
	if rep.Created != 2 || rep.Unchanged != 0 || len(rep.Refused) != 9 {
		t.Fatalf("first run = %+v, want 2 created, 9 refused", rep)
	}
	// Nia's address is the local user's: refused, named by line, in line order.
	if r := rep.Refused[0]; r.Line != 3 || !strings.Contains(r.Reason, "already has a carekey account") {
		t.Errorf("refused[0] = %v, want line 3: email already has an account", r)
	}
	penny, err := st.GetUserByExternalID(t.Context(), "0b1f6c1e-6d2a-4d38-9a51-000000000001")
	if err != nil {
		t.Fatal(err)
	}
	want := store.User{ID: penny.ID, Email: "penny.plumber@example.org", EmailVerified: true, GivenName: "Penny", FamilyName: "Plumber",
		Phone: "+447700900123", PhoneVerified: true,
		Profile:    store.Profile{Role: "Parent", Organisation: "Self", Street: "1 High Street", Town: "Norwich", Postcode: "NR1 2DH"},
		ExternalID: "0b1f6c1e-6d2a-4d38-9a51-000000000001", PasswordPending: true, CreatedAt: clk.Now(), UpdatedAt: clk.Now()}
	if penny != want || !strings.HasPrefix(penny.ID, "usr_") {
		t.Errorf("imported user\n%+v\nwant\n%+v", penny, want)
	}
	sam, err := st.GetUserByEmail(t.Context(), "sam@council.example.gov.uk")
	if err != nil || sam.Phone != "+447700900456" || !sam.PhoneVerified || !sam.Profile.Professional || !sam.PasswordPending {
		t.Errorf("sam = %+v, %v", sam, err)
	}
	evs, err := st.ListAudit(t.Context(), store.AuditFilter{Type: b2c.AuditImported})
	if err != nil || len(evs) != 2 {
		t.Fatalf("audit = %+v, %v; want 2 user.imported", evs, err)
	}
	if e := evs[0]; e.UserID != penny.ID || e.Actor != "admin:cli" || e.Detail["external_id"] != penny.ExternalID ||
		e.Detail["line"] != "1" || strings.Contains(e.Detail["email"], "penny.plumber") || e.Detail["phone"] == "+447700900123" {
		t.Errorf("audit event %+v: want the user, actor, object ID, line, masked email and phone", e)
	}

	// Again: nothing changes.
	clk.Advance(time.Hour)
	again := runImport(t, im, false)
	if again.Created != 0 || again.Unchanged != 2 || len(again.Refused) != 9 {
		t.Fatalf("second run = %+v, want 2 unchanged, 9 refused", again)
	}
	if p, _ := st.GetUser(t.Context(), penny.ID); p != penny {
		t.Errorf("second run changed %+v\nto %+v", penny, p)
	}
	if evs2, _ := st.ListAudit(t.Context(), store.AuditFilter{Type: b2c.AuditImported}); len(evs2) != 2 {
		t.Errorf("second run audited %d imports, want none", len(evs2)-2)
	}
}

func TestImporterEmailOfAnotherImport(t *testing.T) {
	st := memstore.New()
	other := store.User{ID: "usr_other", Email: "penny.plumber@example.org", ExternalID: "some-other-object-id", PasswordPending: true}
	if err := st.CreateUser(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	im := &b2c.Importer{Users: st, Clock: clocktest.New(time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)), Mapping: mapping}
	rep := runImport(t, im, false)
	if rep.Refused[0].Line != 1 || !strings.Contains(rep.Refused[0].Reason, "imported with another id (some-other-object-id)") {
		t.Errorf("refused[0] = %v, want line 1: imported with another id", rep.Refused[0])
	}
}
