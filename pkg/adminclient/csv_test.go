package adminclient_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

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
	// Columns in another order, expires_at left out.
	rows, bad, err := adminclient.ParseGrantsCSV(strings.NewReader("relationship,name,birthdate,email,source,external_ref\nchild,A B,,a@b.example,x,R1\n"), now)
	if err != nil || len(bad) != 0 || len(rows) != 1 || rows[0].Name != "A B" {
		t.Errorf("reordered = %+v, %+v, %v", rows, bad, err)
	}
}

// FuzzParseGrantsCSV: never panics; every good row passes the API's rules
// (no control characters in a name, a well-formed email) and every line
// number is at least 2.
func FuzzParseGrantsCSV(f *testing.F) {
	f.Add("email,source,external_ref,name,birthdate,relationship\na@b.example,x,R1,\"A\r\nBcc: x@y.example\",,child\n")
	f.Add("email,source,external_ref,name,birthdate,relationship,expires_at\n\"a\"@b,x,R,N,2013-02-30,child,2099-01-01T00:00:00Z\n")
	f.Fuzz(func(t *testing.T, s string) {
		rows, bad, err := adminclient.ParseGrantsCSV(strings.NewReader(s), now)
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Line < 2 || strings.ContainsAny(r.Name, "\r\n\x00") || strings.ContainsAny(r.Email, " \r\n") {
				t.Errorf("bad row accepted: %+v", r)
			}
		}
		for _, b := range bad {
			if b.Line < 2 {
				t.Errorf("row error at line %d", b.Line)
			}
		}
	})
}
