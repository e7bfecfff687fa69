package text

// notifyEntries words the emails, text messages and voice calls of
// internal/notify. The first %s of a subject is the service's name.
//
// The council's name reaches a sentence through one of the notify.council.*
// entries, because Welsh changes the words before it: "cysylltwch %s" is
// "cysylltwch â Norfolk County Council", "cysylltwch ag Anglesey County
// Council" (before a vowel) or "cysylltwch â'r cyngor" (no name configured).
// The English of those entries is the name alone ("contact %s").
// Replies said on a call after its key press (internal/web's voice webhook).
const (
	CallConfirmed ID = "notify.call.confirmed"
	CallNotHash   ID = "notify.call.not_hash"
)

var notifyEntries = []entry{
	// The council's name in a sentence.
	{id: "notify.council.unnamed", en: "the council", cy: "y cyngor"},
	{id: "notify.council.with", en: "%s", cy: "â %s"},
	{id: "notify.council.with_vowel", en: "%s", cy: "ag %s"},
	{id: "notify.council.with_unnamed", en: "the council", cy: "â'r cyngor"},

	// Sentences several messages share.
	{id: "notify.code_expires", en: "The code expires in %d minutes.",
		cy: "Bydd y cod yn dod i ben ymhen %d munud."},
	{id: "notify.ignore", en: "If you did not ask for this, you can ignore this email.",
		cy: "Os na wnaethoch ofyn am hyn, gallwch anwybyddu'r e-bost hwn."},
	{id: "notify.not_you", en: "If this wasn't you, contact %s straight away.",
		cy: "Os nad chi oedd hyn, cysylltwch %s ar unwaith."},
	{id: "notify.set_up_by_you", en: "If you set it up, you do not need to do anything.",
		cy: "Os gwnaethoch chi ei sefydlu, nid oes angen i chi wneud unrhyw beth."},
	{id: "notify.changed_by_you", en: "If you changed it, you do not need to do anything.",
		cy: "Os gwnaethoch chi ei newid, nid oes angen i chi wneud unrhyw beth."},

	// VerifyEmail.
	{id: "notify.verify_email.subject", en: "%s: confirm your email address",
		cy: "%s: cadarnhau eich cyfeiriad e-bost"},
	{id: "notify.verify_email.use_code", en: "Use this code to confirm your email address for %s:",
		cy: "Defnyddiwch y cod hwn i gadarnhau eich cyfeiriad e-bost ar gyfer %s:"},

	// AlreadyRegistered. Its "Sign in" link is TitleSignIn.
	{id: "notify.already_registered.subject", en: "%s: you already have an account",
		cy: "%s: mae gennych gyfrif yn barod"},
	{id: "notify.already_registered.tried", en: "Someone tried to register for %s with this email address.",
		cy: "Mae rhywun wedi ceisio cofrestru ar gyfer %s gyda'r cyfeiriad e-bost hwn."},
	{id: "notify.already_registered.have_account", en: "You already have an account, so you do not need to register again.",
		cy: "Mae gennych gyfrif yn barod, felly nid oes angen i chi gofrestru eto."},
	{id: "notify.already_registered.reset", en: "If you have forgotten your password, you can reset it",
		cy: "Os ydych wedi anghofio eich cyfrinair, gallwch ei ailosod"},
	{id: "notify.already_registered.ignore", en: "If you did not ask for this, you can ignore this email. Your account has not changed.",
		cy: "Os na wnaethoch ofyn am hyn, gallwch anwybyddu'r e-bost hwn. Nid yw eich cyfrif wedi newid."},

	// PasswordResetCode.
	{id: "notify.password_reset.subject", en: "%s: reset your password",
		cy: "%s: ailosod eich cyfrinair"},
	{id: "notify.password_reset.use_code", en: "Use this code to reset your password for %s:",
		cy: "Defnyddiwch y cod hwn i ailosod eich cyfrinair ar gyfer %s:"},
	{id: "notify.password_reset.ignore", en: "If you did not ask for this, you can ignore this email. Your password has not changed.",
		cy: "Os na wnaethoch ofyn am hyn, gallwch anwybyddu'r e-bost hwn. Nid yw eich cyfrinair wedi newid."},

	// PasswordChanged.
	{id: "notify.password_changed.subject", en: "%s: your password has been changed",
		cy: "%s: mae eich cyfrinair wedi cael ei newid"},
	{id: "notify.password_changed.body", en: "The password for your %s account has been changed.",
		cy: "Mae'r cyfrinair ar gyfer eich cyfrif %s wedi cael ei newid."},
	{id: "notify.password_changed.not_you", en: "If you did not change it, contact %s straight away.",
		cy: "Os na wnaethoch chi ei newid, cysylltwch %s ar unwaith."},

	// PhoneChanged.
	{id: "notify.phone_changed.subject", en: "%s: your phone number has been changed",
		cy: "%s: mae eich rhif ffôn wedi cael ei newid"},
	{id: "notify.phone_changed.body", en: "The phone number for your %s account has been changed.",
		cy: "Mae'r rhif ffôn ar gyfer eich cyfrif %s wedi cael ei newid."},

	// PhoneEnrolCode.
	{id: "notify.phone_enrol_code.subject", en: "%s: confirm it is you",
		cy: "%s: cadarnhau mai chi sydd yno"},
	{id: "notify.phone_enrol_code.use_code", en: "Use this code to set up the phone number you confirm your sign-ins with for %s:",
		cy: "Defnyddiwch y cod hwn i sefydlu'r rhif ffôn y byddwch yn cadarnhau eich mewngofnodi gydag ef ar gyfer %s:"},
	{id: "notify.phone_enrol_code.not_you", en: "If you did not just sign in, someone else knows your password. Reset your password and contact %s straight away.",
		cy: "Os nad ydych newydd fewngofnodi, mae rhywun arall yn gwybod eich cyfrinair. Ailosodwch eich cyfrinair a chysylltwch %s ar unwaith."},

	// PhoneEnrolled.
	{id: "notify.phone_enrolled.subject", en: "%s: a phone number has been set up",
		cy: "%s: mae rhif ffôn wedi cael ei sefydlu"},
	{id: "notify.phone_enrolled.body", en: "A phone number has been set up for your %s account. You will confirm your sign-ins with it.",
		cy: "Mae rhif ffôn wedi cael ei sefydlu ar gyfer eich cyfrif %s. Byddwch yn cadarnhau eich mewngofnodi gydag ef."},

	// AppAdded.
	{id: "notify.app_added.subject", en: "%s: an authenticator app has been set up",
		cy: "%s: mae ap dilysu wedi cael ei sefydlu"},
	{id: "notify.app_added.body", en: "An authenticator app has been set up for your %s account. You can now confirm your sign-ins with a code from it.",
		cy: "Mae ap dilysu wedi cael ei sefydlu ar gyfer eich cyfrif %s. Gallwch nawr gadarnhau eich mewngofnodi gyda chod ohono."},

	// AppRemoved.
	{id: "notify.app_removed.subject", en: "%s: your authenticator app has been removed",
		cy: "%s: mae eich ap dilysu wedi cael ei dynnu"},
	{id: "notify.app_removed.body", en: "The authenticator app has been removed from your %s account. You will confirm your sign-ins with your phone.",
		cy: "Mae'r ap dilysu wedi cael ei dynnu o'ch cyfrif %s. Byddwch yn cadarnhau eich mewngofnodi gyda'ch ffôn."},
	{id: "notify.app_removed.by_you", en: "If you removed it, or asked for it to be removed, you do not need to do anything.",
		cy: "Os gwnaethoch chi ei dynnu, neu ofyn iddo gael ei dynnu, nid oes angen i chi wneud unrhyw beth."},

	// AccountLocked.
	{id: "notify.account_locked.subject", en: "%s: your account has been locked",
		cy: "%s: mae eich cyfrif wedi cael ei gloi"},
	{id: "notify.account_locked.body", en: "Your %s account has been locked for a while because of too many wrong attempts to sign in.",
		cy: "Mae eich cyfrif %s wedi cael ei gloi am gyfnod oherwydd gormod o ymdrechion anghywir i fewngofnodi."},
	{id: "notify.account_locked.was_you", en: "If this was you, you can wait and try again later, or reset your password now. Resetting your password unlocks your account.",
		cy: "Os mai chi oedd hyn, gallwch aros a rhoi cynnig arall arni yn nes ymlaen, neu ailosod eich cyfrinair nawr. Mae ailosod eich cyfrinair yn datgloi eich cyfrif."},
	{id: "notify.account_locked.reset", en: "Reset your password",
		cy: "Ailosod eich cyfrinair"},
	{id: "notify.account_locked.not_you", en: "If this wasn't you, someone may be trying to get into your account. Reset your password and contact %s.",
		cy: "Os nad chi oedd hyn, efallai bod rhywun yn ceisio mynd i mewn i'ch cyfrif. Ailosodwch eich cyfrinair a chysylltwch %s."},

	// Text messages: the service's name, then the council's.
	{id: "notify.sms.phone_changed", en: "Your phone number for %s was changed. If this wasn't you, contact %s straight away.",
		cy: "Cafodd eich rhif ffôn ar gyfer %s ei newid. Os nad chi oedd hyn, cysylltwch %s ar unwaith."},
	// The code, the service's name, the minutes.
	{id: "notify.sms.sign_in_code", en: "%s is your %s verification code. It expires in %d minutes. Do not share it.",
		cy: "%s yw eich cod dilysu %s. Bydd yn dod i ben ymhen %d munud. Peidiwch â'i rannu."},

	// Voice calls, spoken: the council's name, then the service's. "#" is
	// spoken as "the hash key" ("yr allwedd stwnsh").
	{id: "notify.call.sign_in", en: "This is %s's %s. Someone is signing in to your account. " +
		"If this is you, press the hash key now. If it is not you, hang up.",
		cy: "Galwad gan %s am %s yw hon. Mae rhywun yn mewngofnodi i'ch cyfrif. " +
			"Os mai chi sydd yno, pwyswch yr allwedd stwnsh nawr. Os nad chi sydd yno, rhowch y ffôn i lawr."},
	{id: "notify.call.phone_change", en: "This is %s's %s. Someone is adding this number to their account. " +
		"If this is you, press the hash key now. If it is not you, hang up.",
		cy: "Galwad gan %s am %s yw hon. Mae rhywun yn ychwanegu'r rhif hwn at eu cyfrif. " +
			"Os mai chi sydd yno, pwyswch yr allwedd stwnsh nawr. Os nad chi sydd yno, rhowch y ffôn i lawr."},
	{id: "notify.call.no_key_press", en: "We did not receive a key press. Goodbye.",
		cy: "Ni wnaethoch bwyso unrhyw allwedd. Hwyl fawr."},
	// The answers to the key pressed (internal/web's Call Me webhook).
	{id: CallConfirmed, en: "Thank you. You can now return to the screen.",
		cy: "Diolch. Gallwch nawr fynd yn ôl i'r sgrin."},
	{id: CallNotHash, en: "That was not the hash key, so we have not confirmed your sign-in. Goodbye.",
		cy: "Nid yr allwedd stwnsh oedd honno, felly nid ydym wedi cadarnhau eich mewngofnodi. Hwyl fawr."},
}
