package notify_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/pkg/text"
)

// message is one rendered message of any kind, for comparing languages.
type message struct {
	lang    text.Lang
	subject string
	body    string // the plain text, the SMS body or what the call says
	html    string
	kind    string
	params  map[string]string
	code    string
}

// everyMessage renders every message Templates words with t.
func everyMessage(t notify.Templates) map[string]message {
	email := func(m notify.Email) message {
		return message{m.Lang, m.Subject, m.Text, m.HTML, m.Template, m.Params, m.Code}
	}
	sms := func(m notify.SMS) message { return message{m.Lang, "", m.Body, "", m.Template, m.Params, m.Code} }
	call := func(c notify.Call) message { return message{c.Lang, "", c.Say, "", "", nil, c.Reference} }
	const signIn, reset = "https://signin.example.gov.uk/signin", "https://signin.example.gov.uk/forgot-password"
	return map[string]message{
		"VerifyEmail":       email(t.VerifyEmail("penny@example.com", "12345678")),
		"AlreadyRegistered": email(t.AlreadyRegistered("penny@example.com", signIn, reset)),
		"PasswordResetCode": email(t.PasswordResetCode("penny@example.com", "87654321")),
		"PasswordChanged":   email(t.PasswordChanged("penny@example.com")),
		"PhoneChanged":      email(t.PhoneChanged("penny@example.com")),
		"PhoneEnrolCode":    email(t.PhoneEnrolCode("penny@example.com", "11223344")),
		"PhoneEnrolled":     email(t.PhoneEnrolled("penny@example.com")),
		"AppAdded":          email(t.AppAdded("penny@example.com")),
		"AppRemoved":        email(t.AppRemoved("penny@example.com")),
		"AccountLocked":     email(t.AccountLocked("penny@example.com", reset)),
		"PhoneChangedSMS":   sms(t.PhoneChangedSMS("+447700900047")),
		"SignInCodeSMS":     sms(t.SignInCodeSMS("+447700900047", "123456")),
		"SignInCall":        call(t.SignInCall("+447700900047", "ref1")),
		"PhoneChangeCall":   call(t.PhoneChangeCall("+447700900047", "ref2")),
	}
}

// Every message exists in both languages: the same kind, code and
// personalisation keys, other words, and the language stated.
func TestEveryMessageInWelsh(t *testing.T) {
	for _, base := range []notify.Templates{tpl, {ServiceName: "Portal"}} {
		en, cy := everyMessage(base), everyMessage(base.In(text.Welsh))
		if len(en) != 14 {
			t.Fatalf("%d messages, want 14", len(en))
		}
		for name, e := range en {
			c := cy[name]
			if e.lang != text.English || c.lang != text.Welsh {
				t.Errorf("%s: languages %q, %q", name, e.lang, c.lang)
			}
			if e.body == c.body || (e.subject != "" && e.subject == c.subject) {
				t.Errorf("%s: Welsh is the English:\n%s\n%s", name, c.subject, c.body)
			}
			if e.kind != c.kind || e.code != c.code || len(e.params) != len(c.params) {
				t.Errorf("%s: kind, code or params differ: %+v\n%+v", name, e, c)
			}
			for k := range e.params {
				if _, ok := c.params[k]; !ok {
					t.Errorf("%s: Welsh lacks param %q", name, k)
				}
			}
			for _, m := range []message{e, c} {
				if strings.Contains(m.subject+m.body+m.html, "notify.") {
					t.Errorf("%s in %s: an unknown message ID:\n%s\n%s", name, m.lang, m.subject, m.body)
				}
				if m.html != "" && !strings.Contains(m.html, `<html lang="`+string(m.lang)+`">`) {
					t.Errorf("%s in %s: HTML lacks its lang:\n%s", name, m.lang, m.html)
				}
			}
		}
	}
}

