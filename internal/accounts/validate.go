package accounts

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/carekey/carekey/pkg/claims"
)

// ErrInvalid is wrapped by every *ValidationError.
var ErrInvalid = errors.New("accounts: invalid input")

// FieldError is one rule an input field breaks.
type FieldError struct {
	Field   string // "name", "birthdate", "relationship", "expires_at", …
	Message string
}

// ValidationError lists every bad field of an input.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Unwrap lets errors.Is(err, ErrInvalid) match.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

type checker struct{ fields []FieldError }

func (c *checker) add(field, msg string) { c.fields = append(c.fields, FieldError{field, msg}) }

func (c *checker) err() error {
	if len(c.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: c.fields}
}

var (
	sourceRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,39}$`)
	externalRefRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$`)
	relationshipRE = regexp.MustCompile(`^[a-z][a-z_-]{0,31}$`)
)

// earliestBirthdate is the earliest date of birth accepted.
var earliestBirthdate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxNameLen is the longest display name accepted, in characters.
const MaxNameLen = 200

// ValidateAccount checks an account input at now: a source and external
// reference of letters, digits and . _ - (and : in references), a name, and a
// date of birth (if any) that is a real YYYY-MM-DD date from 1900 to today.
func ValidateAccount(in AccountInput, now time.Time) error {
	var c checker
	if !sourceRE.MatchString(in.Source) {
		c.add("source", "must be 1 to 40 lower-case letters, digits, '.', '_' or '-'")
	}
	if !externalRefRE.MatchString(in.ExternalRef) {
		c.add("external_ref", "must be 1 to 100 letters, digits, '.', '_', ':' or '-'")
	}
	switch {
	case strings.TrimSpace(in.Name) == "":
		c.add("name", "is required")
	case in.Name != strings.TrimSpace(in.Name):
		c.add("name", "must not start or end with spaces")
	case !utf8.ValidString(in.Name) || strings.IndexFunc(in.Name, unicode.IsControl) >= 0:
		c.add("name", "must not contain control characters")
	case utf8.RuneCountInString(in.Name) > MaxNameLen:
		c.add("name", fmt.Sprintf("must be at most %d characters", MaxNameLen))
	}
	if in.Birthdate != "" {
		if msg := birthdateProblem(in.Birthdate, now); msg != "" {
			c.add("birthdate", msg)
		}
	}
	return c.err()
}

// birthdateProblem says what is wrong with a date of birth, or "".
func birthdateProblem(s string, now time.Time) string {
	d, err := time.Parse(claims.BirthdateLayout, s)
	if err != nil {
		return "must be a date as YYYY-MM-DD"
	}
	today := now.UTC().Truncate(24 * time.Hour)
	switch {
	case d.After(today):
		return "must not be in the future"
	case d.Before(earliestBirthdate):
		return "must not be before 1900-01-01"
	}
	return ""
}

// ValidateGrant checks a grant input at now: a user, an account, a
// relationship of lower-case letters ("child", "self", "parent", …) and an
// expiry (if any) after now.
func ValidateGrant(in GrantInput, now time.Time) error {
	var c checker
	if in.UserID == "" {
		c.add("user_id", "is required")
	}
	if in.AccountID == "" {
		c.add("account_id", "is required")
	}
	if !relationshipRE.MatchString(in.Relationship) {
		c.add("relationship", `must be 1 to 32 lower-case letters, '_' or '-', such as "child" or "self"`)
	}
	if !in.ExpiresAt.IsZero() && !in.ExpiresAt.After(now) {
		c.add("expires_at", "must be in the future")
	}
	return c.err()
}
