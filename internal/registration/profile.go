package registration

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/carekey/carekey/pkg/text"
)

// MaxFieldRunes is the longest answer accepted in a profile field. Longer
// answers are refused with a message, never truncated.
const MaxFieldRunes = 100

// Profile is what step 1 asks for, as typed.
type Profile struct {
	Forename     string
	Surname      string
	Professional string // "yes", "no" or "" (not answered)
	Role         string
	Organisation string
	Street       string
	Town         string
	Postcode     string
}

// Field names: the form inputs' names and ids, and the keys of flow data.
const (
	FieldForename     = "forename"
	FieldSurname      = "surname"
	FieldProfessional = "professional"
	FieldRole         = "role"
	FieldOrganisation = "organisation"
	FieldStreet       = "street"
	FieldTown         = "town"
	FieldPostcode     = "postcode"
	FieldEmail        = "email"
	FieldPassword     = "password"
	FieldConfirm      = "confirm_password"
	FieldCode         = "code"
)

// Validate trims every field, normalises the post code ("nr12dh" → "NR1
// 2DH"), and returns the cleaned profile, or a *text.Invalid listing every
// problem in the order of the form.
func (p Profile) Validate() (Profile, error) {
	var inv text.Invalid
	required := func(field string, v *string, missing text.ID) {
		*v = strings.TrimSpace(*v)
		switch {
		case *v == "":
			inv.Add(field, missing)
		case utf8.RuneCountInString(*v) > MaxFieldRunes || !printable(*v):
			if !printable(*v) {
				inv.Add(field, text.BadRequest)
				return
			}
			inv.Add(field, text.FieldTooLong)
		}
	}
	required(FieldForename, &p.Forename, text.ForenameRequired)
	required(FieldSurname, &p.Surname, text.SurnameRequired)
	p.Professional = strings.TrimSpace(p.Professional)
	if p.Professional != "" && p.Professional != "yes" && p.Professional != "no" {
		inv.Add(FieldProfessional, text.ProfessionalInvalid)
	}
	required(FieldRole, &p.Role, text.RoleRequired)
	required(FieldOrganisation, &p.Organisation, text.OrganisationRequired)
	required(FieldStreet, &p.Street, text.StreetRequired)
	required(FieldTown, &p.Town, text.TownRequired)
	p.Postcode = strings.TrimSpace(p.Postcode)
	if p.Postcode == "" {
		inv.Add(FieldPostcode, text.PostcodeRequired)
	} else if pc, ok := NormalizePostcode(p.Postcode); ok {
		p.Postcode = pc
	} else {
		inv.Add(FieldPostcode, text.PostcodeInvalid)
	}
	return p, inv.Err()
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// postcodeRE is a UK postcode without spaces, upper case: an outward code
// (A9, A99, A9A, AA9, AA99, AA9A) and an inward code (9AA); or GIR 0AA.
var postcodeRE = regexp.MustCompile(`^(?:([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})|(GIR)(0AA))$`)

// NormalizePostcode returns a UK postcode in its standard form, upper case
// with one space before the inward code ("nr12dh" → "NR1 2DH"), and whether s
// is a postcode at all. Spaces anywhere are ignored. NormalizePostcode is
// idempotent on what it accepts.
func NormalizePostcode(s string) (string, bool) {
	if len(s) > 16 {
		return "", false
	}
	var b strings.Builder
	for _, r := range s {
		if r == ' ' || r == '\t' {
			continue
		}
		if r > unicode.MaxASCII {
			return "", false
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	m := postcodeRE.FindStringSubmatch(b.String())
	if m == nil {
		return "", false
	}
	if m[1] == "" {
		return m[3] + " " + m[4], true
	}
	return m[1] + " " + m[2], true
}
