package adminclient_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/carekey/carekey/pkg/adminclient"
)

var now = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

func TestParseGrantsCSV(t *testing.T) {
	const file = "email,source,external_ref,name,birthdate,relationship,expires_at\n" +
		"Penny.Plumber.Portal@example.com ,case-system,C-1,Charlie QQ Cherry,2013-11-07,child,\n" + // line 2: good
		"sam@example.com,case-system,C-2,\"Pedro, QQ\",2099-01-01,child,\n" + // 3: future birthdate
		"not-an-email,case-system,C-3,X,2001-02-03,child,2020-01-01T00:00:00Z\n" + // 4: email, past expiry
		"sam@example.com,case-system,C-4,Y,,self,2026-01-01T00:00:00Z\n" + // 5: good, expiry
		"penny.plumber.portal@example.com,case-system,C-1,Charlie QQ Cherry,2013-11-07,child,\n" + // 6: duplicate of 2
		"a@b.example,case-system,C-5\n" // 7: too few fields
	rows, bad, err := adminclient.ParseGrantsCSV(strings.NewReader(file), now)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, r := range rows {
		lines = append(lines, r.Line)
	}
	if !reflect.DeepEqual(lines, []int{2, 5}) {
		t.Errorf("good lines = %v, want [2 5]", lines)
	}
	if rows[0].Email != "penny.plumber.portal@example.com" || rows[1].ExpiresAt == nil {
		t.Errorf("rows = %+v", rows)
	}
	want := []struct {
		line int
		has  []string
	}{
		{3, []string{"birthdate: must not be in the future"}},
		{4, []string{"email:", "expires_at: must be in the future"}},
		{6, []string{"same user and account as line 2"}},
		{7, []string{"3 fields, want 7"}},
	}
	if len(bad) != len(want) {
		t.Fatalf("bad rows = %+v, want %d", bad, len(want))
	}
	for i, w := range want {
		if bad[i].Line != w.line {
			t.Errorf("bad[%d] at line %d, want %d", i, bad[i].Line, w.line)
		}
		for _, s := range w.has {
			if !strings.Contains(bad[i].Reason, s) {
				t.Errorf("line %d: reason %q lacks %q", w.line, bad[i].Reason, s)
			}
		}
	}
}

