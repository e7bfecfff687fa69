package registration

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/carekey/carekey/pkg/text"
)

// FuzzProfileValidate decodes the registration profile form (step 1) as the
// service does, from eight fuzzed answers.
//
// Invariants:
//   - it never panics;
//   - a refusal is a *text.Invalid naming only profile fields, each at most
//     once, in the order of the form;
//   - an accepted profile has every field trimmed, valid UTF-8 without
//     control characters (no CR, LF or NUL to reach an email or a log),
//     at most MaxFieldRunes long and present, professional "", "yes" or
//     "no", and the post code in its normal form;
//   - validating an accepted profile again changes nothing (idempotent).
func FuzzProfileValidate(f *testing.F) {
	good := []string{"Penny", "Plumber", "yes", "Foster carer", "Norfolk County Council", "1 Market Street", "Norwich", "nr12dh"}
	f.Add(good[0], good[1], good[2], good[3], good[4], good[5], good[6], good[7])
	for _, seed := range [][8]string{
		{" Penny ", "Plumber", "", "Carer", "Council", "1 Street", "Town", "NR1 2DH"},
		{"Penny\r\nBcc: x@y.example", "Plumber", "no", "Carer", "Council", "1 Street", "Town", "NR1 2DH"},
		{"Penny\x00", "\u0085", "maybe", "\u2028", "Council", "\xff", "Town", "ß1 1AA"},
		{strings.Repeat("é", MaxFieldRunes), strings.Repeat("é", MaxFieldRunes+1), " yes ", "r", "o", "s", "t", "GIR0AA"},
		{"\u200b", "\ufeffPlumber", "YES", "\t", "<script>", "1 Street", "Town", "\u0131r1 2dh"},
		{"", "", "", "", "", "", "", ""},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6], seed[7])
	}
	fields := []string{FieldForename, FieldSurname, FieldProfessional, FieldRole, FieldOrganisation, FieldStreet, FieldTown, FieldPostcode}
	f.Fuzz(func(t *testing.T, forename, surname, professional, role, organisation, street, town, postcode string) {
		in := Profile{forename, surname, professional, role, organisation, street, town, postcode}
		out, err := in.Validate()
		if err != nil {
			var inv *text.Invalid
			if !errors.As(err, &inv) || len(inv.Fields) == 0 {
				t.Fatalf("Validate(%q) = %v, want a *text.Invalid", in, err)
			}
			last := -1
			for _, m := range inv.Fields {
				i := slices.Index(fields, m.Field)
				if i <= last || m.Message.ID == "" {
					t.Fatalf("Validate(%q): problems %+v not one per profile field in form order", in, inv.Fields)
				}
				last = i
			}
			return
		}
		answers := []string{out.Forename, out.Surname, out.Role, out.Organisation, out.Street, out.Town, out.Postcode}
		for _, v := range answers {
			if v == "" || v != strings.TrimSpace(v) || !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxFieldRunes ||
				strings.IndexFunc(v, unicode.IsControl) >= 0 {
				t.Fatalf("Validate(%q) accepted %q", in, out)
			}
		}
		if !slices.Contains([]string{"", "yes", "no"}, out.Professional) {
			t.Fatalf("Validate(%q) accepted professional %q", in, out.Professional)
		}
		if pc, ok := NormalizePostcode(out.Postcode); !ok || pc != out.Postcode {
			t.Fatalf("Validate(%q) accepted post code %q (normal form %q, %v)", in, out.Postcode, pc, ok)
		}
		again, err := out.Validate()
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, out, again, err)
		}
	})
}
