package password

import (
	"context"
	"errors"
	"fmt"
	"github.com/carekey/carekey/pkg/text"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxRunes is the longest password accepted. The council's guide sets no
// maximum; this limit is carekey's addition, to bound hashing cost. Longer
// passwords are refused (RuleMaxLength), never truncated.
const MaxRunes = 256

// AllASCIIPunctuation is every printable ASCII character that is neither a
// letter, a digit nor a space: the default set of special characters.
const AllASCIIPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// Rule identifies one rule of the password policy. The values are stable IDs,
// safe to log and to map to translations.
type Rule string

// The rules, in the guide's order (RuleMaxLength is carekey's addition).
const (
	RuleMinLength    Rule = "password.min_length"
	RuleMaxLength    Rule = "password.max_length"
	RuleLetter       Rule = "password.letter"
	RuleAllowedChars Rule = "password.allowed_characters"
	RuleStartLetter  Rule = "password.start_letter"
	RuleUpper        Rule = "password.upper"
	RuleDigit        Rule = "password.digit"
	RuleSpecial      Rule = "password.special"
	RuleNotCurrent   Rule = "password.not_current"
	RuleNotPrevious  Rule = "password.not_previous"
)

// Text returns the guide's words for r with the default policy's numbers (14
// characters, 8 previous passwords). Use Policy.Text for a configured policy.
func (r Rule) Text() string { return DefaultPolicy().Text(r) }

// Policy is the password policy. The zero value checks nothing; start from
// DefaultPolicy.
type Policy struct {
	MinLength                 int  // in characters (runes)
	RequireLetter             bool // unicode.IsLetter
	OnlyLettersDigitsSpecials bool // letters, digits and Specials; no spaces
	StartWithLetter           bool
	RequireUpper              bool // unicode.IsUpper
	RequireDigit              bool // unicode.IsDigit
	RequireSpecial            bool // a character of Specials
	Specials                  string
	HistorySize               int // previous passwords refused, besides the current one
}

// DefaultPolicy returns the council's policy from the "Creating an account"
// guide: at least 14 characters, every composition rule, specials = all
// printable ASCII punctuation, and the previous 8 passwords refused.
func DefaultPolicy() Policy {
	return Policy{
		MinLength:                 14,
		RequireLetter:             true,
		OnlyLettersDigitsSpecials: true,
		StartWithLetter:           true,
		RequireUpper:              true,
		RequireDigit:              true,
		RequireSpecial:            true,
		Specials:                  AllASCIIPunctuation,
		HistorySize:               8,
	}
}

// Message returns the message of r, with p's numbers: its ID is r's (the
// words, in each language, are pkg/text's).
func (p Policy) Message(r Rule) text.Message {
	switch r {
	case RuleMinLength:
		return text.M(text.ID(r), p.MinLength)
	case RuleMaxLength:
		return text.M(text.ID(r), MaxRunes)
	case RuleNotPrevious:
		return text.M(text.ID(r), p.HistorySize)
	}
	return text.M(text.ID(r))
}

// Text returns the guide's exact words for r in English, with p's numbers.
func (p Policy) Text(r Rule) string { return p.Message(r).String() }

// Rules returns the message of every rule p enforces, in the guide's order, for
// the "Password policy" list on screen. RuleMaxLength is not listed (the
// guide does not show it); it appears only as an error.
func (p Policy) Rules() []text.Message {
	var out []text.Message
	for _, r := range []struct {
		on   bool
		rule Rule
	}{
		{p.MinLength > 0, RuleMinLength},
		{p.RequireLetter, RuleLetter},
		{p.OnlyLettersDigitsSpecials, RuleAllowedChars},
		{p.StartWithLetter, RuleStartLetter},
		{p.RequireUpper, RuleUpper},
		{p.RequireDigit, RuleDigit},
		{p.RequireSpecial, RuleSpecial},
		{true, RuleNotCurrent},
		{p.HistorySize > 0, RuleNotPrevious},
	} {
		if r.on {
			out = append(out, p.Message(r.rule))
		}
	}
	return out
}

// PolicyError lists every rule a password failed, in the guide's order.
type PolicyError struct {
	Failed []Rule
	policy Policy // for the numbers in the texts
}

// Messages returns the message of each failed rule, in order.
func (e *PolicyError) Messages() []text.Message {
	out := make([]text.Message, len(e.Failed))
	for i, r := range e.Failed {
		out[i] = e.policy.Message(r)
	}
	return out
}

// Texts returns the English words of each failed rule, in order.
func (e *PolicyError) Texts() []string {
	out := make([]string, len(e.Failed))
	for i, r := range e.Failed {
		out[i] = e.policy.Text(r)
	}
	return out
}

// Error lists the failed rule IDs (safe to log: no part of the password).
func (e *PolicyError) Error() string {
	ids := make([]string, len(e.Failed))
	for i, r := range e.Failed {
		ids[i] = string(r)
	}
	return "password: fails policy: " + strings.Join(ids, ", ")
}

// Has reports whether r is among the failed rules.
func (e *PolicyError) Has(r Rule) bool {
	for _, f := range e.Failed {
		if f == r {
			return true
		}
	}
	return false
}

// Check returns nil if pw meets every composition rule of p, or a
// *PolicyError listing every rule it fails. Length is counted in characters
// (runes); letters are unicode.IsLetter (é and Ω count), upper case is
// unicode.IsUpper, digits are unicode.IsDigit (so non-ASCII decimal digits
// count too), specials are the runes of p.Specials. A space is none of these,
// so it breaks RuleAllowedChars. Passwords are never truncated.
func (p Policy) Check(pw string) error {
	var letter, upper, digit, special, other bool
	for _, r := range pw {
		isLetter, isDigit, isSpecial := unicode.IsLetter(r), unicode.IsDigit(r), strings.ContainsRune(p.Specials, r)
		letter = letter || isLetter
		upper = upper || unicode.IsUpper(r)
		digit = digit || isDigit
		special = special || isSpecial
		other = other || !(isLetter || isDigit || isSpecial) || r == utf8.RuneError
	}
	first, _ := utf8.DecodeRuneInString(pw)
	n := utf8.RuneCountInString(pw)

	var failed []Rule
	add := func(fails bool, r Rule) {
		if fails {
			failed = append(failed, r)
		}
	}
	add(n < p.MinLength, RuleMinLength)
	add(n > MaxRunes, RuleMaxLength)
	add(p.RequireLetter && !letter, RuleLetter)
	add(p.OnlyLettersDigitsSpecials && other, RuleAllowedChars)
	add(p.StartWithLetter && (pw == "" || !unicode.IsLetter(first)), RuleStartLetter)
	add(p.RequireUpper && !upper, RuleUpper)
	add(p.RequireDigit && !digit, RuleDigit)
	add(p.RequireSpecial && !special, RuleSpecial)
	if len(failed) == 0 {
		return nil
	}
	return &PolicyError{Failed: failed, policy: p}
}

// CheckHistory returns a *PolicyError if pw is the current password
// (RuleNotCurrent) or one of the previous p.HistorySize (RuleNotPrevious).
// history holds PHC hashes newest first, history[0] being the current one;
// entries beyond 1+HistorySize are ignored, so an older password may be used
// again. (Fetch it with store.PasswordHistory(ctx, userID, 1+p.HistorySize).)
// Empty or malformed entries cannot match and are skipped; an error from h
// (ctx ended) is returned.
func (p Policy) CheckHistory(ctx context.Context, h *Hasher, pw string, history []string) error {
	history = history[:min(len(history), 1+max(p.HistorySize, 0))]
	var failed []Rule
	for i, phc := range history {
		if phc == "" {
			continue
		}
		ok, _, err := h.Verify(ctx, pw, phc)
		if errors.Is(err, ErrMalformedHash) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check password history: %w", err)
		}
		if !ok {
			continue
		}
		if i == 0 {
			failed = append(failed, RuleNotCurrent)
			continue
		}
		failed = append(failed, RuleNotPrevious)
		break
	}
	if len(failed) == 0 {
		return nil
	}
	return &PolicyError{Failed: failed, policy: p}
}
