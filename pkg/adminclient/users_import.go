package adminclient

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxUserImportBatch is the most users one POST /users/import may carry, so
// that a request stays within the API's body limit (64 KiB by default) and
// its hashing within seconds.
const MaxUserImportBatch = 50

// UserImport is one user to create with POST /users/import. The password
// must meet the deployment's password policy; the server hashes it. The
// phone (UK numbers may be written nationally) counts as confirmed: the
// user is asked for a code at every sign-in but enrols nothing.
type UserImport struct {
	Email      string `json:"email"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Phone      string `json:"phone"`
	Password   string `json:"password"`
}

// UserImportResult is the outcome for one user of a POST /users/import, in
// the order sent.
type UserImportResult struct {
	// Status is "created", "exists" (a user has this email: nothing
	// changed) or "invalid" (see Errors).
	Status string `json:"status"`
	ID     string `json:"id,omitempty"` // the new user's ID, when created
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors,omitempty"`
}

// Import statuses.
const (
	ImportCreated = "created"
	ImportExists  = "exists"
	ImportInvalid = "invalid"
)

// ImportUsers creates users (at most MaxUserImportBatch) and returns one
// result per user, in order. A user whose email is taken is left as it is
// ("exists"), so running an import again is safe.
func (c *Client) ImportUsers(ctx context.Context, users []UserImport) ([]UserImportResult, error) {
	if len(users) == 0 || len(users) > MaxUserImportBatch {
		return nil, fmt.Errorf("import users: want 1 to %d users, have %d", MaxUserImportBatch, len(users))
	}
	var out struct {
		Results []UserImportResult `json:"results"`
	}
	if _, err := c.do(ctx, http.MethodPost, "/users/import", struct {
		Users []UserImport `json:"users"`
	}{users}, &out); err != nil {
		return nil, err
	}
	if len(out.Results) != len(users) {
		return nil, fmt.Errorf("import users: %d results for %d users", len(out.Results), len(users))
	}
	return out.Results, nil
}

// UserCSVColumns are the columns of the user-import CSV that
// `idp admin users import` takes, in any order, named in its header row.
var UserCSVColumns = []string{"email", "forename", "surname", "phone", "password"}

// UserRow is one row of the user-import CSV.
type UserRow struct {
	Line int // in the file, from 1 (the header)
	UserImport
}

// ParseUsersCSV reads the user-import CSV. It returns the rows that pass the
// checks that need no server (every field present, an email's shape, no
// control characters, no email twice) and an error per bad row, in line
// order; the API checks the rest (the password policy, the phone number).
// err is for a file that cannot be read at all (no header, a missing or
// unknown column, malformed CSV). Emails are trimmed and lower-cased; no
// field is trimmed but the email and the phone (a password is taken as
// typed).
func ParseUsersCSV(r io.Reader) (rows []UserRow, bad []RowError, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("read header: %w", err)
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch _, dup := col[h]; {
		case !slices.Contains(UserCSVColumns, h):
			return nil, nil, fmt.Errorf("header: unknown column %q (want %s)", h, strings.Join(UserCSVColumns, ","))
		case dup:
			return nil, nil, fmt.Errorf("header: column %q twice", h)
		}
		col[h] = i
	}
	for _, c := range UserCSVColumns {
		if _, ok := col[c]; !ok {
			return nil, nil, fmt.Errorf("header: no %s column", c)
		}
	}
	seen := map[string]int{} // email → first line
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, bad, nil
		}
		var pe *csv.ParseError
		if err != nil && !(errors.As(err, &pe) && pe.Err == csv.ErrFieldCount) {
			return nil, nil, fmt.Errorf("read CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			bad = append(bad, RowError{line, fmt.Sprintf("%d fields, want %d", len(rec), len(header))})
			continue
		}
		u := UserImport{
			Email: strings.ToLower(strings.TrimSpace(rec[col["email"]])), GivenName: rec[col["forename"]],
			FamilyName: rec[col["surname"]], Phone: strings.TrimSpace(rec[col["phone"]]), Password: rec[col["password"]],
		}
		reasons := checkUserRow(u)
		if first, dup := seen[u.Email]; dup && u.Email != "" {
			reasons = append(reasons, fmt.Sprintf("email: the same as line %d", first))
		} else {
			seen[u.Email] = line
		}
		if len(reasons) > 0 {
			bad = append(bad, RowError{line, strings.Join(reasons, "; ")})
			continue
		}
		rows = append(rows, UserRow{line, u})
	}
}

// checkUserRow returns what is wrong with u that can be seen without the server.
func checkUserRow(u UserImport) []string {
	var reasons []string
	if !emailRE.MatchString(u.Email) || !utf8.ValidString(u.Email) || strings.IndexFunc(u.Email, spaceOrControl) >= 0 {
		reasons = append(reasons, "email: not an email address")
	}
	for _, f := range []struct{ name, v string }{{"forename", u.GivenName}, {"surname", u.FamilyName}} {
		switch {
		case strings.TrimSpace(f.v) == "":
			reasons = append(reasons, f.name+": is required")
		case !utf8.ValidString(f.v) || strings.IndexFunc(f.v, unicode.IsControl) >= 0:
			reasons = append(reasons, f.name+": must not contain control characters")
		case utf8.RuneCountInString(f.v) > 100:
			reasons = append(reasons, f.name+": must be at most 100 characters")
		}
	}
	if u.Phone == "" {
		reasons = append(reasons, "phone: is required")
	} else if strings.IndexFunc(u.Phone, unicode.IsControl) >= 0 || !utf8.ValidString(u.Phone) {
		reasons = append(reasons, "phone: must not contain control characters")
	}
	if u.Password == "" {
		reasons = append(reasons, "password: is required")
	}
	return reasons
}
