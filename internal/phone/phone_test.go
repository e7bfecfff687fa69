package phone

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		input   string
		country string
		want    Number
	}{
		{"mobile, national", "07700 900047", "44", Number{"+447700900047", Mobile, "GB"}},
		{"mobile, +44", "+44 7700 900123", "44", Number{"+447700900123", Mobile, "GB"}},
		{"mobile, 0044", "0044 7700 900047", "44", Number{"+447700900047", Mobile, "GB"}},
		{"mobile, +44 (0)", "+44 (0)7700 900047", "44", Number{"+447700900047", Mobile, "GB"}},
		{"mobile, hyphens", "07700-900-047", "44", Number{"+447700900047", Mobile, "GB"}},
		{"mobile, no spaces", "07700900047", "44", Number{"+447700900047", Mobile, "GB"}},
		{"mobile, outer spaces and tab", " \t07700 900047 ", "44", Number{"+447700900047", Mobile, "GB"}},
		{"mobile, real range", "07400 123456", "44", Number{"+447400123456", Mobile, "GB"}},
		{"landline, brackets", "(01603) 222222", "44", Number{"+441603222222", Landline, "GB"}},
		{"landline, London", "020 7946 0123", "44", Number{"+442079460123", Landline, "GB"}},
		{"landline, drama range", "01632 960123", "44", Number{"+441632960123", Landline, "GB"}},
		{"landline, dots", "01603.222.222", "44", Number{"+441603222222", Landline, "GB"}},
		{"country code defaults to 44", "07700 900047", "", Number{"+447700900047", Mobile, "GB"}},
		{"country code with +", "07700 900047", "+44", Number{"+447700900047", Mobile, "GB"}},
		{"Isle of Man shares +44", "07624 123456", "44", Number{"+447624123456", Mobile, "IM"}},
		{"Ireland, national", "085 123 4567", "353", Number{"+353851234567", Mobile, "IE"}},
		{"Ireland, international with UK selected", "+353 85 123 4567", "44", Number{"+353851234567", Mobile, "IE"}},
		{"France", "06 12 34 56 78", "33", Number{"+33612345678", Mobile, "FR"}},
		{"E.164 in", "+447700900047", "", Number{"+447700900047", Mobile, "GB"}},
		{"32 characters", "07700 900047" + strings.Repeat(" ", 20), "44", Number{"+447700900047", Mobile, "GB"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			have, err := Parse(tc.input, tc.country)
			if err != nil {
				t.Fatalf("Parse(%q, %q): %v", tc.input, tc.country, err)
			}
			if have != tc.want {
				t.Errorf("Parse(%q, %q) = %+v, want %+v", tc.input, tc.country, have, tc.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		input   string
		country string
		want    Reason
	}{
		{"empty", "", "44", ReasonEmpty},
		{"only spaces", "   ", "44", ReasonEmpty},
		{"letters", "07700 9000AB", "44", ReasonCharacters},
		{"vanity letters", "0800 FLOWERS", "44", ReasonCharacters},
		{"extension", "07700 900047 ext 3", "44", ReasonCharacters},
		{"hash", "07700 900047#", "44", ReasonCharacters},
		{"plus inside", "07700+900047", "44", ReasonCharacters},
		{"CRLF", "07700900047\r\nX", "44", ReasonCharacters},
		{"full-width digits", "０７７００９００", "44", ReasonCharacters},
		{"premium rate 09", "0909 879 0000", "44", ReasonNotCallable},
		{"shared cost 0845", "0845 123 4567", "44", ReasonNotCallable},
		{"shared cost 0871", "0871 222 3333", "44", ReasonNotCallable},
		{"personal number 070", "070 1234 5678", "44", ReasonNotCallable},
		{"freephone 0800", "0800 123 4567", "44", ReasonNotCallable},
		{"UAN 03", "0300 123 4567", "44", ReasonNotCallable},
		{"VoIP 056", "056 1234 5678", "44", ReasonNotCallable},
		{"too short", "07700 900", "44", ReasonTooShort},
		{"far too short", "+44 1", "44", ReasonTooShort},
		{"0044 and nothing", "0044", "44", ReasonTooShort},
		{"too long", "07700 900047 123", "44", ReasonTooLong},
		{"33 characters", strings.Repeat("0", 33), "44", ReasonTooLong},
		{"33 characters of spaces and digits", "07700 900047" + strings.Repeat(" ", 21), "44", ReasonTooLong},
		{"invalid UK range", "04000 123456", "44", ReasonInvalid},
		{"more than E.164's 15 digits", "+49 40000000000000", "49", ReasonTooLong},
		{"drama range, wrong length", "07700 9000471", "44", ReasonTooLong},
		{"unlisted country in input", "+1 202 555 0123", "44", ReasonCountry},
		{"unlisted country selected", "202 555 0123", "1", ReasonCountry},
		{"nonsense country selected", "07700 900047", "x", ReasonCountry},
		{"UK number with Ireland selected", "07700 900047", "353", ReasonTooLong},
		{"just a plus", "+", "44", ReasonInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse(tc.input, tc.country)
			if err == nil {
				t.Fatalf("Parse(%q, %q) = %+v, want an error", tc.input, tc.country, n)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%q, %q) error %v does not match ErrInvalid", tc.input, tc.country, err)
			}
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse(%q, %q) error %v is not an *Error", tc.input, tc.country, err)
			}
			if perr.Reason != tc.want {
				t.Errorf("Parse(%q, %q) reason %q, want %q", tc.input, tc.country, perr.Reason, tc.want)
			}
		})
	}
}

func TestMask(t *testing.T) {
	for _, tc := range []struct {
		have, want string
	}{
		{"+447700900047", "XXX-XXX-XXX47"},
		{"+441603222222", "XXX-XXX-XXX22"},
		{"+353851234567", "XXX-XXX-XXX67"},
		{"+33612345678", "XXX-XXX-XXX78"},
		{"+4", "XXX-XXX-XXXX4"},
		{"", "XXX-XXX-XXXXX"},
		{"+44 7700 900 0 4-7", "XXX-XXX-XXX47"},
	} {
		if got := Mask(tc.have); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.have, got, tc.want)
		}
	}
}

func TestCountries(t *testing.T) {
	cs := Countries()
	if len(cs) < 2 || cs[0] != (Country{"United Kingdom", "44"}) || cs[1] != (Country{"Ireland", "353"}) {
		t.Fatalf("Countries() = %v, want United Kingdom (44) then Ireland (353) first", cs)
	}
	if cs[0].Code != DefaultCountryCode {
		t.Errorf("first country %q is not the default %q", cs[0].Code, DefaultCountryCode)
	}
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.Code] {
			t.Errorf("code %s listed twice", c.Code)
		}
		seen[c.Code] = true
		if _, err := Parse("1", c.Code); err != nil {
			var perr *Error
			if errors.As(err, &perr) && perr.Reason == ReasonCountry {
				t.Errorf("listed country %v is refused by Parse", c)
			}
		}
	}
	cs[0].Name = "changed"
	if Countries()[0].Name != "United Kingdom" {
		t.Error("Countries() shares its slice between calls")
	}
}

func TestNumberLogValueMasks(t *testing.T) {
	n := Number{E164: "+447700900047", Kind: Mobile, Region: "GB"}
	if s := n.LogValue().String(); strings.Contains(s, "7700900047") || !strings.Contains(s, "XXX-XXX-XXX47") {
		t.Errorf("LogValue() = %s, want the number masked", s)
	}
}