func TestParseGrantsCSVHeader(t *testing.T) {
	for _, tc := range []struct {
		name, have, want string
	}{
		{"missing column", "email,source,external_ref,name,relationship\n", "no birthdate column"},
		{"no user column", "source,external_ref,name,birthdate,relationship\n", "no email column (or user_external_id)"},
		{"unknown column", "email,source,external_ref,name,birthdate,relationship,dob\n", `unknown column "dob"`},
		{"empty file", "", "read header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := adminclient.ParseGrantsCSV(strings.NewReader(tc.have), now)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// The user by the B2C object ID instead of the email.
	rows, bad, err := adminclient.ParseGrantsCSV(strings.NewReader("user_external_id,source,external_ref,name,birthdate,relationship\n"+
		"0b1f6c1e-6d2a-4d38-9a51-000000000001,x,R1,A B,,child\n"+ // 2: good
		",x,R2,A B,,child\n"+ // 3: no user
		"0b1f 6c1e,x,R3,A B,,child\n"+ // 4: bad ID
		"0b1f6c1e-6d2a-4d38-9a51-000000000001,x,R1,A B,,child\n"), now) // 5: duplicate
	if err != nil || len(rows) != 1 || rows[0].UserExternalID != "0b1f6c1e-6d2a-4d38-9a51-000000000001" || rows[0].Email != "" ||
		rows[0].UserRef() != "external ID 0b1f6c1e-6d2a-4d38-9a51-000000000001" {
		t.Fatalf("by external ID = %+v, %v", rows, err)
	}
	if len(bad) != 3 || !strings.Contains(bad[0].Reason, "email: not an email address") ||
		!strings.Contains(bad[1].Reason, "user_external_id: must be") || !strings.Contains(bad[2].Reason, "same user and account as line 2") {
		t.Errorf("bad rows by external ID = %+v", bad)
	}
	// Both columns: each row names its user by one of them.
	_, bad, err = adminclient.ParseGrantsCSV(strings.NewReader("email,user_external_id,source,external_ref,name,birthdate,relationship\n"+
		"a@b.example,0b1f,x,R1,A B,,child\nc@d.example,,x,R1,A B,,child\n,0b1f,x,R2,A B,,child\n"), now)
	if err != nil || len(bad) != 1 || bad[0].Line != 2 || !strings.Contains(bad[0].Reason, "not both") {
		t.Errorf("both columns: %+v, %v", bad, err)
	}
	// Columns in another order, expires_at left out.
	rows, bad, err = adminclient.ParseGrantsCSV(strings.NewReader("relationship,name,birthdate,email,source,external_ref\nchild,A B,,a@b.example,x,R1\n"), now)
	if err != nil || len(bad) != 0 || len(rows) != 1 || rows[0].Name != "A B" {
		t.Errorf("reordered = %+v, %+v, %v", rows, bad, err)
	}
}

// FuzzParseGrantsCSV: never panics; every good row passes the API's rules
// (no control characters in a name, a well-formed email) and every line
// number is at least 2.
// FuzzParseGrantsCSV reads bulk-grant CSV files (idp admin import).
//
// Invariants:
//   - it never panics; a file it cannot read returns an error and no rows;
//   - good rows and bad rows are each in line order, past the header, and
//     no line is both;
//   - a good row holds what the admin API will accept: a lower-case email
//     of one @ with no white space, control character or invalid UTF-8 (it
//     is printed back to the operator's terminal), source, external_ref and
//     relationship of their patterns, a name of 1 to 200 characters without
//     control characters, a real birthdate from 1900 to today or none, an
//     expiry in the future or none, every field trimmed;
//     (or, instead of the email, a user_external_id of its pattern);
//   - no two good rows grant the same user the same account.
func FuzzParseGrantsCSV(f *testing.F) {
	f.Add("email,source,external_ref,name,birthdate,relationship\na@b.example,x,R1,\"A\r\nBcc: x@y.example\",,child\n")
	f.Add("email,source,external_ref,name,birthdate,relationship,expires_at\n\"a\"@b,x,R,N,2013-02-30,child,2099-01-01T00:00:00Z\n")
	f.Add("\ufeffEMAIL , Source,external_ref,name,birthdate,relationship\r\nA@B.example,x,R1,N,,child\r\na@b.example,x,R1,N,,child\r\n")
	f.Add("email,source,external_ref,name,birthdate,relationship\na\x00@b.example,x,R1,N,,child\na\x1b[31m@b.example,x,R2,N,,child\n")
	f.Add("email,source,external_ref,name,birthdate,relationship\na\u00a0b@c.example,x,R1,N,,child\n\xff@b.example,x,R2,N,,child\n")
	f.Add("email,source,external_ref,name,birthdate,relationship,expires_at\na@b.example,x,R1,N,1899-12-31,child,2025-03-03T09:00:00Z\n")
	f.Add("email,email\n")
	f.Add("email,source,external_ref,name,birthdate,relationship\n\"unterminated\n")
	sourceRE := regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,39}$`)
	refRE := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$`)
	relationshipRE := regexp.MustCompile(`^[a-z][a-z_-]{0,31}$`)
	userIDRE := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)
	f.Add("user_external_id,email,source,external_ref,name,birthdate,relationship\n0b1f6c1e-6d2a-4d38-9a51-000000000001,,x,R1,N,,child\n0b1f,a@b.example,x,R1,N,,child\n,,x,R1,N,,child\n")
	f.Fuzz(func(t *testing.T, s string) {
		rows, bad, err := adminclient.ParseGrantsCSV(strings.NewReader(s), now)
		if err != nil {
			if rows != nil || bad != nil {
				t.Fatalf("error %v with %d rows and %d bad rows", err, len(rows), len(bad))
			}
			return
		}
		lines := map[int]bool{}
		last := 1
		for _, b := range bad {
			if b.Line <= last || b.Reason == "" {
				t.Fatalf("row errors out of order: %+v", bad)
			}
			last = b.Line
			lines[b.Line] = true
		}
		last = 1
		seen := map[[3]string]bool{}
		for _, r := range rows {
			if r.Line <= last || lines[r.Line] {
				t.Fatalf("good row at line %d after %d, or also bad: %+v", r.Line, last, rows)
			}
			last = r.Line
			local, domain, ok := strings.Cut(r.Email, "@")
			if r.UserExternalID != "" { // the user named by the B2C object ID instead
				ok, local, domain = r.Email == "" && userIDRE.MatchString(r.UserExternalID), "x", "y"
			}
			switch {
			case !ok || local == "" || domain == "" || strings.Contains(domain, "@") || strings.ToLower(r.Email) != r.Email ||
				!utf8.ValidString(r.Email) || strings.IndexFunc(r.Email, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) >= 0:
				t.Fatalf("line %d: email %q accepted", r.Line, r.Email)
			case !sourceRE.MatchString(r.Source) || !refRE.MatchString(r.ExternalRef) || !relationshipRE.MatchString(r.Relationship):
				t.Fatalf("line %d: accepted %+v", r.Line, r)
			case r.Name == "" || r.Name != strings.TrimSpace(r.Name) || !utf8.ValidString(r.Name) ||
				utf8.RuneCountInString(r.Name) > 200 || strings.IndexFunc(r.Name, unicode.IsControl) >= 0:
				t.Fatalf("line %d: name %q accepted", r.Line, r.Name)
			case r.ExpiresAt != nil && !r.ExpiresAt.After(now):
				t.Fatalf("line %d: expiry %v accepted at %v", r.Line, r.ExpiresAt, now)
			}
			if r.Birthdate != "" {
				d, err := time.Parse(time.DateOnly, r.Birthdate)
				if err != nil || d.Year() < 1900 || d.After(now) {
					t.Fatalf("line %d: birthdate %q accepted", r.Line, r.Birthdate)
				}
			}
			key := [3]string{r.Email + "\x00" + r.UserExternalID, r.Source, r.ExternalRef}
			if seen[key] {
				t.Fatalf("line %d: the same grant twice: %v", r.Line, key)
			}
			seen[key] = true
		}
	})
}
