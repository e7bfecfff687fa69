package text

// Message IDs of the layout every page shares (ui/templates/layout.html):
// its frame, the blocks several pages use, and the phone's countries.
const (
	BannerSuccess ID = "banner.success"
)

var layoutEntries = []entry{
	{id: "layout.error_prefix", en: "Error:", cy: "Gwall:"},
	{id: "layout.skip_link", en: "Skip to main content", cy: "Neidio i'r prif gynnwys"},
	{id: "layout.service_information", en: "Service information", cy: "Gwybodaeth am y gwasanaeth"},
	{id: "layout.support_links", en: "Support links", cy: "Dolenni cymorth"},
	{id: "layout.language", en: "Language", cy: "Iaith"},
	{id: "phase.alpha", en: "Alpha", cy: "Alffa"},
	{id: "phase.beta", en: "Beta", cy: "Beta", same: true},
	{id: "phase.before_link", en: "This is a new service. Help us improve it and", cy: "Mae hwn yn wasanaeth newydd. Helpwch ni i'w wella a"},
	{id: "phase.link", en: "give your feedback", cy: "rhoi eich adborth"},
	{id: "phase.after_link", en: ".", cy: ".", same: true},
	{id: BannerSuccess, en: "Success", cy: "Llwyddiant"},
	{id: "phone.country_code", en: "Country Code", cy: "Cod Gwlad"},
	{id: "phone.number", en: "Phone Number", cy: "Rhif Ffôn"},
	{id: "country.44", en: "United Kingdom", cy: "Y Deyrnas Unedig"},
	{id: "country.353", en: "Ireland", cy: "Iwerddon"},
	{id: "country.33", en: "France", cy: "Ffrainc"},
	{id: "country.49", en: "Germany", cy: "Yr Almaen"},
	{id: "country.34", en: "Spain", cy: "Sbaen"},
	{id: "country.48", en: "Poland", cy: "Gwlad Pwyl"},
	{id: "phone.send_code", en: "Send Code", cy: "Anfon Cod"},
	{id: "phone.call_me", en: "Call Me", cy: "Ffonio Fi"},
	{id: "confirm.intro.change_phone", en: "Before we change your phone number, we need to check that the new number is yours.",
		cy: "Cyn i ni newid eich rhif ffôn, mae angen i ni wirio mai chi biau'r rhif newydd."},
	{id: "confirm.intro", en: "You need to confirm your identity using your phone number every time you sign in.",
		cy: "Mae angen i chi gadarnhau pwy ydych chi gan ddefnyddio eich rhif ffôn bob tro y byddwch yn mewngofnodi."},
	{id: "confirm.reauth", en: "To change your phone number, first confirm your identity with your current phone. If you cannot use it any more, contact %s and ask an administrator to reset your phone number. You can then sign in and enter your new number.",
		cy: "I newid eich rhif ffôn, cadarnhewch pwy ydych chi yn gyntaf gyda'ch ffôn presennol. Os na allwch ei ddefnyddio mwyach, cysylltwch â %s a gofyn i weinyddwr ailosod eich rhif ffôn. Yna gallwch fewngofnodi a rhoi eich rhif newydd."},
	{id: "council.fallback", en: "the council", cy: "y cyngor"},
	{id: "confirm.reauth_app", en: "To set up or remove an authenticator app, first confirm your identity with your phone.",
		cy: "I sefydlu neu ddileu ap dilysu, cadarnhewch pwy ydych chi yn gyntaf gyda'ch ffôn."},
	{id: "email_code.label", en: "Code *", cy: "Cod *"},
	{id: "button.next", en: "Next", cy: "Nesaf"},
	{id: "email_code.send_new", en: "Please send me a new code", cy: "Anfonwch god newydd ataf"},
	{id: "button.back", en: "Back", cy: "Yn ôl"},
	{id: "error.try_again_in", en: "You can try again in %s.", cy: "Gallwch roi cynnig arall arni ymhen %s."},
	{id: "button.start_again", en: "Start again", cy: "Dechrau eto"},
	{id: "link.back_to_signin", en: "Back to sign in", cy: "Yn ôl i fewngofnodi"},
}
