package text

// Message IDs the sign-in handlers use themselves (the templates name the
// rest of their words by ID).
const (
	// BusyHeading is the heading of the page for Busy.
	BusyHeading ID = "signin.busy.heading"
)

// signinPageEntries word the sign-in pages (signin*.html), the signed-in
// home (signed_in.html) and signing out (confirm_logout.html,
// logged_out.html). Their headings are the titles (titles.go); the words
// shared with other pages (Send Code, Phone Number, Code *) are the
// layout's (layout.go).
var signinPageEntries = []entry{
	{id: BusyHeading, en: "Sorry, the service is busy",
		cy: "Mae'n ddrwg gennym, mae'r gwasanaeth yn brysur"},

	// signin.html
	{id: "signin.again.change_phone", en: "To change your phone number, please sign in again.",
		cy: "I newid eich rhif ffôn, mewngofnodwch eto."},
	{id: "signin.again.change_app", en: "To set up or remove an authenticator app, please sign in again.",
		cy: "I sefydlu neu ddileu ap dilysu, mewngofnodwch eto."},
	{id: "signin.registered", en: "Your account has been created. Sign in to continue.",
		cy: "Mae eich cyfrif wedi cael ei greu. Mewngofnodwch i barhau."},
	{id: "signin.email.label", en: "Email address", cy: "Cyfeiriad e-bost"},
	{id: "signin.password.label", en: "Password", cy: "Cyfrinair"},
	{id: "signin.button", en: "Sign in", cy: "Mewngofnodi"},
	{id: "signin.no_account", en: "Don't have an account?", cy: "Nid oes gennych gyfrif?"},
	{id: "signin.sign_up", en: "Sign up now", cy: "Cofrestrwch nawr"},

	// The buttons of the phone steps.
	{id: "signin.continue", en: "Continue", cy: "Parhau"},
	{id: "signin.cancel", en: "Cancel", cy: "Canslo"},
	{id: "signin.verify_code", en: "Verify Code", cy: "Gwirio Cod"},

	// signin_enrol_email.html: the paragraph names the buttons below it
	// (in bold), so it is in pieces around them.
	{id: "signin.enrol_email.intro", en: "Before you add a phone number, we need to check that this account is yours. We have just sent an email with a code to the email address you registered with. Please enter the code this contains below. Use",
		cy: "Cyn i chi ychwanegu rhif ffôn, mae angen i ni wirio mai chi biau'r cyfrif hwn. Rydym newydd anfon e-bost gyda chod i'r cyfeiriad e-bost y gwnaethoch gofrestru ag ef. Rhowch y cod sydd ynddo isod. Defnyddiwch"},
	{id: "signin.enrol_email.another", en: "if you need another one, or the",
		cy: "os oes angen un arall arnoch, neu'r botwm"},
	{id: "signin.enrol_email.back", en: "back", cy: "yn ôl"},
	{id: "signin.enrol_email.stop", en: "button below to stop signing in.",
		cy: "isod i roi'r gorau i fewngofnodi."},
	{id: "signin.enrol_email.spam", en: "If you can't find this email, it may be in your spam/junk email folder.",
		cy: "Os na allwch ddod o hyd i'r e-bost hwn, efallai ei fod yn eich ffolder sbam/e-bost sothach."},

	// signin_enrol.html
	{id: "signin.enrol.intro", en: "Enter a number below that we can send a code via SMS or phone to authenticate you.",
		cy: "Rhowch rif isod y gallwn anfon cod iddo drwy neges destun neu alwad ffôn i'ch dilysu."},

	// signin_confirm.html
	{id: "signin.confirm.landline", en: "This is a landline number, so we will call you rather than send a text message.",
		cy: "Rhif llinell dir yw hwn, felly byddwn yn eich ffonio yn hytrach nag anfon neges destun."},
	{id: "signin.confirm.use_app", en: "Use your authenticator app", cy: "Defnyddio eich ap dilysu"},
	{id: "signin.confirm.different_number", en: "Enter a different number", cy: "Rhoi rhif gwahanol"},

	// signin_code.html
	{id: "signin.code.label", en: "Enter your verification code below, or send a new code",
		cy: "Rhowch eich cod dilysu isod, neu anfonwch god newydd"},
	{id: "signin.code.send_new", en: "send a new code", cy: "anfon cod newydd"},

	// signin_call.html: %s is the masked phone number.
	{id: "signin.call.calling", en: "We are calling %s. Answer the call and press the # key when you are asked to.",
		cy: "Rydym yn ffonio %s. Atebwch yr alwad a phwyswch yr allwedd # pan ofynnir i chi wneud hynny."},
	{id: "signin.call.waiting", en: "Waiting for you to answer the call…", cy: "Yn aros i chi ateb yr alwad…"},
	{id: "signin.call.send_code", en: "Send a code by text message instead",
		cy: "Anfon cod drwy neges destun yn lle hynny"},

	// signin_app.html: %s is the service's name, or the words of
	// signin.app.this_service.
	{id: "signin.app.intro", en: "Open the authenticator app you set up for %s and enter the code it shows now.",
		cy: "Agorwch yr ap dilysu y gwnaethoch ei sefydlu ar gyfer %s a rhowch y cod y mae'n ei ddangos nawr."},
	{id: "signin.app.this_service", en: "this service", cy: "y gwasanaeth hwn"},
	{id: "signin.app.code_label", en: "Enter the 6-digit code from your app", cy: "Rhowch y cod 6 digid o'ch ap"},
	{id: "signin.app.use_phone", en: "If you cannot use your app, confirm your identity with your phone instead.",
		cy: "Os na allwch ddefnyddio eich ap, cadarnhewch pwy ydych chi gyda'ch ffôn yn lle hynny."},

	// signed_in.html: the service's name and the user's email address.
	{id: "signed_in.as", en: "You are signed in to %s as %s.", cy: "Rydych wedi mewngofnodi i %s fel %s."},

	// logged_out.html and confirm_logout.html: %s is the service's name.
	{id: "logout.done", en: "You have signed out of %s. You can close this window.",
		cy: "Rydych wedi allgofnodi o %s. Gallwch gau'r ffenestr hon."},
	{id: "logout.sign_in_again", en: "Sign in again", cy: "Mewngofnodi eto"},
	{id: "logout.confirm", en: "Do you want to sign out of %s? You will need to sign in again to use any service that uses it.",
		cy: "Ydych chi am allgofnodi o %s? Bydd angen i chi fewngofnodi eto i ddefnyddio unrhyw wasanaeth sy'n ei ddefnyddio."},
	{id: "logout.stay", en: "Stay signed in", cy: "Aros wedi mewngofnodi"},
}
