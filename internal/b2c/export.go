package b2c

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/carekey/carekey/internal/mailaddr"
	"github.com/carekey/carekey/internal/phone"
	"github.com/carekey/carekey/internal/registration"
	"github.com/carekey/carekey/internal/store"
)

// MaxLineBytes is the longest line ParseExport reads; a longer one stops it
// (an export of user objects never comes near it).
const MaxLineBytes = 1 << 20

// Mapping names, for each profile field, the property of the Graph user
// object that holds it (config b2c.attributes). Empty: not imported.
type Mapping struct {
	Role, Organisation, Professional, Street, Town, Postcode string
}

// Record is one importable user of the export.
type Record struct {
	Line       int    // 1-based line of the export
	ObjectID   string // the B2C object ID (id), store.User.ExternalID
	Email      string // normalised (mailaddr.Normalize)
	GivenName  string
	FamilyName string
	Phone      string // E.164; empty: the user enrols one at first sign-in
	Profile    store.Profile
}

// Rejection is a line of the export that is not imported, and why.
type Rejection struct {
	Line     int
	ObjectID string // empty when the line has none
	Reason   string // for the operator: never a password, names the field
}

func (r Rejection) String() string {
	if r.ObjectID == "" {
		return fmt.Sprintf("line %d: %s", r.Line, r.Reason)
	}
	return fmt.Sprintf("line %d (id %s): %s", r.Line, r.ObjectID, r.Reason)
}

// user is the part of a Graph user object ParseExport reads by name; the
// mapped attributes are read from the whole object.
type user struct {
	ID          *string `json:"id"`
	DisplayName string  `json:"displayName"`
	GivenName   string  `json:"givenName"`
	Surname     string  `json:"surname"`
	Identities  []struct {
		SignInType       string `json:"signInType"`
		Issuer           string `json:"issuer"`
		IssuerAssignedID string `json:"issuerAssignedId"`
	} `json:"identities"`
	PhoneMethods   []phoneMethod `json:"phoneMethods"`
	Authentication *struct {
		PhoneMethods []phoneMethod `json:"phoneMethods"`
	} `json:"authentication"`
}

// phoneMethod is a Graph phoneAuthenticationMethod.
type phoneMethod struct {
	PhoneNumber string `json:"phoneNumber"` // "+44 7700900123"
	PhoneType   string `json:"phoneType"`   // mobile, alternateMobile, office
}

// phoneTypes are the phone method types imported, most preferred first.
var phoneTypes = []string{"mobile", "alternateMobile", "office"}

// ParseExport reads an export of Microsoft Graph user objects, one JSON
// object a line (docs/migrating-from-b2c.md shows how to make one), and
// returns the users to import, in file order, and every line refused with
// its reason. Blank lines are skipped. A line is refused if it is not a
// JSON object, has no id, no identity of signInType emailAddress (or more
// than one), a bad email address, a name that is missing, too long or holds
// control characters, a phone number that is not valid, a mapped attribute
// of the wrong type or form, or the id or email of an earlier line. The
// error is for a reader that fails or a line longer than MaxLineBytes.
func ParseExport(r io.Reader, m Mapping) ([]Record, []Rejection, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), MaxLineBytes)
	var (
		recs    []Record
		refused []Rejection
		ids     = map[string]int{} // object ID → line
		emails  = map[string]int{} // email → line
		line    int
	)
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		rec, err := parseUser(b, m)
		rec.Line = line
		switch first, dupID := ids[rec.ObjectID]; {
		case err != nil:
			refused = append(refused, Rejection{Line: line, ObjectID: rec.ObjectID, Reason: err.Error()})
			continue
		case dupID:
			refused = append(refused, Rejection{Line: line, ObjectID: rec.ObjectID, Reason: fmt.Sprintf("duplicate: the id of line %d", first)})
			continue
		}
		if first, dup := emails[rec.Email]; dup {
			refused = append(refused, Rejection{Line: line, ObjectID: rec.ObjectID, Reason: fmt.Sprintf("duplicate: the email address of line %d", first)})
			continue
		}
		ids[rec.ObjectID], emails[rec.Email] = line, line
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return recs, refused, fmt.Errorf("line %d: longer than %d bytes", line+1, MaxLineBytes)
		}
		return recs, refused, fmt.Errorf("read export after line %d: %w", line, err)
	}
	return recs, refused, nil
}

// maxName is the longest name or attribute kept, in characters.
const maxName = 100

