package text

import "fmt"

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
	// ContactCouncil is the sentence before a link to the council's contact
	// page, which ContactCouncilLink words (with the council's name).
	ContactCouncil     ID = "error.contact"
	ContactCouncilLink ID = "error.contact.link"
)

var enPages = map[ID]string{
	FooterHelp:          "Help",
	FooterAccessibility: "Accessibility statement",
	FooterPrivacy:       "Privacy",
	FooterCookies:       "Cookies",
	FooterContact:       "Contact",
	FooterProvidedBy:    "%s is provided by %s.",

	NotFoundDetail:          "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address.",
	MethodNotAllowedHeading: "Sorry, this page cannot do that",
	MethodNotAllowed:        "This page cannot be used in the way your browser asked. Please go back and try again.",
	ProblemHeading:          "Sorry, there is a problem",
	UnavailableHeading:      "Sorry, the service is unavailable",
	LinkProblemHeading:      "Sorry, there is a problem with the sign-in link",
	GoHome:                  "Go to the sign-in page",
	ContactCouncil:          "If the problem continues,",
	ContactCouncilLink:      "contact %s",
}

// Getf returns the words of id with each %s filled in from args, in order.
func Getf(id ID, args ...any) string {
	return fmt.Sprintf(Get(id), args...)
}
