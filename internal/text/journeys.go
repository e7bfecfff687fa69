package text

// Message IDs of registration and forgotten password (design.md §3.1, §3.4).
// Field names and page text are the guide's; the error wording is carekey's,
// where the guide is silent.
const (
	ForenameRequired     ID = "register.forename.required"
	SurnameRequired      ID = "register.surname.required"
	RoleRequired         ID = "register.role.required"
	OrganisationRequired ID = "register.organisation.required"
	StreetRequired       ID = "register.street.required"
	TownRequired         ID = "register.town.required"
	PostcodeRequired     ID = "register.postcode.required"
	PostcodeInvalid      ID = "register.postcode.invalid"
	ProfessionalInvalid  ID = "register.professional.invalid"
	FieldTooLong         ID = "field.too_long"
	EmailInvalid         ID = "field.email.invalid"
	EmailTooLong         ID = "field.email.too_long"
	ConfirmRequired      ID = "field.confirm_password.required"
	PasswordsDiffer      ID = "field.confirm_password.mismatch"
	EmailCodeRequired    ID = "email_code.required"
	EmailCodeMismatch    ID = "email_code.mismatch"
	EmailCodeExpired     ID = "email_code.expired"
	EmailCodeTooMany     ID = "email_code.too_many_tries"
	EmailCodeCooldown    ID = "email_code.cooldown"
	EmailCodeMaxSends    ID = "email_code.max_sends"
	EmailCodeResent      ID = "email_code.resent"
	EmailSendFailed      ID = "email.send_failed"
	PasswordChangedDone  ID = "recovery.done"
	// Busy: too many passwords are being checked at once (password.ErrBusy).
	Busy ID = "error.busy"
	// Moving off Azure AD B2C (issue 15): a password not yet migrated could
	// not be checked at the old service (signin.ErrOldPasswordUnavailable),
	// or can no longer be (signin.ErrPasswordResetNeeded).
	OldPasswordUnavailable ID = "signin.migration.unavailable"
	PasswordResetNeeded    ID = "signin.migration.reset_needed"
)

var enJourneys = map[ID]string{
	ForenameRequired:       "Please enter your forename",
	SurnameRequired:        "Please enter your surname",
	RoleRequired:           "Please enter your role",
	OrganisationRequired:   "Please enter your organisation",
	StreetRequired:         "Please enter your street",
	TownRequired:           "Please enter your town",
	PostcodeRequired:       "Please enter your post code",
	PostcodeInvalid:        "Please enter a valid UK post code, like NR1 2DH",
	ProfessionalInvalid:    "Please choose yes or no",
	FieldTooLong:           "This must be 100 characters or fewer",
	EmailInvalid:           "Please enter a valid email address, like name@example.com",
	EmailTooLong:           "Your email address must be 254 characters or fewer",
	ConfirmRequired:        "Please enter your password again",
	PasswordsDiffer:        "The passwords you entered do not match",
	EmailCodeRequired:      "Please enter the 8-digit code from the email",
	EmailCodeMismatch:      "The code you have entered does not match our records. Please try again, or request a new code.",
	EmailCodeExpired:       "This code has expired. Please request a new code.",
	EmailCodeTooMany:       "You have entered the wrong code too many times. Please request a new code.",
	EmailCodeCooldown:      "We have just sent you a code. Please wait a minute before asking for another.",
	EmailCodeMaxSends:      "You have asked for too many codes. Please start again.",
	EmailCodeResent:        "We have sent you a new code.",
	EmailSendFailed:        "We could not send the email. Please try again.",
	PasswordChangedDone:    "Your password has been changed. Please sign in with your new password.",
	Busy:                   "The service is very busy at the moment. Please wait a few seconds and try again. What you entered has not been saved.",
	OldPasswordUnavailable: "Sorry, we cannot check your password at the moment. Please try again in a few minutes.",
	PasswordResetNeeded:    "We have moved to a new sign-in service. To sign in, please reset your password: choose \"Forgot your password?\" below.",
}

// FieldMessage is one field error of a form, with the words to show.
type FieldMessage struct {
	Field   string // the input's id, "" for the form as a whole
	Message string
}

// Invalid is the error journeys return for a form with mistakes: every field
// error at once, in the order of the form. Nothing was changed.
type Invalid struct{ Fields []FieldMessage }

// Add appends the words of id for field.
func (e *Invalid) Add(field string, id ID) { e.AddWords(field, Get(id)) }

// AddWords appends words (such as a password rule) for field.
func (e *Invalid) AddWords(field, words string) {
	e.Fields = append(e.Fields, FieldMessage{Field: field, Message: words})
}

// Err returns e, or nil if it holds no error.
func (e *Invalid) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Error names the fields in error (never their values).
func (e *Invalid) Error() string {
	s := "invalid form:"
	for _, f := range e.Fields {
		s += " " + f.Field
	}
	return s
}
