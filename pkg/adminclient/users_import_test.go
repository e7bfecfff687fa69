package adminclient_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/carekey/carekey/pkg/adminclient"
)

func TestParseUsersCSV(t *testing.T) {
	for _, tc := range []struct {
		name      string
		have      string
		wantLines []int
		wantBad   map[int]string // line → a part of its reason
		wantErr   string
	}{
		{
			name: "good rows, columns in any order",
			have: "phone,email,forename,surname,password\n" +
				"07700 900047, Penny@Example.org ,Penny,Plumber,Correct-Horse-42!\n" +
				"+447700900123,sam@example.org,Sam,\"Single, QQ\",\"Pass,word-1234567\"\n",
			wantLines: []int{2, 3},
		},
		{
			name: "every bad row with its line",
			have: "email,forename,surname,phone,password\n" +
				"not-an-email,A,B,07700900047,Correct-Horse-42!\n" + // 2
				"a@example.org,,B,07700900047,Correct-Horse-42!\n" + // 3
				"b@example.org,A,B,,\n" + // 4
				"c@example.org,A\x01,B,07700900047,Correct-Horse-42!\n" + // 5
				"A@example.org,A,B,07700900047,Correct-Horse-42!\n" + // 6: same as 3
				"d@example.org,A,B\n" + // 7
				"e@example.org,A," + strings.Repeat("x", 101) + ",07700900047,Correct-Horse-42!\n", // 8
			wantBad: map[int]string{2: "email: not an email address", 3: "forename: is required", 4: "phone: is required; password: is required",
				5: "forename: must not contain control characters", 6: "email: the same as line 3", 7: "3 fields, want 5", 8: "surname: must be at most 100"},
		},
		{name: "no header", have: "", wantErr: "read header"},
		{name: "missing column", have: "email,forename,surname,phone\n", wantErr: "no password column"},
		{name: "unknown column", have: "email,forename,surname,phone,password,pin\n", wantErr: `unknown column "pin"`},
		{name: "column twice", have: "email,email,forename,surname,phone,password\n", wantErr: `column "email" twice`},
		{name: "broken quotes", have: "email,forename,surname,phone,password\n\"a@example.org,A,B,1,2\n", wantErr: "read CSV"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, bad, err := adminclient.ParseUsersCSV(strings.NewReader(tc.have))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lines []int
			for _, r := range rows {
				lines = append(lines, r.Line)
			}
			if !reflect.DeepEqual(lines, tc.wantLines) {
				t.Errorf("good lines = %v, want %v", lines, tc.wantLines)
			}
			if len(bad) != len(tc.wantBad) {
				t.Errorf("bad = %v, want %d", bad, len(tc.wantBad))
			}
			for _, b := range bad {
				if want, ok := tc.wantBad[b.Line]; !ok || !strings.Contains(b.Reason, want) {
					t.Errorf("line %d: %q, want %q", b.Line, b.Reason, want)
				}
			}
		})
	}
	rows, _, _ := adminclient.ParseUsersCSV(strings.NewReader("phone,email,forename,surname,password\n07700 900047, Penny@Example.org ,Penny,Plumber, pw \n"))
	want := adminclient.UserImport{Email: "penny@example.org", GivenName: "Penny", FamilyName: "Plumber", Phone: "07700 900047", Password: " pw "}
	if len(rows) != 1 || rows[0].UserImport != want {
		t.Errorf("row = %+v, want %+v (email normalised, password as typed)", rows, want)
	}
}

// FuzzImportCSV checks ParseUsersCSV's invariants on any input: it never
// panics; every row comes out at most once, good or bad, with a line after
// the header and in order; a good row has a lower-cased email without space
// or control characters, no email twice, names without control characters,
// and a phone and a password.
func FuzzImportCSV(f *testing.F) {
	for _, s := range []string{
		"email,forename,surname,phone,password\npenny@example.org,Penny,Plumber,07700900047,Correct-Horse-42!\n",
		"\ufeffEMAIL , forename,surname,phone,password\r\na@b.example,A,B,+447700900047,x\r\n",
		"email,forename,surname,phone,password\n\"a@b.example\r\nBcc: x@y.example\",A,B,1,2\n",
		"email,forename,surname,phone,password\na@b.example,A,B,1,2\nA@B.EXAMPLE,A,B,1,2\n",
		"email,forename,surname,phone,password\n\"unterminated\n",
		"email,forename,surname,phone,password\na@b.example,\x1b[2J,B,1,2\n,,,,\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		rows, bad, err := adminclient.ParseUsersCSV(strings.NewReader(in))
		if err != nil {
			if rows != nil || bad != nil {
				t.Fatalf("error %v with rows", err)
			}
			return
		}
		seen := map[string]bool{}
		prev := 1
		for _, r := range rows {
			if r.Line <= prev {
				t.Fatalf("line %d after %d", r.Line, prev)
			}
			prev = r.Line
			if r.Email != strings.ToLower(r.Email) || strings.IndexFunc(r.Email, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) >= 0 ||
				!utf8.ValidString(r.Email) || !strings.Contains(r.Email, "@") {
				t.Fatalf("email %q", r.Email)
			}
			if seen[r.Email] {
				t.Fatalf("email %q twice", r.Email)
			}
			seen[r.Email] = true
			for _, s := range []string{r.GivenName, r.FamilyName, r.Phone} {
				if strings.TrimSpace(s) == "" || strings.IndexFunc(s, unicode.IsControl) >= 0 {
					t.Fatalf("field %q of %+v", s, r)
				}
			}
			if r.Password == "" {
				t.Fatalf("no password: %+v", r)
			}
		}
		for _, b := range bad {
			if b.Line < 2 || b.Reason == "" {
				t.Fatalf("bad row %+v", b)
			}
		}
	})
}
