package password

import (
	"errors"
	"github.com/carekey/carekey/pkg/text"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func failedRules(t *testing.T, err error) []Rule {
	t.Helper()
	if err == nil {
		return nil
	}
	var pe *PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *PolicyError", err)
	}
	return pe.Failed
}

func TestCheck(t *testing.T) {
	long := "Abcdefghij-" + strings.Repeat("x", 60) + "1Z" // 73 characters
	for _, tc := range []struct {
		name string
		have string
		want []Rule
	}{
		{"good", "Correct-Horse-1", nil},
		{"exactly 14", "Abcdefghijk-1X", nil},
		{"13 characters", "Abcdefghij-1X", []Rule{RuleMinLength}},
		{"64+ characters accepted unchanged", long, nil},
		{"256 characters", "A1-" + strings.Repeat("b", 253), nil},
		{"257 characters", "A1-" + strings.Repeat("b", 254), []Rule{RuleMaxLength}},
		{"unicode letters count", "Éléphant-Ωmega-1", nil},
		{"length in runes, not bytes", "Ωωωωωωωωωωω-1", []Rule{RuleMinLength}}, // 13 runes, 24 bytes
		{"upper-case non-ASCII", "ωmega-horse-1-Ж", nil},
		{"leading digit", "1Correct-Horse", []Rule{RuleStartLetter}},
		{"leading special", "-Correct-Horse1", []Rule{RuleStartLetter}},
		{"space inside", "Correct Horse-1", []Rule{RuleAllowedChars}},
		{"leading space", " Correct-Horse-1", []Rule{RuleAllowedChars, RuleStartLetter}},
		{"tab", "Correct-Horse-1\t", []Rule{RuleAllowedChars}},
		{"emoji is not special", "Correct-Horse-1🐴", []Rule{RuleAllowedChars}},
		{"pound sign is not ASCII punctuation", "CorrectHorse1£", []Rule{RuleAllowedChars, RuleSpecial}},
		{"invalid UTF-8", "Correct-Horse-1\xff", []Rule{RuleAllowedChars}},
		{"no upper", "correct-horse-1", []Rule{RuleUpper}},
		{"no digit", "Correct-Horse-X", []Rule{RuleDigit}},
		{"non-ASCII digit counts", "Correct-Horse-٣", nil},
		{"no special", "CorrectHorse1X2", []Rule{RuleSpecial}},
		{"no letter", "1234567890-!@#$", []Rule{RuleLetter, RuleStartLetter, RuleUpper}},
		{"every special counts", "CorrectHorse1~", nil},
		{"backslash counts", `CorrectHorse1\`, nil},
		{"empty", "", []Rule{RuleMinLength, RuleLetter, RuleStartLetter, RuleUpper, RuleDigit, RuleSpecial}},
		{"all at once", " ", []Rule{RuleMinLength, RuleLetter, RuleAllowedChars, RuleStartLetter, RuleUpper, RuleDigit, RuleSpecial}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			have := failedRules(t, DefaultPolicy().Check(tc.have))
			if !slices.Equal(have, tc.want) {
				t.Errorf("Check(%q) failed %v, want %v", tc.have, have, tc.want)
			}
		})
	}
}

func TestCheckNilIsUntypedNil(t *testing.T) {
	if err := DefaultPolicy().Check("Correct-Horse-1"); err != nil {
		t.Fatalf("Check = %#v, want nil", err)
	}
}

func TestCheckConfigured(t *testing.T) {
	p := Policy{MinLength: 8, RequireSpecial: true, Specials: "#"}
	for _, tc := range []struct {
		have string
		want []Rule
	}{
		{"abcdefg#", nil},
		{"1 abcde#", nil}, // no composition rules besides the special
		{"abcdefg!", []Rule{RuleSpecial}},
		{"abc#", []Rule{RuleMinLength}},
	} {
		if have := failedRules(t, p.Check(tc.have)); !slices.Equal(have, tc.want) {
			t.Errorf("Check(%q) failed %v, want %v", tc.have, have, tc.want)
		}
	}
}

func TestTexts(t *testing.T) {
	// The guide's list, word for word (seeds/create-account-guide.txt).
	guide := []string{
		"It must be at least 14 characters long",
		"It must contain at least one letter",
		"It must contain only letters, digits, and special characters",
		"It must start with a letter",
		"It must contain at least one upper-case letter",
		"It must contain at least one numerical digit",
		"It must contain at least one special character.",
		"It must be different to your current password",
		"It must be different to your previous 8 passwords.",
	}
	if have := english(DefaultPolicy().Rules()); !slices.Equal(have, guide) {
		t.Errorf("Rules() =\n%q\nwant\n%q", have, guide)
	}
	for i, r := range []Rule{RuleMinLength, RuleLetter, RuleAllowedChars, RuleStartLetter, RuleUpper, RuleDigit, RuleSpecial, RuleNotCurrent, RuleNotPrevious} {
		if r.Text() != guide[i] {
			t.Errorf("%s.Text() = %q, want %q", r, r.Text(), guide[i])
		}
	}
	if have, want := RuleMaxLength.Text(), "It must be at most 256 characters long"; have != want {
		t.Errorf("RuleMaxLength.Text() = %q, want %q", have, want)
	}

	p := DefaultPolicy()
	p.MinLength, p.HistorySize = 12, 5
	rules := english(p.Rules())
	if rules[0] != "It must be at least 12 characters long" || rules[8] != "It must be different to your previous 5 passwords." {
		t.Errorf("configured Rules() = %q", rules)
	}
	var pe *PolicyError
	if !errors.As(p.Check("short"), &pe) || pe.Texts()[0] != "It must be at least 12 characters long" {
		t.Errorf("configured PolicyError texts = %q", pe.Texts())
	}

	p = DefaultPolicy()
	p.RequireSpecial, p.HistorySize = false, 0
	if have := english(p.Rules()); len(have) != 7 || slices.Contains(have, guide[6]) || slices.Contains(have, guide[8]) {
		t.Errorf("Rules() with rules off = %q", have)
	}
}

func TestPolicyErrorMessage(t *testing.T) {
	err := DefaultPolicy().Check("secret pw")
	if err == nil {
		t.Fatal("Check passed")
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("Error() = %q leaks the password", err)
	}
	if !strings.Contains(err.Error(), string(RuleMinLength)) {
		t.Errorf("Error() = %q, want the rule IDs", err)
	}
}

// FuzzCheck checks that Check never panics and that its verdict agrees with a
// rule-by-rule reading of the policy: nil exactly when no rule is broken,
// otherwise a *PolicyError listing exactly the broken rules, each once.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"", "Correct-Horse-1", " 1 ", "Éléphant-Ωmega-1", "\xff\xfe", "A1-" + strings.Repeat("b", 254), "Ω\u0301-1aaaaaaaaaaaa"} {
		f.Add(s)
	}
	p := DefaultPolicy()
	f.Fuzz(func(t *testing.T, s string) {
		var want []Rule
		runes := []rune(s)
		has := func(f func(rune) bool) bool { return slices.ContainsFunc(runes, f) }
		if len(runes) < p.MinLength {
			want = append(want, RuleMinLength)
		}
		if len(runes) > MaxRunes {
			want = append(want, RuleMaxLength)
		}
		if !has(unicode.IsLetter) {
			want = append(want, RuleLetter)
		}
		if has(func(r rune) bool {
			return r == utf8.RuneError || !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(AllASCIIPunctuation, r)
		}) {
			want = append(want, RuleAllowedChars)
		}
		if len(runes) == 0 || !unicode.IsLetter(runes[0]) {
			want = append(want, RuleStartLetter)
		}
		if !has(unicode.IsUpper) {
			want = append(want, RuleUpper)
		}
		if !has(unicode.IsDigit) {
			want = append(want, RuleDigit)
		}
		if !has(func(r rune) bool { return strings.ContainsRune(AllASCIIPunctuation, r) }) {
			want = append(want, RuleSpecial)
		}

		err := p.Check(s)
		if (err == nil) != (len(want) == 0) {
			t.Fatalf("Check(%q) = %v, want failures %v", s, err, want)
		}
		if have := failedRules(t, err); !slices.Equal(have, want) {
			t.Fatalf("Check(%q) failed %v, want %v", s, have, want)
		}
	})
}

// english returns the English words of ms.
func english(ms []text.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return out
}
