// Package text maps stable message IDs to the exact words users see. The words
// come from the council's user guides (shared/seeds) or, where the guides are
// silent, from the hosted service carekey replaces. Code refers to messages by
// ID; only this package holds the wording, so a Welsh translation can follow.
//
//	page.Error(text.SignInFailed, "email")
package text

// ID identifies a user-facing message.
type ID string

// Message IDs.
const (
	SignInFailed        ID = "signin.failed"
	EmailRequired       ID = "field.email.required"
	PasswordRequired    ID = "field.password.required"
	FlowExpired         ID = "flow.expired"
	FormOutOfDate       ID = "flow.csrf"
	SomethingWentWrong  ID = "error.internal"
	ServiceUnavailable  ID = "error.unavailable"
	BadRequest          ID = "error.bad_request"
	NotFound            ID = "error.not_found"
	LinkInvalid         ID = "signin.link_invalid"
	TooManyRequests     ID = "error.rate_limited"
	ErrorSummaryHeading ID = "error.summary"
	CodeRequired        ID = "mfa.code.required"
	CodeMismatch        ID = "mfa.code.mismatch"
	PhoneInvalid        ID = "mfa.phone.invalid"
	PhoneUnavailable    ID = "mfa.phone.unavailable"
	ChannelUnavailable  ID = "mfa.channel.unavailable"
	CallFailed          ID = "mfa.call.failed"
	CallPending         ID = "mfa.call.pending"
	PhoneSame           ID = "mfa.phone.same"
	// Why a number was refused, each after PhoneInvalid's words.
	PhoneTooShort       ID = "mfa.phone.too_short"
	PhoneTooLong        ID = "mfa.phone.too_long"
	PhoneCharacters     ID = "mfa.phone.characters"
	PhoneNotInUse       ID = "mfa.phone.not_in_use"
	PhoneNotCallable    ID = "mfa.phone.not_callable"
	PhoneCountry        ID = "mfa.phone.country"
	PhoneChangeNotYours ID = "account.phone.not_yours"
	// The authenticator app (issue 16): a code missing or malformed, a code
	// that does not match (wrong, too old or already used: one message),
	// and a set-up page left open too long.
	AppCodeRequired ID = "mfa.app.code.required"
	AppCodeMismatch ID = "mfa.app.code.mismatch"
	AppSetupExpired ID = "account.app.setup_expired"
)

var en = map[ID]string{
	SignInFailed:        "The email address or password you entered is incorrect.",
	EmailRequired:       "Please enter your email address",
	PasswordRequired:    "Please enter your password",
	FlowExpired:         "Your session on this page has expired. Please start again.",
	FormOutOfDate:       "This form is out of date. Please try again.",
	SomethingWentWrong:  "Sorry, something went wrong. Please try again.",
	ServiceUnavailable:  "Sorry, the service is unavailable at the moment. Please try again in a few minutes.",
	BadRequest:          "Sorry, we could not understand that request.",
	NotFound:            "Page not found",
	LinkInvalid:         "This sign-in link is not valid or has expired. Please go back to the service you came from and try again.",
	TooManyRequests:     "Too many attempts. Please wait a few minutes and try again.",
	ErrorSummaryHeading: "There is a problem",
	CodeRequired:        "Please enter the 6-digit code you received",
	CodeMismatch:        "The verification code you have entered does not match our records. Please try again, or request a new code.",
	PhoneInvalid:        "Please enter a valid phone number",
	PhoneUnavailable:    "The phone number you provided is busy or unavailable. Please check the number and try again.",
	ChannelUnavailable:  "This way of confirming your identity is not available. Please use the other option on this page.",
	CallFailed:          "We could not confirm your identity by phone because the call was not answered or # was not pressed. Please try again, or choose Send Code.",
	CallPending:         "We have not yet heard that you pressed #. Answer the call and press the # key, then select Continue.",
	PhoneSame:           "This is already your phone number. Please enter a different number.",
	PhoneTooShort:       "Please enter a valid phone number. The number you entered is too short.",
	PhoneTooLong:        "Please enter a valid phone number. The number you entered is too long.",
	PhoneCharacters:     "Please enter a valid phone number. Use only digits, spaces and hyphens.",
	PhoneNotInUse:       "Please enter a valid phone number. This is not a number in use in the country you chose.",
	PhoneNotCallable:    "Please enter a valid phone number. We cannot send codes to or call this kind of number (such as premium-rate or shared-cost numbers): use a mobile or landline number.",
	PhoneCountry:        "Please enter a valid phone number. Choose a country from the list.",
	PhoneChangeNotYours: "You are not signed in as the person who started this change, or your sign-in has ended. Please sign in and start again.",
	AppCodeRequired:     "Please enter the 6-digit code from your authenticator app",
	AppCodeMismatch:     "The code you have entered does not match. Please enter the code your authenticator app shows now.",
	AppSetupExpired:     "This set-up page has expired. We have made a new code to scan: please add it to your app again.",
}

// Get returns the English words for id (the ID itself if unknown, so a missing
// message is visible rather than blank).
func Get(id ID) string {
	if s, ok := en[id]; ok {
		return s
	}
	if s, ok := enJourneys[id]; ok { // journeys.go
		return s
	}
	if s, ok := enPages[id]; ok { // pages.go
		return s
	}
	return string(id)
}
