package registration

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/carekey/carekey/pkg/text"
)

func TestNormalizePostcode(t *testing.T) {
	for _, tc := range []struct {
		have, want string
		ok         bool
	}{
		{"nr12dh", "NR1 2DH", true},
		{"NR1 2DH", "NR1 2DH", true},
		{" nr1  2dh ", "NR1 2DH", true},
		{"sw1a1aa", "SW1A 1AA", true},
		{"m11ae", "M1 1AE", true},
		{"ec1a 1bb", "EC1A 1BB", true},
		{"W1A 0AX", "W1A 0AX", true},
		{"gir 0aa", "GIR 0AA", true},
		{"", "", false},
		{"NR1", "", false},
		{"12345", "", false},
		{"NR1 2DHX", "", false},
		{"ＮＲ１ ２ＤＨ", "", false}, // full-width
		{"NR1\n2DH", "", false},
	} {
		got, ok := NormalizePostcode(tc.have)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizePostcode(%q) = %q, %v; want %q, %v", tc.have, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzNormalizePostcode: what is accepted is upper-case ASCII, has exactly one
// space, matches the UK shape, and normalises to itself.
func FuzzNormalizePostcode(f *testing.F) {
	for _, s := range []string{"nr12dh", "NR1 2DH", "gir0aa", "SW1A 1AA", "ß1 1AA", "\u0131r1 2dh", "NR1\r\n2DH"} {
		f.Add(s)
	}
	shape := regexp.MustCompile(`^([A-Z]{1,2}[0-9][A-Z0-9]?|GIR) [0-9][A-Z]{2}$`)
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := NormalizePostcode(s)
		if !ok {
			return
		}
		if !shape.MatchString(got) || strings.Count(got, " ") != 1 {
			t.Fatalf("NormalizePostcode(%q) = %q", s, got)
		}
		again, ok := NormalizePostcode(got)
		if !ok || again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
	})
}

func validProfile() Profile {
	return Profile{Forename: " Penny ", Surname: "Plumber", Professional: "yes", Role: "Social worker",
		Organisation: "Norfolk County Council", Street: "County Hall, Martineau Lane", Town: "Norwich", Postcode: "nr12dh"}
}

func TestProfileValidate(t *testing.T) {
	got, err := validProfile().Validate()
	if err != nil {
		t.Fatal(err)
	}
	if got.Forename != "Penny" || got.Postcode != "NR1 2DH" {
		t.Fatalf("not cleaned: %+v", got)
	}
	for _, tc := range []struct {
		name   string
		change func(p *Profile)
		want   []text.FieldMessage
	}{
		{"all missing", func(p *Profile) { *p = Profile{} }, []text.FieldMessage{
			fm(FieldForename, text.ForenameRequired), fm(FieldSurname, text.SurnameRequired),
			fm(FieldRole, text.RoleRequired), fm(FieldOrganisation, text.OrganisationRequired),
			fm(FieldStreet, text.StreetRequired), fm(FieldTown, text.TownRequired),
			fm(FieldPostcode, text.PostcodeRequired),
		}},
		{"spaces only", func(p *Profile) { p.Town = "   " }, []text.FieldMessage{fm(FieldTown, text.TownRequired)}},
		{"bad postcode", func(p *Profile) { p.Postcode = "NR1" }, []text.FieldMessage{fm(FieldPostcode, text.PostcodeInvalid)}},
		{"too long refused, not truncated", func(p *Profile) { p.Organisation = strings.Repeat("é", MaxFieldRunes+1) },
			[]text.FieldMessage{fm(FieldOrganisation, text.FieldTooLong)}},
		{"longest accepted", func(p *Profile) { p.Organisation = strings.Repeat("é", MaxFieldRunes) }, nil},
		{"professional not yes or no", func(p *Profile) { p.Professional = "maybe" },
			[]text.FieldMessage{fm(FieldProfessional, text.ProfessionalInvalid)}},
		{"professional unanswered", func(p *Profile) { p.Professional = "" }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := validProfile()
			tc.change(&p)
			_, err := p.Validate()
			var inv *text.Invalid
			if tc.want == nil {
				if err != nil {
					t.Fatalf("want no error, got %v", err)
				}
				return
			}
			if !errors.As(err, &inv) || len(inv.Fields) != len(tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			for i := range tc.want {
				if !reflect.DeepEqual(inv.Fields[i], tc.want[i]) {
					t.Errorf("error %d = %+v, want %+v", i, inv.Fields[i], tc.want[i])
				}
			}
		})
	}
}

func fm(field string, id text.ID) text.FieldMessage {
	return text.FieldMessage{Field: field, Message: text.M(id)}
}
