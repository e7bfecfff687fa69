package text

// The words of "Register for a new account" (ui/templates/register_*.html)
// and of "Forgot your password?" (ui/templates/forgot_*.html), in the
// guide's English (design.md §3.1, §3.4). The pages' headings are titles
// (titles.go); their field errors are journeys.go's.
//
// A sentence with a button's name in bold is three messages, the bold words
// between them, so that the bold stays markup, not words in a message:
// "…Press" <strong>Next</strong> "to proceed.". The Welsh parts read in the
// same order around the same bold words.
var registerPageEntries = []entry{
	// The steps of registration ("Step 1 of 3").
	{id: "register.step", en: "Step %d of %d", cy: "Cam %d o %d"},

	// Step 1: the profile.
	{id: "register.profile.mandatory", en: "Fields marked with asterisk are mandatory and must be completed.",
		cy: "Mae'r meysydd sydd wedi'u marcio â seren yn orfodol a rhaid eu llenwi."},
	{id: "register.forename.label", en: "Forename *", cy: "Enw cyntaf *"},
	{id: "register.surname.label", en: "Surname *", cy: "Cyfenw *"},
	{id: "register.professional.legend", en: "Is this account being used in a professional capacity?",
		cy: "A yw'r cyfrif hwn yn cael ei ddefnyddio at ddibenion proffesiynol?"},
	// The answers' words; the values posted stay "yes" and "no".
	// Welsh answers a question with its verb: "A yw…?" "Ydy" / "Nac ydy".
	{id: "register.professional.yes", en: "Yes", cy: "Ydy"},
	{id: "register.professional.no", en: "No", cy: "Nac ydy"},
	{id: "register.role.label", en: "Role *", cy: "Rôl *"},
	{id: "register.organisation.label", en: "Organisation *", cy: "Sefydliad *"},
	{id: "register.address_hint", en: "NB: The address details you add at this stage should be your work address details.",
		cy: "DS: Dylai'r manylion cyfeiriad a roddwch ar y cam hwn fod yn fanylion cyfeiriad eich gwaith."},
	{id: "register.street.label", en: "Street *", cy: "Stryd *"},
	{id: "register.town.label", en: "Town *", cy: "Tref *"},
	{id: "register.postcode.label", en: "Post code *", cy: "Cod post *"},

	// Step 2: the email address and password (and forgot password's new
	// password).
	{id: "register.credentials.intro", en: "Please enter your work email address and enter a password twice. Press",
		cy: "Rhowch eich cyfeiriad e-bost gwaith a rhowch gyfrinair ddwywaith. Pwyswch"},
	// After the bold "Next" of register.credentials.intro and forgot.password.intro.
	{id: "register.to_proceed", en: "to proceed.", cy: "i barhau."},
	{id: "register.email.label", en: "Email address *", cy: "Cyfeiriad e-bost *"},
	{id: "register.password.label", en: "Password *", cy: "Cyfrinair *"},
	{id: "register.confirm_password.label", en: "Confirm password *", cy: "Cadarnhau cyfrinair *"},
	{id: "register.credentials.policy_note", en: "Your password must meet the password policy. Guidance on this policy can be found on screen.",
		cy: "Rhaid i'ch cyfrinair fodloni'r polisi cyfrineiriau. Mae canllawiau ar y polisi hwn i'w gweld ar y sgrin."},
	{id: "register.policy.heading", en: "Password policy", cy: "Polisi cyfrineiriau"},
	{id: "register.policy.intro", en: "Your password must meet the following requirements:",
		cy: "Rhaid i'ch cyfrinair fodloni'r gofynion canlynol:"},

	// Step 3: the emailed code (and forgot password's). The intro is
	// intro, <strong>back</strong>, between, <strong>Please send me a new
	// code</strong> (email_code.send_new), after.
	{id: "register.verify.intro", en: "We have just sent you an email to confirm your email address. Please enter the code this contains below. Use the",
		cy: "Rydym newydd anfon e-bost atoch i gadarnhau eich cyfeiriad e-bost. Rhowch y cod sydd ynddo isod. Defnyddiwch y botwm"},
	{id: "register.verify.back", en: "back", cy: "yn ôl"},
	{id: "register.verify.between", en: "button below if you would like to change your email address and try again or",
		cy: "isod os hoffech newid eich cyfeiriad e-bost a rhoi cynnig arall arni, neu"},
	{id: "register.verify.after", en: "if you need another one.", cy: "os oes angen un arall arnoch."},
	{id: "register.verify.spam", en: "If you can't find this email, it may be in your spam/junk email folder.",
		cy: "Os na allwch ddod o hyd i'r e-bost hwn, efallai ei fod yn eich ffolder sbam/sothach."},

	// Forgot your password?
	{id: "forgot.email.intro", en: "Enter the email address of your account. We will email you a code so that you can choose a new password.",
		cy: "Rhowch gyfeiriad e-bost eich cyfrif. Byddwn yn anfon cod atoch drwy e-bost er mwyn i chi allu dewis cyfrinair newydd."},
	{id: "forgot.verify.intro", en: "If an account uses this email address, we have just sent it an email with a code. Please enter the code this contains below. Use the",
		cy: "Os oes cyfrif yn defnyddio'r cyfeiriad e-bost hwn, rydym newydd anfon e-bost ato gyda chod. Rhowch y cod sydd ynddo isod. Defnyddiwch y botwm"},
	{id: "forgot.password.heading", en: "Choose a new password", cy: "Dewiswch gyfrinair newydd"},
	{id: "forgot.password.intro", en: "Please enter a new password twice. Press",
		cy: "Rhowch gyfrinair newydd ddwywaith. Pwyswch"},
}
