// Package phone parses, validates and masks the phone numbers users enrol for
// sign-in confirmation (design.md §3.3), using github.com/nyaruka/phonenumbers
// (libphonenumber's metadata). It is the one place phone numbers are
// normalised: everything stored or looked up is the E.164 form Parse returns.
//
//	n, err := phone.Parse("07700 900047", "44") // the "Country Code" select's value
//	// n.E164 == "+447700900047", n.Kind == phone.Mobile, n.Region == "GB"
//	var perr *phone.Error
//	if errors.As(err, &perr) { /* perr.Reason picks the message */ }
//	phone.Mask(n.E164) // "XXX-XXX-XXX47", for pages and logs
//
// # What is accepted
//
// Input of at most 32 characters made of digits, spaces, hyphens, dots and
// brackets, with an optional leading "+": "07700 900047", "+44 7700 900123",
// "(01603) 222222", "0044 7700 900047", "+44 (0)7700 900047". Letters are
// refused outright (libphonenumber would read "0800 FLOWERS" as digits), and
// so is anything else, such as an extension.
//
// The number must be valid by libphonenumber for its country and of a type we
// can send a code to or call at an ordinary rate: MOBILE, FIXED_LINE, or
// FIXED_LINE_OR_MOBILE (where the metadata cannot tell, as in North America).
// Every other type is refused with ReasonNotCallable: PREMIUM_RATE (09),
// SHARED_COST (084, 087), PERSONAL_NUMBER (070, which forward to anywhere
// and are a known fraud vector), TOLL_FREE (080: cannot receive SMS), UAN
// (03: organisations' switchboards), VOIP (056), PAGER, VOICEMAIL, and
// UNKNOWN.
//
// Exception: Ofcom's ranges reserved for drama, 07700 900000–900999 (mobile)
// and 01632 960000–960999 (landline), are accepted although libphonenumber
// calls them invalid, so that the development seed users (+44 7700 900047)
// and the documentation's examples work. They reach nobody, so a user who
// enrols one in production cannot complete the confirmation step.
//
// # Countries
//
// The countryCode argument is the calling code chosen in the enrolment form's
// "Country Code" select (Countries lists them; United Kingdom, "44", first and
// the default). An input starting with "+" or "00" names its own country.
// Numbers of any listed country are accepted; others get ReasonCountry.
// Whether a deployment should accept non-UK numbers at all is a policy
// decision for later (a Parse option, or a shorter Countries list): today
// the list is short and every number on it is accepted.
package phone
