package text

// Message IDs of the pages' frame (the footer) and of the pages carekey shows
// for an HTTP status rather than a journey step (404, 405, 5xx and a sign-in
// link it cannot follow). Words where the guides are silent follow the GOV.UK
// Design System's page patterns. A %s is filled in with Getf.
const (
	FooterHelp          ID = "footer.help"
	FooterAccessibility ID = "footer.accessibility"
	FooterPrivacy       ID = "footer.privacy"
	FooterCookies       ID = "footer.cookies"
	FooterContact       ID = "footer.contact"
	// FooterProvidedBy takes the service's and the council's names.
	FooterProvidedBy ID = "footer.provided_by"

	NotFoundDetail          ID = "error.not_found.detail"
	MethodNotAllowedHeading ID = "error.method_not_allowed.heading"
	MethodNotAllowed        ID = "error.method_not_allowed"
	ProblemHeading          ID = "error.heading"
	UnavailableHeading      ID = "error.unavailable.heading"
	LinkProblemHeading      ID = "error.link.heading"
	// GoHome is the link from a status page to the service's start.
	GoHome ID = "error.go_home"
	// TryAgain is the button from a page carekey could not answer now (an
	// outage, a busy or failing server) back to the page the person was on.
	TryAgain ID = "error.try_again"
	// ContactCouncil is the sentence before a link to the council's contact
	// page, which ContactCouncilLink words (with the council's name).
	ContactCouncil     ID = "error.contact"
	ContactCouncilLink ID = "error.contact.link"
)

var pageEntries = []entry{
	{id: FooterHelp, en: "Help",
		cy: "Help", same: true},
	{id: FooterAccessibility, en: "Accessibility statement",
		cy: "Datganiad hygyrchedd"},
	{id: FooterPrivacy, en: "Privacy",
		cy: "Preifatrwydd"},
	{id: FooterCookies, en: "Cookies",
		cy: "Cwcis"},
	{id: FooterContact, en: "Contact",
		cy: "Cysylltu"},
	{id: FooterProvidedBy, en: "%s is provided by %s.",
		cy: "Darperir %s gan %s."},

	{id: NotFoundDetail, en: "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.",
		cy: "Os gwnaethoch deipio'r cyfeiriad gwe, gwiriwch ei fod yn gywir. Os gwnaethoch ludo'r cyfeiriad gwe, gwiriwch eich bod wedi copïo'r cyfeiriad cyfan."},
	{id: MethodNotAllowedHeading, en: "Sorry, this page cannot do that",
		cy: "Mae'n ddrwg gennym, ni all y dudalen hon wneud hynny"},
	{id: MethodNotAllowed, en: "This page cannot be used in the way your browser asked. Please go back and try again.",
		cy: "Ni ellir defnyddio'r dudalen hon yn y ffordd y gofynnodd eich porwr. Ewch yn ôl a rhowch gynnig arall arni."},
	{id: ProblemHeading, en: "Sorry, there is a problem",
		cy: "Mae'n ddrwg gennym, mae problem wedi codi"},
	{id: UnavailableHeading, en: "Sorry, the service is unavailable",
		cy: "Mae'n ddrwg gennym, nid yw'r gwasanaeth ar gael"},
	{id: LinkProblemHeading, en: "Sorry, there is a problem with the sign-in link",
		cy: "Mae'n ddrwg gennym, mae problem gyda'r ddolen fewngofnodi"},
	{id: GoHome, en: "Go to the sign-in page",
		cy: "Ewch i'r dudalen fewngofnodi"},
	{id: TryAgain, en: "Try again",
		cy: "Rhoi cynnig arall arni"},
	{id: ContactCouncil, en: "If the problem continues,",
		cy: "Os yw'r broblem yn parhau,"},
	{id: ContactCouncilLink, en: "contact %s",
		cy: "cysylltwch â %s"},
}
