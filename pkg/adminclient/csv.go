package adminclient

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CSVColumns are the columns of the bulk-grant CSV, in any order, named in
// its header row. expires_at may be left out (or empty: no expiry), and so may
// the value of birthdate. The user is named by email or by user_external_id
// (the Azure AD B2C object ID of an imported user): the header holds at
// least one of the two, and each row exactly one.
var CSVColumns = []string{"email", "source", "external_ref", "name", "birthdate", "relationship", "expires_at", "user_external_id"}

// ImportRow is one valid row of the bulk-grant CSV: grant the user with Email
// (or UserExternalID) the account (Source, ExternalRef), created or updated
// with Name and Birthdate.
type ImportRow struct {
	Line           int // in the file, from 1 (the header)
	Email          string
	UserExternalID string
	Source         string
	ExternalRef    string
	Name           string
	Birthdate      string
	Relationship   string
	ExpiresAt      *time.Time
}

// RowError says why a row of the CSV is unusable.
type RowError struct {
	Line   int
	Reason string
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// The rules the API applies, checked here first so that a bad file changes nothing.
var (
	sourceRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,39}$`)
	externalRefRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$`)
	relationshipRE = regexp.MustCompile(`^[a-z][a-z_-]{0,31}$`)
	emailRE        = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	// userExternalIDRE: a B2C object ID is a GUID.
	userExternalIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)
)

// UserRef names the row's user for messages: "email ann@example.org" or
// "external ID 0b1f6c1e-…".
func (r ImportRow) UserRef() string {
	if r.UserExternalID != "" {
		return "external ID " + r.UserExternalID
	}
	return "email " + r.Email
}

// ParseGrantsCSV reads the bulk-grant CSV and checks every row at now. It
// returns the good rows and an error per bad row (all of them, in line order);
// err is for a file that cannot be read at all (no header, a missing column,
// malformed CSV). Emails are trimmed and lower-cased.
func ParseGrantsCSV(r io.Reader, now time.Time) (rows []ImportRow, bad []RowError, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("read header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slices.Contains(CSVColumns, h) {
			return nil, nil, fmt.Errorf("header: unknown column %q (want %s)", h, strings.Join(CSVColumns, ","))
		}
		if _, dup := col[h]; dup {
			return nil, nil, fmt.Errorf("header: column %q twice", h)
		}
		col[h] = i
	}
	for _, c := range CSVColumns {
		if _, ok := col[c]; !ok && c != "expires_at" && c != "email" && c != "user_external_id" {
			return nil, nil, fmt.Errorf("header: no %s column", c)
		}
	}
	_, byEmail := col["email"]
	if _, byID := col["user_external_id"]; !byEmail && !byID {
		return nil, nil, errors.New("header: no email column (or user_external_id)")
	}
	seen := map[string]int{} // email, source, ref → first line
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && pe.Err == csv.ErrFieldCount {
			err = nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			bad = append(bad, RowError{line, fmt.Sprintf("%d fields, want %d", len(rec), len(header))})
			continue
		}
		field := func(name string) string {
			if i, ok := col[name]; ok {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := ImportRow{
			Line: line, Email: strings.ToLower(field("email")), UserExternalID: field("user_external_id"),
			Source: field("source"), ExternalRef: field("external_ref"),
			Name: field("name"), Birthdate: field("birthdate"), Relationship: field("relationship"),
		}
		reasons := checkRow(&row, field("expires_at"), now)
		key := row.UserRef() + "\x00" + row.Source + "\x00" + row.ExternalRef
		if first, dup := seen[key]; dup {
			reasons = append(reasons, fmt.Sprintf("the same user and account as line %d", first))
		} else {
			seen[key] = line
		}
		if len(reasons) > 0 {
			bad = append(bad, RowError{line, strings.Join(reasons, "; ")})
			continue
		}
		rows = append(rows, row)
	}
	return rows, bad, nil
}

// checkRow returns what is wrong with row, and sets its ExpiresAt.
func checkRow(row *ImportRow, expires string, now time.Time) []string {
	var reasons []string
	// emailRE's \s is ASCII only: refuse other white space, control
	// characters (an escape sequence would reach the operator's terminal in
	// "no user with email …") and invalid UTF-8 too.
	switch {
	case row.Email != "" && row.UserExternalID != "":
		reasons = append(reasons, "email, user_external_id: name the user by one of them, not both")
	case row.UserExternalID != "":
		if !userExternalIDRE.MatchString(row.UserExternalID) {
			reasons = append(reasons, "user_external_id: must be 1 to 64 letters, digits, '.', '_', ':' or '-'")
		}
	case !emailRE.MatchString(row.Email) || !utf8.ValidString(row.Email) || strings.IndexFunc(row.Email, spaceOrControl) >= 0:
		reasons = append(reasons, "email: not an email address")
	}
	if !sourceRE.MatchString(row.Source) {
		reasons = append(reasons, "source: must be 1 to 40 lower-case letters, digits, '.', '_' or '-'")
	}
	if !externalRefRE.MatchString(row.ExternalRef) {
		reasons = append(reasons, "external_ref: must be 1 to 100 letters, digits, '.', '_', ':' or '-'")
	}
	switch {
	case row.Name == "":
		reasons = append(reasons, "name: is required")
	case !utf8.ValidString(row.Name) || strings.IndexFunc(row.Name, unicode.IsControl) >= 0:
		reasons = append(reasons, "name: must not contain control characters")
	case utf8.RuneCountInString(row.Name) > 200:
		reasons = append(reasons, "name: must be at most 200 characters")
	}
	if row.Birthdate != "" {
		d, err := time.Parse(time.DateOnly, row.Birthdate)
		switch {
		case err != nil:
			reasons = append(reasons, "birthdate: must be a date as YYYY-MM-DD")
		case d.After(now.UTC().Truncate(24 * time.Hour)):
			reasons = append(reasons, "birthdate: must not be in the future")
		case d.Year() < 1900:
			reasons = append(reasons, "birthdate: must not be before 1900-01-01")
		}
	}
	if !relationshipRE.MatchString(row.Relationship) {
		reasons = append(reasons, `relationship: must be lower-case letters, such as "child" or "self"`)
	}
	if expires != "" {
		t, err := time.Parse(time.RFC3339, expires)
		switch {
		case err != nil:
			reasons = append(reasons, "expires_at: must be a date and time as RFC 3339, such as 2026-03-31T23:59:59Z")
		case !t.After(now):
			reasons = append(reasons, "expires_at: must be in the future")
		default:
			row.ExpiresAt = &t
		}
	}
	return reasons
}

func spaceOrControl(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }
