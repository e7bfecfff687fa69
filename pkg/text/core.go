package text

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

var coreEntries = []entry{
	{id: SignInFailed, en: "The email address or password you entered is incorrect.",
		cy: "Mae'r cyfeiriad e-bost neu'r cyfrinair a roesoch yn anghywir."},
	{id: EmailRequired, en: "Please enter your email address",
		cy: "Rhowch eich cyfeiriad e-bost"},
	{id: PasswordRequired, en: "Please enter your password",
		cy: "Rhowch eich cyfrinair"},
	{id: FlowExpired, en: "Your session on this page has expired. Please start again.",
		cy: "Mae eich sesiwn ar y dudalen hon wedi dod i ben. Dechreuwch eto."},
	{id: FormOutOfDate, en: "This form is out of date. Please try again.",
		cy: "Mae'r ffurflen hon wedi dyddio. Rhowch gynnig arall arni."},
	{id: SomethingWentWrong, en: "Sorry, something went wrong. Please try again.",
		cy: "Mae'n ddrwg gennym, aeth rhywbeth o'i le. Rhowch gynnig arall arni."},
	{id: ServiceUnavailable, en: "Sorry, the service is unavailable at the moment. Please try again in a few minutes.",
		cy: "Mae'n ddrwg gennym, nid yw'r gwasanaeth ar gael ar hyn o bryd. Rhowch gynnig arall arni ymhen ychydig funudau."},
	{id: BadRequest, en: "Sorry, we could not understand that request.",
		cy: "Mae'n ddrwg gennym, ni allem ddeall y cais hwnnw."},
	{id: NotFound, en: "Page not found",
		cy: "Heb ddod o hyd i'r dudalen"},
	{id: LinkInvalid, en: "This sign-in link is not valid or has expired. Please go back to the service you came from and try again.",
		cy: "Nid yw'r ddolen fewngofnodi hon yn ddilys neu mae wedi dod i ben. Ewch yn ôl i'r gwasanaeth y daethoch ohono a rhowch gynnig arall arni."},
	{id: TooManyRequests, en: "Too many attempts. Please wait a few minutes and try again.",
		cy: "Gormod o ymdrechion. Arhoswch ychydig funudau a rhowch gynnig arall arni."},
	{id: ErrorSummaryHeading, en: "There is a problem",
		cy: "Mae problem wedi codi"},
	{id: CodeRequired, en: "Please enter the 6-digit code you received",
		cy: "Rhowch y cod 6 digid a gawsoch"},
	{id: CodeMismatch, en: "The verification code you have entered does not match our records. Please try again, or request a new code.",
		cy: "Nid yw'r cod dilysu a roesoch yn cyfateb i'n cofnodion. Rhowch gynnig arall arni, neu gofynnwch am god newydd."},
	{id: PhoneInvalid, en: "Please enter a valid phone number",
		cy: "Rhowch rif ffôn dilys"},
	{id: PhoneUnavailable, en: "The phone number you provided is busy or unavailable. Please check the number and try again.",
		cy: "Mae'r rhif ffôn a roesoch yn brysur neu ddim ar gael. Gwiriwch y rhif a rhowch gynnig arall arni."},
	{id: ChannelUnavailable, en: "This way of confirming your identity is not available. Please use the other option on this page.",
		cy: "Nid yw'r ffordd hon o gadarnhau pwy ydych chi ar gael. Defnyddiwch yr opsiwn arall ar y dudalen hon."},
	{id: CallFailed, en: "We could not confirm your identity by phone because the call was not answered or # was not pressed. Please try again, or choose Send Code.",
		cy: "Ni allem gadarnhau pwy ydych chi dros y ffôn oherwydd ni chafodd yr alwad ei hateb neu ni chafodd # ei bwyso. Rhowch gynnig arall arni, neu dewiswch Anfon Cod."},
	{id: CallPending, en: "We have not yet heard that you pressed #. Answer the call and press the # key, then select Continue.",
		cy: "Nid ydym wedi clywed eto eich bod wedi pwyso #. Atebwch yr alwad a phwyswch yr allwedd #, yna dewiswch Parhau."},
	{id: PhoneSame, en: "This is already your phone number. Please enter a different number.",
		cy: "Dyma eich rhif ffôn yn barod. Rhowch rif gwahanol."},
	{id: PhoneTooShort, en: "Please enter a valid phone number. The number you entered is too short.",
		cy: "Rhowch rif ffôn dilys. Mae'r rhif a roesoch yn rhy fyr."},
	{id: PhoneTooLong, en: "Please enter a valid phone number. The number you entered is too long.",
		cy: "Rhowch rif ffôn dilys. Mae'r rhif a roesoch yn rhy hir."},
	{id: PhoneCharacters, en: "Please enter a valid phone number. Use only digits, spaces and hyphens.",
		cy: "Rhowch rif ffôn dilys. Defnyddiwch ddigidau, bylchau a chysylltnodau yn unig."},
	{id: PhoneNotInUse, en: "Please enter a valid phone number. This is not a number in use in the country you chose.",
		cy: "Rhowch rif ffôn dilys. Nid yw hwn yn rhif sy'n cael ei ddefnyddio yn y wlad a ddewisoch."},
	{id: PhoneNotCallable, en: "Please enter a valid phone number. We cannot send codes to or call this kind of number (such as premium-rate or shared-cost numbers): use a mobile or landline number.",
		cy: "Rhowch rif ffôn dilys. Ni allwn anfon codau i'r math hwn o rif na'i ffonio (fel rhifau cyfradd premiwm neu gost a rennir): defnyddiwch rif ffôn symudol neu linell dir."},
	{id: PhoneCountry, en: "Please enter a valid phone number. Choose a country from the list.",
		cy: "Rhowch rif ffôn dilys. Dewiswch wlad o'r rhestr."},
	{id: PhoneChangeNotYours, en: "You are not signed in as the person who started this change, or your sign-in has ended. Please sign in and start again.",
		cy: "Nid ydych wedi mewngofnodi fel y person a ddechreuodd y newid hwn, neu mae eich sesiwn wedi dod i ben. Mewngofnodwch a dechrau eto."},
	{id: AppCodeRequired, en: "Please enter the 6-digit code from your authenticator app",
		cy: "Rhowch y cod 6 digid o'ch ap dilysu"},
	{id: AppCodeMismatch, en: "The code you have entered does not match. Please enter the code your authenticator app shows now.",
		cy: "Nid yw'r cod a roesoch yn cyfateb. Rhowch y cod y mae eich ap dilysu yn ei ddangos nawr."},
	{id: AppSetupExpired, en: "This set-up page has expired. We have made a new code to scan: please add it to your app again.",
		cy: "Mae'r dudalen sefydlu hon wedi dod i ben. Rydym wedi creu cod newydd i'w sganio: ychwanegwch ef at eich ap eto."},
}
