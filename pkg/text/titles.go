package text

// Message IDs of the pages' titles and headings set by code (the templates
// word the rest of each page themselves), and of the words of a wait.
const (
	TitleSignIn          ID = "title.signin"
	TitleSignedIn        ID = "title.signed_in"
	TitleSignedOut       ID = "title.signed_out"
	TitleSignOut         ID = "title.sign_out"
	TitleConfirmIdentity ID = "title.confirm_identity"
	TitleChangePhone     ID = "title.change_phone"
	TitlePhoneChanged    ID = "title.phone_changed"
	TitlePasswordChanged ID = "title.password_changed"
	TitleRegister        ID = "title.register"
	TitleForgotPassword  ID = "title.forgot_password"
	TitleCreateAccount   ID = "title.create_account"
	TitleSetUpApp        ID = "title.app_setup"
	TitleYourApp         ID = "title.app"
	RegistrationSoon     ID = "register.coming_soon"
	RecoverySoon         ID = "recovery.coming_soon"
	WaitOneMinute        ID = "wait.one_minute"
	WaitMinutes          ID = "wait.minutes"
	WaitHours            ID = "wait.hours"
)

var titleEntries = []entry{
	{id: TitleSignIn, en: "Sign in", cy: "Mewngofnodi"},
	{id: TitleSignedIn, en: "You are signed in", cy: "Rydych wedi mewngofnodi"},
	{id: TitleSignedOut, en: "You have signed out", cy: "Rydych wedi allgofnodi"},
	{id: TitleSignOut, en: "Sign out", cy: "Allgofnodi"},
	{id: TitleConfirmIdentity, en: "Confirm your identity", cy: "Cadarnhau pwy ydych chi"},
	{id: TitleChangePhone, en: "Change your phone number", cy: "Newid eich rhif ffôn"},
	{id: TitlePhoneChanged, en: "Your phone number has been changed", cy: "Mae eich rhif ffôn wedi cael ei newid"},
	{id: TitlePasswordChanged, en: "Your password has been changed", cy: "Mae eich cyfrinair wedi cael ei newid"},
	{id: TitleRegister, en: "Register for a new account", cy: "Cofrestru am gyfrif newydd"},
	{id: TitleForgotPassword, en: "Forgot your password?", cy: "Wedi anghofio eich cyfrinair?"},
	{id: TitleCreateAccount, en: "Create an account", cy: "Creu cyfrif"},
	{id: TitleSetUpApp, en: "Set up an authenticator app", cy: "Sefydlu ap dilysu"},
	{id: TitleYourApp, en: "Your authenticator app", cy: "Eich ap dilysu"},
	{id: RegistrationSoon, en: "Registration is not available yet. Please ask the council to create your account.",
		cy: "Nid yw cofrestru ar gael eto. Gofynnwch i'r cyngor greu eich cyfrif."},
	{id: RecoverySoon, en: "Password reset is not available yet. Please contact the council to reset your password.",
		cy: "Nid yw ailosod cyfrinair ar gael eto. Cysylltwch â'r cyngor i ailosod eich cyfrinair."},
	{id: WaitOneMinute, en: "1 minute", cy: "1 funud"},
	{id: WaitMinutes, en: "about %d minutes", cy: "tua %d munud"},
	{id: WaitHours, en: "about %d hours", cy: "tua %d awr"},
}
