package phone

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// MaxInputLength is the longest input Parse looks at, in bytes; longer input
// is refused with ReasonTooLong before parsing.
const MaxInputLength = 32

// DefaultCountryCode is the calling code Parse uses when none is given: the
// United Kingdom's.
const DefaultCountryCode = "44"

// Kind says what sort of line a number is.
type Kind string

const (
	// Mobile numbers can receive SMS codes and calls.
	Mobile Kind = "mobile"
	// Landline numbers can receive calls; SMS to them usually fails.
	Landline Kind = "landline"
	// Other is a number the metadata cannot place as mobile or landline
	// (FIXED_LINE_OR_MOBILE); offer both ways.
	Other Kind = "other"
)

// Number is a parsed, valid phone number.
type Number struct {
	// E164 is the normalised form, "+" and digits: "+447700900047".
	E164 string
	// Kind is mobile, landline or other.
	Kind Kind
	// Region is the ISO 3166-1 region of the number: "GB", "IE", or "IM",
	// "JE", "GG" for the Crown Dependencies that share +44.
	Region string
}

// LogValue logs a number masked, never whole.
func (n Number) LogValue() slog.Value {
	return slog.GroupValue(slog.String("masked", Mask(n.E164)), slog.String("kind", string(n.Kind)))
}

// ErrInvalid is what every Parse error matches with errors.Is.
var ErrInvalid = errors.New("phone: invalid number")

// Reason says why Parse refused a number; the web layer picks the message
// from it (today every reason shows "Please enter a valid phone number").
type Reason string

const (
	// ReasonEmpty: nothing but spaces was entered.
	ReasonEmpty Reason = "empty"
	// ReasonTooLong: more than MaxInputLength characters, more than
	// E.164's 15 digits, or more digits than the country's numbers have.
	ReasonTooLong Reason = "too long"
	// ReasonTooShort: fewer digits than any number of the country has.
	ReasonTooShort Reason = "too short"
	// ReasonCharacters: letters or symbols other than spaces, hyphens,
	// dots, brackets and a leading "+".
	ReasonCharacters Reason = "invalid characters"
	// ReasonInvalid: the digits are not a number in use in the country.
	ReasonInvalid Reason = "not a valid number"
	// ReasonNotCallable: a valid number of a type we do not send codes to
	// or call (premium rate, shared cost, personal, freephone...).
	ReasonNotCallable Reason = "not a UK number we can call"
	// ReasonCountry: the country code is not one of Countries.
	ReasonCountry Reason = "country not supported"
)

// Error is a refused number, with the reason. It matches ErrInvalid.
type Error struct {
	Reason Reason
}

func (e *Error) Error() string { return "phone: invalid number: " + string(e.Reason) }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

func fail(r Reason) (Number, error) { return Number{}, &Error{Reason: r} }

// Parse validates input as a phone number, read in the country whose calling
// code is countryCode ("44" when empty; a leading "+" is ignored) unless the
// input starts with "+" or "00" and names its own. It returns the number in
// E.164 form with its kind and region, or an *Error matching ErrInvalid.
func Parse(input, countryCode string) (Number, error) {
	if len(input) > MaxInputLength {
		return fail(ReasonTooLong)
	}
	cleaned, ok := clean(input)
	if !ok {
		return fail(ReasonCharacters)
	}
	if cleaned == "" {
		return fail(ReasonEmpty)
	}
	countryCode = strings.TrimPrefix(countryCode, "+")
	if countryCode == "" {
		countryCode = DefaultCountryCode
	}
	if !listed(countryCode) {
		return fail(ReasonCountry)
	}
	cc, _ := strconv.Atoi(countryCode) // listed codes are digits
	region := phonenumbers.GetRegionCodeForCountryCode(cc)

	num, err := phonenumbers.Parse(cleaned, region)
	switch {
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return fail(ReasonTooShort)
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return fail(ReasonTooLong)
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return fail(ReasonCountry)
	case err != nil:
		return fail(ReasonInvalid)
	}
	if num.GetExtension() != "" || num.GetItalianLeadingZero() {
		// Extensions need letters or '#', refused above; a leading zero
		// kept in the national number belongs to no listed country.
		return fail(ReasonInvalid)
	}
	if !listed(strconv.Itoa(int(num.GetCountryCode()))) {
		return fail(ReasonCountry)
	}
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	if len(e164) > 16 { // E.164 allows 15 digits; some metadata (DE) allows more
		return fail(ReasonTooLong)
	}
	if kind, ok := drama(e164); ok {
		return Number{E164: e164, Kind: kind, Region: "GB"}, nil
	}
	if !phonenumbers.IsValidNumber(num) {
		return fail(invalidReason(num))
	}
	var kind Kind
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE:
		kind = Mobile
	case phonenumbers.FIXED_LINE:
		kind = Landline
	case phonenumbers.FIXED_LINE_OR_MOBILE:
		kind = Other
	default:
		return fail(ReasonNotCallable)
	}
	return Number{E164: e164, Kind: kind, Region: phonenumbers.GetRegionCodeForNumber(num)}, nil
}

// clean trims input and drops the separators people type, keeping digits and
// a leading "+". It reports false for any other character.
func clean(input string) (string, bool) {
	input = strings.TrimFunc(input, unicode.IsSpace)
	var b strings.Builder
	for i, r := range input {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ', r == '-', r == '.', r == '(', r == ')', unicode.IsSpace(r):
		default:
			return "", false
		}
	}
	return b.String(), true
}

// drama recognises Ofcom's numbers reserved for drama that libphonenumber
// calls invalid (see the package doc).
func drama(e164 string) (Kind, bool) {
	switch {
	case len(e164) == 13 && strings.HasPrefix(e164, "+447700900"):
		return Mobile, true
	case len(e164) == 13 && strings.HasPrefix(e164, "+441632960"):
		return Landline, true
	}
	return "", false
}

// invalidReason guesses why num is invalid from its length against the
// country's example mobile and landline numbers: a hint for the message, not
// a rule.
func invalidReason(num *phonenumbers.PhoneNumber) Reason {
	region := phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode()))
	n := len(phonenumbers.GetNationalSignificantNumber(num))
	shortest, longest := 0, 0
	for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.MOBILE, phonenumbers.FIXED_LINE} {
		ex := phonenumbers.GetExampleNumberForType(region, typ)
		if ex == nil {
			continue
		}
		l := len(phonenumbers.GetNationalSignificantNumber(ex))
		if shortest == 0 || l < shortest {
			shortest = l
		}
		longest = max(longest, l)
	}
	switch {
	case shortest > 0 && n < shortest:
		return ReasonTooShort
	case n > longest && longest > 0:
		return ReasonTooLong
	}
	return ReasonInvalid
}

// Mask hides all but the last two digits of e164, always in the shape
// "XXX-XXX-XXX47" whatever the number's length. With fewer than two digits,
// X stands in for the missing ones.
func Mask(e164 string) string {
	last := []byte("XX")
	for i, n := len(e164)-1, 1; i >= 0 && n >= 0; i-- {
		if c := e164[i]; c >= '0' && c <= '9' {
			last[n] = c
			n--
		}
	}
	return "XXX-XXX-XXX" + string(last)
}
