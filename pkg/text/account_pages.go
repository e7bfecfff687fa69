package text

// The words of the account pages: changing the phone number
// (account_phone.html, account_phone_done.html) and the authenticator app
// (account_app.html); their headings are the pages' titles (titles.go).
// Then the plain-text refusals of requests before any page (internal/web's
// limits), in the reader's language too.
var accountPageEntries = []entry{
	{id: "account.continue", en: "Continue", cy: "Parhau"},
	{id: "account.cancel", en: "Cancel", cy: "Canslo"},

	// Change your phone number.
	{id: "account.phone.current", en: "Your phone number is %s.", cy: "Eich rhif ffôn yw %s."},
	{id: "account.phone.intro", en: "Enter a number below that we can send a code via SMS or phone to authenticate you.",
		cy: "Rhowch rif isod y gallwn anfon cod iddo drwy neges destun (SMS) neu alwad ffôn i'ch dilysu."},
	{id: "account.phone_done.body", en: "From now on we will confirm your identity with %s when you sign in.",
		cy: "O hyn ymlaen, byddwn yn cadarnhau pwy ydych chi gyda %s pan fyddwch yn mewngofnodi."},

	// Your authenticator app.
	{id: "account.app.added", en: "Your authenticator app has been set up.", cy: "Mae eich ap dilysu wedi cael ei sefydlu."},
	{id: "account.app.removed", en: "Your authenticator app has been removed.", cy: "Mae eich ap dilysu wedi cael ei dynnu."},
	{id: "account.app.has_intro", en: "When you sign in, you can confirm your identity with a code from your authenticator app instead of your phone.",
		cy: "Pan fyddwch yn mewngofnodi, gallwch gadarnhau pwy ydych chi gyda chod o'ch ap dilysu yn lle eich ffôn."},
	{id: "account.app.if_removed", en: "If you remove the app, you will confirm your identity with your phone.",
		cy: "Os byddwch yn tynnu'r ap, byddwch yn cadarnhau pwy ydych chi gyda'ch ffôn."},
	{id: "account.app.remove", en: "Remove authenticator app", cy: "Tynnu'r ap dilysu"},
	{id: "account.app.intro", en: "You can use an authenticator app on your phone or computer to confirm your identity when you sign in, instead of a text message or a call. It works without a phone signal.",
		cy: "Gallwch ddefnyddio ap dilysu ar eich ffôn neu'ch cyfrifiadur i gadarnhau pwy ydych chi pan fyddwch yn mewngofnodi, yn lle neges destun neu alwad. Mae'n gweithio heb signal ffôn."},
	{id: "account.app.step_add", en: "1. Add %s to your app", cy: "1. Ychwanegu %s at eich ap"},
	{id: "account.app.this_service", en: "this service", cy: "y gwasanaeth hwn"},
	{id: "account.app.scan", en: "Open your authenticator app, choose to add an account and scan this QR code.",
		cy: "Agorwch eich ap dilysu, dewiswch ychwanegu cyfrif a sganiwch y cod QR hwn."},
	{id: "account.app.qr_alt", en: "QR code to scan with your authenticator app. If you cannot scan it, use the key below.",
		cy: "Cod QR i'w sganio gyda'ch ap dilysu. Os na allwch ei sganio, defnyddiwch yr allwedd isod."},
	{id: "account.app.key", en: "If you cannot scan the QR code, enter this key in your app instead:",
		cy: "Os na allwch sganio'r cod QR, rhowch yr allwedd hon yn eich ap yn lle hynny:"},
	{id: "account.app.step_code", en: "2. Enter the code from your app", cy: "2. Rhowch y cod o'ch ap"},
	{id: "account.app.code_label", en: "Enter the 6-digit code from your app", cy: "Rhowch y cod 6 digid o'ch ap"},

	// The plain-text refusals of requests (internal/web's limits).
	{id: RefusalURITooLong, en: "request URI too long", cy: "mae URI y cais yn rhy hir"},
	// The verb checker reads "% m" as a verb: the Welsh keeps it ("bob % mewn").
	{id: RefusalMalformedQuery, en: "malformed query string: every % must start a valid escape such as %20, and parameters are separated by &",
		cy: "llinyn ymholiad gwallus: rhaid i bob % mewn ymholiad ddechrau dilyniant dianc dilys fel %20, ac mae & yn gwahanu'r paramedrau"},
	{id: RefusalBodyTooLarge, en: "request body too large", cy: "mae corff y cais yn rhy fawr"},
}

// The plain-text refusals of requests no page answers (internal/web's
// limits): their English is what API clients and scripts have always read.
const (
	RefusalURITooLong     ID = "refusal.uri_too_long"
	RefusalMalformedQuery ID = "refusal.malformed_query"
	RefusalBodyTooLarge   ID = "refusal.body_too_large"
)
