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

var journeyEntries = []entry{
	{id: ForenameRequired, en: "Please enter your forename",
		cy: "Rhowch eich enw cyntaf"},
	{id: SurnameRequired, en: "Please enter your surname",
		cy: "Rhowch eich cyfenw"},
	{id: RoleRequired, en: "Please enter your role",
		cy: "Rhowch eich rôl"},
	{id: OrganisationRequired, en: "Please enter your organisation",
		cy: "Rhowch eich sefydliad"},
	{id: StreetRequired, en: "Please enter your street",
		cy: "Rhowch eich stryd"},
	{id: TownRequired, en: "Please enter your town",
		cy: "Rhowch eich tref"},
	{id: PostcodeRequired, en: "Please enter your post code",
		cy: "Rhowch eich cod post"},
	{id: PostcodeInvalid, en: "Please enter a valid UK post code, like NR1 2DH",
		cy: "Rhowch god post dilys yn y DU, fel NR1 2DH"},
	{id: ProfessionalInvalid, en: "Please choose yes or no",
		cy: "Dewiswch ydy neu nac ydy"},
	{id: FieldTooLong, en: "This must be 100 characters or fewer",
		cy: "Rhaid i hwn fod yn 100 nod neu lai"},
	{id: EmailInvalid, en: "Please enter a valid email address, like name@example.com",
		cy: "Rhowch gyfeiriad e-bost dilys, fel enw@enghraifft.com"},
	{id: EmailTooLong, en: "Your email address must be 254 characters or fewer",
		cy: "Rhaid i'ch cyfeiriad e-bost fod yn 254 nod neu lai"},
	{id: ConfirmRequired, en: "Please enter your password again",
		cy: "Rhowch eich cyfrinair eto"},
	{id: PasswordsDiffer, en: "The passwords you entered do not match",
		cy: "Nid yw'r cyfrineiriau a roesoch yn cyfateb"},
	{id: EmailCodeRequired, en: "Please enter the 8-digit code from the email",
		cy: "Rhowch y cod 8 digid o'r e-bost"},
	{id: EmailCodeMismatch, en: "The code you have entered does not match our records. Please try again, or request a new code.",
		cy: "Nid yw'r cod a roesoch yn cyfateb i'n cofnodion. Rhowch gynnig arall arni, neu gofynnwch am god newydd."},
	{id: EmailCodeExpired, en: "This code has expired. Please request a new code.",
		cy: "Mae'r cod hwn wedi dod i ben. Gofynnwch am god newydd."},
	{id: EmailCodeTooMany, en: "You have entered the wrong code too many times. Please request a new code.",
		cy: "Rydych wedi rhoi'r cod anghywir ormod o weithiau. Gofynnwch am god newydd."},
	{id: EmailCodeCooldown, en: "We have just sent you a code. Please wait a minute before asking for another.",
		cy: "Rydym newydd anfon cod atoch. Arhoswch funud cyn gofyn am un arall."},
	{id: EmailCodeMaxSends, en: "You have asked for too many codes. Please start again.",
		cy: "Rydych wedi gofyn am ormod o godau. Dechreuwch eto."},
	{id: EmailCodeResent, en: "We have sent you a new code.",
		cy: "Rydym wedi anfon cod newydd atoch."},
	{id: EmailSendFailed, en: "We could not send the email. Please try again.",
		cy: "Ni allem anfon yr e-bost. Rhowch gynnig arall arni."},
	{id: PasswordChangedDone, en: "Your password has been changed. Please sign in with your new password.",
		cy: "Mae eich cyfrinair wedi cael ei newid. Mewngofnodwch gyda'ch cyfrinair newydd."},
	{id: Busy, en: "The service is very busy at the moment. Please wait a few seconds and try again. What you entered has not been saved.",
		cy: "Mae'r gwasanaeth yn brysur iawn ar hyn o bryd. Arhoswch ychydig eiliadau a rhowch gynnig arall arni. Nid yw'r hyn a roesoch wedi cael ei gadw."},
	{id: OldPasswordUnavailable, en: "Sorry, we cannot check your password at the moment. Please try again in a few minutes.",
		cy: "Mae'n ddrwg gennym, ni allwn wirio eich cyfrinair ar hyn o bryd. Rhowch gynnig arall arni ymhen ychydig funudau."},
	{id: PasswordResetNeeded, en: "We have moved to a new sign-in service. To sign in, please reset your password: choose \"Forgot your password?\" below.",
		cy: "Rydym wedi symud i wasanaeth mewngofnodi newydd. I fewngofnodi, ailosodwch eich cyfrinair: dewiswch \"Wedi anghofio eich cyfrinair?\" isod."},
}

// FieldMessage is one field error of a form, with the words to show.
type FieldMessage struct {
	Field   string // the input's id, "" for the form as a whole
	Message Message
}

// Invalid is the error journeys return for a form with mistakes: every field
// error at once, in the order of the form. Nothing was changed.
type Invalid struct{ Fields []FieldMessage }

// Add appends the message id (with args for its verbs) for field.
func (e *Invalid) Add(field string, id ID, args ...any) { e.AddMessage(field, M(id, args...)) }

// AddMessage appends m (such as a password rule) for field.
func (e *Invalid) AddMessage(field string, m Message) {
	e.Fields = append(e.Fields, FieldMessage{Field: field, Message: m})
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
