package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/config"
)

// startDev runs carekey in dev mode (memory backends, seeded users and
// accounts) behind an httptest server and returns its issuer URL.
func startDev(t *testing.T) string {
	t.Helper()
	issuer, _ := startDevApp(t)
	return issuer
}

// startDevApp is startDev that also returns the app, to reach its store.
func startDevApp(t *testing.T) (string, *app.App) {
	t.Helper()
	cfg, err := config.Load("../../configs/dev.yaml", config.Options{Env: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	cfg.Issuer = srv.URL
	cfg.Dev.DashboardURL = ""
	cfg.Dev.SeedPassword = "Correct-Horse-42!"
	a, err := app.New(t.Context(), app.Options{Config: cfg, Mode: config.ModeDev})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv.Config.Handler = a.Handler()
	return srv.URL, a
}

// idp runs `idp admin args…` in-process against issuer and returns its exit
// code and output.
func idp(t *testing.T, issuer string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := func(k string) string {
		if k == "IDP_ADMIN_ISSUER" {
			return issuer
		}
		return ""
	}
	code := admin(context.WithoutCancel(t.Context()), args, env, &out, &errOut)
	return code, out.String() + errOut.String()
}

func TestAdminGrantAndRevoke(t *testing.T) {
	issuer := startDev(t)
	code, out := idp(t, issuer, "accounts", "put", "--source", "case-system", "--ref", "T-1",
		"--name", "Tess QQ Test", "--birthdate", "2015-01-02", "--output", "json")
	if code != 0 {
		t.Fatalf("accounts put: exit %d: %s", code, out)
	}
	var acc struct{ ID string }
	if err := json.Unmarshal([]byte(out), &acc); err != nil || !strings.HasPrefix(acc.ID, "acc_") {
		t.Fatalf("accounts put printed %q", out)
	}

	// A user by email; flags after the arguments.
	if code, out := idp(t, issuer, "grants", "add", "penny.plumber.portal@example.com", acc.ID, "--relationship", "child"); code != 0 || !strings.Contains(out, "granted") {
		t.Fatalf("grants add: exit %d: %s", code, out)
	}
	if code, out := idp(t, issuer, "grants", "add", "usr_penny", acc.ID, "--relationship", "child"); code != 0 || !strings.Contains(out, "nothing changed") {
		t.Errorf("grants add again: exit %d: %s", code, out)
	}
	live := func() map[string]bool {
		code, out := idp(t, issuer, "grants", "list", "usr_penny", "--output", "json")
		if code != 0 {
			t.Fatalf("grants list: exit %d: %s", code, out)
		}
		var gs []struct {
			AccountID string `json:"account_id"`
			Live      bool
		}
		if err := json.Unmarshal([]byte(out), &gs); err != nil {
			t.Fatalf("grants list printed %q", out)
		}
		m := map[string]bool{}
		for _, g := range gs {
			m[g.AccountID] = g.Live
		}
		return m
	}
	if g := live(); len(g) != 4 || !g[acc.ID] { // the three seeded accounts and Tess
		t.Errorf("grants after add = %v, want 4 with %s live", g, acc.ID)
	}
	if code, out := idp(t, issuer, "grants", "revoke", "usr_penny", acc.ID); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("grants revoke: exit %d: %s", code, out)
	}
	if g := live(); g[acc.ID] {
		t.Errorf("grant of %s still live after revoke", acc.ID)
	}
	if code, out := idp(t, issuer, "grants", "revoke", "usr_penny", "acc_none"); code != 1 || !strings.Contains(out, "404") {
		t.Errorf("revoke of an unknown account: exit %d: %s", code, out)
	}
	if code, out := idp(t, issuer, "users", "find", "sam.single.portal@example.com"); code != 0 || !strings.Contains(out, "usr_sam") {
		t.Errorf("users find: exit %d: %s", code, out)
	}
	if code, out := idp(t, issuer, "users", "unlock", "usr_sam", "--output", "json"); code != 0 || !strings.Contains(out, `"failed_logins": 0`) {
		t.Errorf("users unlock: exit %d: %s", code, out)
	}
	if code, out := idp(t, issuer, "users", "remove-app", "usr_sam"); code != 1 || !strings.Contains(out, "404") {
		t.Errorf("users remove-app of a user without an app: exit %d: %s", code, out) // the route is wired: 404, not 405
	}
	if code, out := idp(t, issuer, "accounts", "list"); code != 0 || !strings.Contains(out, "Tess QQ Test") || !strings.Contains(out, "Charlie QQ Cherry") {
		t.Errorf("accounts list: exit %d: %s", code, out)
	}
	// A wrong secret is refused by the token endpoint.
	dir := t.TempDir()
	bad := filepath.Join(dir, "secret")
	if err := os.WriteFile(bad, []byte("wrong\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _ := idp(t, issuer, "accounts", "list", "--client-secret-file", bad); code != 1 {
		t.Errorf("wrong secret: exit %d, want 1", code)
	}
	if code, _ := idp(t, issuer, "grants", "add", "usr_penny"); code != 2 {
		t.Errorf("missing argument: exit %d, want 2", code)
	}
}

func TestAdminImportCSV(t *testing.T) {
	issuer := startDev(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const header = "email,source,external_ref,name,birthdate,relationship,expires_at\n"
	badFile := write("bad.csv", header+
		"penny.plumber.portal@example.com,case-system,IMP-1,Ivy QQ Import,2016-04-05,child,\n"+ // 2: good
		"nobody@example.com,case-system,IMP-2,Nia QQ Nobody,2012-01-01,child,\n"+ // 3: unknown user
		"sam.single.portal@example.com,case-system,IMP-3,Finn QQ Future,2999-01-01,child,\n"+ // 4: future birthdate
		"sam.single.portal@example.com,case-system,IMP-4,Olly QQ Old,2001-01-01,child,2001-01-01T00:00:00Z\n") // 5: past expiry
	code, out := idp(t, issuer, "import", badFile)
	if code != 1 {
		t.Fatalf("import of a bad file: exit %d, want 1: %s", code, out)
	}
	for _, want := range []string{"line 3: email: no user with email nobody@example.com", "line 4: birthdate: must not be in the future",
		"line 5: expires_at: must be in the future", "nothing imported"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "line 2") {
		t.Errorf("the good line 2 is reported:\n%s", out)
	}
	// Nothing was imported, not even the good row.
	if _, out := idp(t, issuer, "accounts", "list", "--source", "case-system"); strings.Contains(out, "Ivy") {
		t.Errorf("a bad file imported its good row:\n%s", out)
	}

	goodFile := write("good.csv", header+
		"penny.plumber.portal@example.com,case-system,IMP-1,Ivy QQ Import,2016-04-05,child,\n"+
		"sam.single.portal@example.com,case-system,IMP-5,Gus QQ Good,2010-10-10,child,2099-01-01T00:00:00Z\n")
	if code, out := idp(t, issuer, "import", goodFile, "--dry-run"); code != 0 || !strings.Contains(out, "2 row(s) OK; nothing changed") {
		t.Fatalf("dry run: exit %d: %s", code, out)
	}
	if _, out := idp(t, issuer, "accounts", "list", "--source", "case-system"); strings.Contains(out, "Ivy") {
		t.Errorf("a dry run imported:\n%s", out)
	}
	if code, out := idp(t, issuer, "import", goodFile); code != 0 || !strings.Contains(out, "2 new account(s), 2 new grant(s)") {
		t.Fatalf("import: exit %d: %s", code, out)
	}
	if code, out := idp(t, issuer, "import", goodFile); code != 0 || !strings.Contains(out, "0 new account(s), 0 new grant(s)") {
		t.Errorf("import again: exit %d: %s", code, out)
	}
	if _, out := idp(t, issuer, "grants", "list", "sam.single.portal@example.com"); !strings.Contains(out, "2099-01-01T00:00:00Z") {
		t.Errorf("Sam's grants lack the imported one:\n%s", out)
	}
}
