package phone

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks Parse's invariants on any input:
//   - it never panics, and refuses with an *Error matching ErrInvalid;
//   - on success, E164 is "+" followed by 7 to 15 digits, Kind is one of
//     Mobile, Landline, Other, and Mask keeps its shape;
//   - Parse is idempotent: parsing E164 again, with any listed country
//     selected, gives the same Number.
func FuzzParse(f *testing.F) {
	for _, seed := range []struct{ input, country string }{
		{"07700 900047", "44"},
		{"+44 7700 900123", ""},
		{"(01603) 222222", "44"},
		{"0044 7700 900047", "44"},
		{"+44 (0)7700 900047", "44"},
		{"0909 879 0000", "44"},
		{"0800 FLOWERS", "44"},
		{"07700 900047\r\nBcc: x@y.example", "44"},
		{"+353 85 123 4567", "353"},
		{"085 123 4567", "353"},
		{"+1 202 555 0123", "1"},
		{"++44", "44"},
		{"00", "44"},
		{"+", "+"},
		{"0", ""},
		{"\u00a007700\u2003900047", "44"},
		{strings.Repeat("9", 32), "49"},
	} {
		f.Add(seed.input, seed.country)
	}
	f.Fuzz(func(t *testing.T, input, country string) {
		n, err := Parse(input, country)
		if err != nil {
			var perr *Error
			if !errors.Is(err, ErrInvalid) || !errors.As(err, &perr) {
				t.Fatalf("Parse(%q, %q) error %v: want an *Error matching ErrInvalid", input, country, err)
			}
			return
		}
		if len(n.E164) < 8 || len(n.E164) > 16 || n.E164[0] != '+' || strings.Trim(n.E164[1:], "0123456789") != "" {
			t.Fatalf("Parse(%q, %q).E164 = %q: want + and 7 to 15 digits", input, country, n.E164)
		}
		switch n.Kind {
		case Mobile, Landline, Other:
		default:
			t.Fatalf("Parse(%q, %q).Kind = %q", input, country, n.Kind)
		}
		if m := Mask(n.E164); len(m) != 13 || !strings.HasPrefix(m, "XXX-XXX-XXX") || m[11:] != n.E164[len(n.E164)-2:] {
			t.Fatalf("Mask(%q) = %q", n.E164, m)
		}
		for _, c := range append(Countries(), Country{Code: ""}) {
			again, err := Parse(n.E164, c.Code)
			if err != nil || again != n {
				t.Fatalf("Parse(%q, %q) = %+v; Parse(%q, %q) = %+v, %v: want the same",
					input, country, n, n.E164, c.Code, again, err)
			}
		}
	})
}