// parseUser turns one line into a Record (Line unset). The error's text is
// the rejection reason; the Record carries the object ID whenever one was read.
func parseUser(b []byte, m Mapping) (Record, error) {
	var (
		u   user
		all map[string]json.RawMessage
	)
	if err := json.Unmarshal(b, &all); err != nil {
		return Record{}, errors.New("not a JSON object")
	}
	if err := json.Unmarshal(b, &u); err != nil {
		return Record{}, fmt.Errorf("not a Graph user object: %s", jsonProblem(err))
	}
	var rec Record
	if u.ID == nil || strings.TrimSpace(*u.ID) == "" {
		return rec, errors.New("no id (the B2C object ID)")
	}
	if id := strings.TrimSpace(*u.ID); len(id) > 64 || !printable(id) {
		return rec, errors.New("id is not an object ID (at most 64 printable characters)")
	}
	rec.ObjectID = strings.TrimSpace(*u.ID)

	var emails []string
	for _, id := range u.Identities {
		if id.SignInType == "emailAddress" {
			emails = append(emails, id.IssuerAssignedID)
		}
	}
	switch len(emails) {
	case 0:
		return rec, errors.New("no email identity (identities with signInType emailAddress)")
	case 1:
	default:
		return rec, errors.New("more than one email identity")
	}
	email, err := mailaddr.Normalize(emails[0])
	if err != nil {
		return rec, errors.New("bad email address (identities issuerAssignedId)")
	}
	rec.Email = email

	given, family := strings.TrimSpace(u.GivenName), strings.TrimSpace(u.Surname)
	if given == "" && family == "" {
		// Fall back on the display name: "Ann Smith" → Ann, Smith.
		if i := strings.LastIndexByte(strings.TrimSpace(u.DisplayName), ' '); i > 0 {
			dn := strings.TrimSpace(u.DisplayName)
			given, family = strings.TrimSpace(dn[:i]), strings.TrimSpace(dn[i+1:])
		}
	}
	for _, n := range []struct{ field, value string }{{"givenName", given}, {"surname", family}} {
		if err := checkText(n.field, n.value, true); err != nil {
			return rec, err
		}
	}
	rec.GivenName, rec.FamilyName = given, family

	if rec.Phone, err = pickPhone(u); err != nil {
		return rec, err
	}
	if rec.Profile, err = profile(all, m); err != nil {
		return rec, err
	}
	return rec, nil
}

// pickPhone returns the E.164 form of the user's preferred phone method, or
// "" when there is none.
func pickPhone(u user) (string, error) {
	methods := u.PhoneMethods
	if u.Authentication != nil {
		methods = append(methods, u.Authentication.PhoneMethods...)
	}
	for _, t := range phoneTypes {
		for _, pm := range methods {
			if pm.PhoneType != t {
				continue
			}
			n, err := phone.Parse(pm.PhoneNumber, "")
			if err != nil {
				var pe *phone.Error
				reason := "invalid"
				if errors.As(err, &pe) {
					reason = string(pe.Reason)
				}
				return "", fmt.Errorf("bad phone number (phoneMethods %s): %s", t, reason)
			}
			return n.E164, nil
		}
	}
	return "", nil
}

// profile reads the mapped attributes of the user object all.
func profile(all map[string]json.RawMessage, m Mapping) (store.Profile, error) {
	var p store.Profile
	for _, f := range []struct {
		prop string
		dst  *string
	}{{m.Role, &p.Role}, {m.Organisation, &p.Organisation}, {m.Street, &p.Street}, {m.Town, &p.Town}, {m.Postcode, &p.Postcode}} {
		raw, ok := all[f.prop]
		if f.prop == "" || !ok || string(raw) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return p, fmt.Errorf("%s is not a string", f.prop)
		}
		s = strings.TrimSpace(s)
		if err := checkText(f.prop, s, false); err != nil {
			return p, err
		}
		*f.dst = s
	}
	if p.Postcode != "" {
		pc, ok := registration.NormalizePostcode(p.Postcode)
		if !ok {
			return p, fmt.Errorf("bad postcode (%s): not a UK postcode", m.Postcode)
		}
		p.Postcode = pc
	}
	if raw, ok := all[m.Professional]; m.Professional != "" && ok && string(raw) != "null" {
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return p, fmt.Errorf("%s is not a boolean", m.Professional)
			}
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "true", "yes", "y":
				b = true
			case "false", "no", "n", "":
			default:
				return p, fmt.Errorf("%s is not yes or no", m.Professional)
			}
		}
		p.Professional = b
	}
	return p, nil
}

// checkText refuses a name or attribute that is empty (when required), too
// long or not printable.
func checkText(field, s string, required bool) error {
	switch {
	case s == "" && required:
		return fmt.Errorf("no %s", field)
	case utf8.RuneCountInString(s) > maxName:
		return fmt.Errorf("%s is longer than %d characters", field, maxName)
	case !printable(s):
		return fmt.Errorf("%s holds control characters", field)
	}
	return nil
}

func printable(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

// jsonProblem words a decoding error without quoting the input.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s has the wrong type (%s)", te.Field, te.Value)
	}
	return "malformed"
}

// sortRejections orders rejections by line.
func sortRejections(rs []Rejection) {
	slices.SortStableFunc(rs, func(a, b Rejection) int { return a.Line - b.Line })
}
