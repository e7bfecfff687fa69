package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAdminUsersImport(t *testing.T) {
	issuer := startDev(t)
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A row the file itself shows is bad stops everything.
	bad := write("bad.csv", "email,forename,surname,phone,password\nbench-1@example.org,Bench,One,+447700900001,Correct-Horse-42!\nnot-an-email,A,B,07700900002,Correct-Horse-42!\n")
	if code, out := idp(t, issuer, "users", "import", bad); code != 1 || !strings.Contains(out, "bad.csv: line 3: email: not an email address") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if code, out := idp(t, issuer, "users", "find", "bench-1@example.org"); code != 1 || !strings.Contains(out, "no user with email") {
		t.Fatalf("a bad file imported someone: exit %d: %s", code, out)
	}

	good := write("users.csv", "email,forename,surname,phone,password\n"+
		"bench-1@example.org,Bench,One,+447700900001,Correct-Horse-42!\n"+
		"bench-2@example.org,Bench,Two,07700 900002,Correct-Horse-42!\n"+
		"penny.plumber.portal@example.com,Penny,Plumber,+447700900047,Correct-Horse-42!\n"+ // seeded: left as it is
		"bench-3@example.org,Bench,Three,07700900003,too-weak\n") // refused by the policy
	if code, out := idp(t, issuer, "users", "import", good, "--dry-run"); code != 0 || !strings.Contains(out, "4 row(s) OK; nothing changed") {
		t.Fatalf("dry run: exit %d: %s", code, out)
	}
	code, out := idp(t, issuer, "users", "import", good)
	if code != 1 || !strings.Contains(out, "users.csv: line 5: password: ") || !strings.Contains(out, "2 user(s) created, 1 already there (unchanged), 1 refused") {
		t.Fatalf("import: exit %d: %s", code, out)
	}
	if code, out := idp(t, issuer, "users", "find", "bench-2@example.org"); code != 0 || !strings.Contains(out, "bench-2@example.org") {
		t.Fatalf("find imported user: exit %d: %s", code, out)
	}
	// Again: nothing new.
	if _, out := idp(t, issuer, "users", "import", good); !strings.Contains(out, "0 user(s) created, 3 already there") {
		t.Fatalf("repeat: %s", out)
	}
}