// englishWords are words that would betray English left in a Welsh
// message.
var englishWords = regexp.MustCompile(`(?i)\b(the|your|you|this|code|password|account|phone|email|if|contact|minutes|expires|sign|council|press|hash|key|reset)\b`)

// A spot check: with Welsh names for the service and the council, the Welsh
// messages hold no English word.
func TestWelshHoldsNoEnglish(t *testing.T) {
	for _, base := range []notify.Templates{
		{ServiceName: "Porth Gwasanaethau Plant", CouncilName: "Cyngor Sir Ceredigion"},
		{ServiceName: "Porth Gwasanaethau Plant"},
	} {
		for name, m := range everyMessage(base.In(text.Welsh)) {
			for _, s := range []string{m.subject, m.body} {
				// Links' URLs are English paths.
				s = regexp.MustCompile(`https://\S+`).ReplaceAllString(s, "")
				if w := englishWords.FindAllString(s, -1); len(w) > 0 {
					t.Errorf("%s: English words %q in Welsh:\n%s", name, w, s)
				}
			}
		}
	}
}

func TestWelshWords(t *testing.T) {
	cy := tpl.In(text.Welsh)
	for _, tc := range []struct{ name, have, want string }{
		{"subject", cy.VerifyEmail("a@example.com", "12345678").Subject,
			"Children's Services Portal: cadarnhau eich cyfeiriad e-bost"},
		{"sms", cy.SignInCodeSMS("+447700900047", "123456").Body,
			"123456 yw eich cod dilysu Children's Services Portal. Bydd yn dod i ben ymhen 10 munud. Peidiwch â'i rannu."},
		{"contact", cy.PhoneChangedSMS("+447700900047").Body,
			"Cafodd eich rhif ffôn ar gyfer Children's Services Portal ei newid. Os nad chi oedd hyn, cysylltwch â Norfolk County Council ar unwaith."},
		{"contact before a vowel", notify.Templates{ServiceName: "Porth", CouncilName: "Anglesey County Council", Lang: text.Welsh}.PhoneChangedSMS("+447700900047").Body,
			"Cafodd eich rhif ffôn ar gyfer Porth ei newid. Os nad chi oedd hyn, cysylltwch ag Anglesey County Council ar unwaith."},
		{"contact unnamed", notify.Templates{ServiceName: "Porth"}.In(text.Welsh).PhoneChangedSMS("+447700900047").Body,
			"Cafodd eich rhif ffôn ar gyfer Porth ei newid. Os nad chi oedd hyn, cysylltwch â'r cyngor ar unwaith."},
		{"call unnamed", notify.Templates{ServiceName: "Porth"}.In(text.Welsh).SignInCall("+447700900047", "r").Say,
			"Galwad gan y cyngor am Porth yw hon. Mae rhywun yn mewngofnodi i'ch cyfrif. " +
				"Os mai chi sydd yno, pwyswch yr allwedd stwnsh nawr. Os nad chi sydd yno, rhowch y ffôn i lawr."},
		{"locked", cy.AccountLocked("a@example.com", "https://x.example/forgot-password").Text,
			"Mae eich cyfrif Children's Services Portal wedi cael ei gloi am gyfnod oherwydd gormod o ymdrechion anghywir i fewngofnodi."},
		{"footer", notify.Templates{ServiceName: "Porth"}.In(text.Welsh).PasswordChanged("a@example.com").Text,
			"Porth, y cyngor\n"},
	} {
		if !strings.Contains(tc.have, tc.want) {
			t.Errorf("%s: have\n%s\nwant it to hold\n%s", tc.name, tc.have, tc.want)
		}
	}
	// Any other language, and none, is English.
	for _, l := range []text.Lang{"", "en", "fr"} {
		if m := tpl.In(l).PasswordChanged("a@example.com"); m.Lang != text.English || m.Text != tpl.PasswordChanged("a@example.com").Text {
			t.Errorf("In(%q): have %q %q", l, m.Lang, m.Subject)
		}
	}
}
