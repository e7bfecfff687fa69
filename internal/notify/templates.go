package notify

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/carekey/carekey/pkg/text"
)

// Lifetimes the messages state. They must agree with the journeys' settings
// (design.md §3.1, §3.3).
const (
	emailCodeMinutes = 30
	smsCodeMinutes   = 10
)

// Templates words carekey's messages for one deployment, in one language.
// The zero value works but names nobody and speaks English; internal/app
// fills it from the branding config, and a journey picks the user's
// language with In:
//
//	s.templates.In(lang).VerifyEmail(to, code)
//
// Emails hold no link that completes a flow when a mail scanner follows it:
// codes are typed in by the user, and the only links are the ones the caller
// passes in, built from the configured base URL.
type Templates struct {
	ServiceName string // "Children's Services Portal"
	CouncilName string // "Norfolk County Council"
	// Lang is the language of the messages: text.Welsh, or English for
	// anything else (the zero value too).
	Lang text.Lang
}

// In returns a copy of t that words its messages in l (English if l is not
// a language of the catalogue).
func (t Templates) In(l text.Lang) Templates {
	t.Lang = l
	return t
}

// VerifyEmail is the email with the 8-digit code that confirms the address
// given at registration (design.md §3.1 step 3).
func (t Templates) VerifyEmail(to, code string) Email {
	l := t.lang()
	return t.email(to, TemplateVerifyEmail, code, l.Getf("notify.verify_email.subject", t.ServiceName), []block{
		{Text: l.Getf("notify.verify_email.use_code", t.ServiceName)},
		{Code: code},
		{Text: l.Getf("notify.code_expires", emailCodeMinutes)},
		{Text: l.Get("notify.ignore")},
	}, map[string]string{"code": code})
}

// AlreadyRegistered goes, instead of a code, to an address someone tried to
// register with although it already has an account, so that registration
// reveals nothing about which addresses have accounts. signInURL and
// resetURL must be absolute http(s) URLs built from the configured base URL.
func (t Templates) AlreadyRegistered(to, signInURL, resetURL string) Email {
	l := t.lang()
	return t.email(to, TemplateAlreadyRegistered, "", l.Getf("notify.already_registered.subject", t.ServiceName), []block{
		{Text: l.Getf("notify.already_registered.tried", t.ServiceName)},
		{Text: l.Get("notify.already_registered.have_account")},
		{Text: l.Get(text.TitleSignIn), URL: signInURL},
		{Text: l.Get("notify.already_registered.reset"), URL: resetURL},
		{Text: l.Get("notify.already_registered.ignore")},
	}, map[string]string{"sign_in_url": signInURL, "reset_url": resetURL})
}

// PasswordResetCode is the email with the 8-digit code that lets the user
// choose a new password (design.md §3.4).
func (t Templates) PasswordResetCode(to, code string) Email {
	l := t.lang()
	return t.email(to, TemplatePasswordResetCode, code, l.Getf("notify.password_reset.subject", t.ServiceName), []block{
		{Text: l.Getf("notify.password_reset.use_code", t.ServiceName)},
		{Code: code},
		{Text: l.Getf("notify.code_expires", emailCodeMinutes)},
		{Text: l.Get("notify.password_reset.ignore")},
	}, map[string]string{"code": code})
}

// PasswordChanged tells the user their password has just been changed, so
// that they notice if it was not them.
func (t Templates) PasswordChanged(to string) Email {
	l := t.lang()
	return t.email(to, TemplatePasswordChanged, "", l.Getf("notify.password_changed.subject", t.ServiceName), []block{
		{Text: l.Getf("notify.password_changed.body", t.ServiceName)},
		{Text: l.Get("notify.changed_by_you")},
		{Text: l.Getf("notify.password_changed.not_you", t.contactCouncil())},
	}, nil)
}

// PhoneChanged tells the user by email that the phone number they confirm
// their sign-ins with has just been changed, so that they notice if it was
// not them. It holds no link and no number.
func (t Templates) PhoneChanged(to string) Email {
	l := t.lang()
	return t.email(to, TemplatePhoneChanged, "", l.Getf("notify.phone_changed.subject", t.ServiceName), []block{
		{Text: l.Getf("notify.phone_changed.body", t.ServiceName)},
		{Text: l.Get("notify.changed_by_you")},
		{Text: l.Getf("notify.not_you", t.contactCouncil())},
	}, nil)
}

// PhoneEnrolCode is the email with the 8-digit code a user without a phone
// (first sign-in, or after an administrator reset it) must type before they
// can enter one: the password alone never sets the second factor.
func (t Templates) PhoneEnrolCode(to, code string) Email {
	l := t.lang()
	return t.email(to, TemplatePhoneEnrolCode, code, l.Getf("notify.phone_enrol_code.subject", t.ServiceName), []block{
		{Text: l.Getf("notify.phone_enrol_code.use_code", t.ServiceName)},
		{Code: code},
		{Text: l.Getf("notify.code_expires", emailCodeMinutes)},
		{Text: l.Getf("notify.phone_enrol_code.not_you", t.contactCouncil())},
	}, map[string]string{"code": code})
}

// PhoneEnrolled tells the user that a phone number was set up for their
// sign-ins, so that they notice if it was not them. No link, no number.
func (t Templates) PhoneEnrolled(to string) Email {
	l := t.lang()
	return t.email(to, TemplatePhoneEnrolled, "", l.Getf("notify.phone_enrolled.subject", t.ServiceName), []block{
		{Text: l.Getf("notify.phone_enrolled.body", t.ServiceName)},
		{Text: l.Get("notify.set_up_by_you")},
		{Text: l.Getf("notify.not_you", t.contactCouncil())},
	}, nil)
}

// AppAdded tells the user that an authenticator app was set up for their
// account.
func (t Templates) AppAdded(to string) Email {
	l := t.lang()
	return t.email(to, TemplateAppAdded, "", l.Getf("notify.app_added.subject", t.ServiceName), []block{
		{Text: l.Getf("notify.app_added.body", t.ServiceName)},
		{Text: l.Get("notify.set_up_by_you")},
		{Text: l.Getf("notify.not_you", t.contactCouncil())},
	}, nil)
}

// AppRemoved tells the user that the authenticator app was removed from
// their account, by themselves or an administrator.
func (t Templates) AppRemoved(to string) Email {
	l := t.lang()
	return t.email(to, TemplateAppRemoved, "", l.Getf("notify.app_removed.subject", t.ServiceName), []block{
		{Text: l.Getf("notify.app_removed.body", t.ServiceName)},
		{Text: l.Get("notify.app_removed.by_you")},
		{Text: l.Getf("notify.not_you", t.contactCouncil())},
	}, nil)
}

// AccountLocked tells the user their account was locked after too many
// wrong passwords or codes, and how to get back in safely: resetting the
// password lifts the lock. resetURL must be an absolute http(s) URL built
// from the configured base URL (the issuer's /forgot-password).
func (t Templates) AccountLocked(to, resetURL string) Email {
	l := t.lang()
	return t.email(to, TemplateAccountLocked, "", l.Getf("notify.account_locked.subject", t.ServiceName), []block{
		{Text: l.Getf("notify.account_locked.body", t.ServiceName)},
		{Text: l.Get("notify.account_locked.was_you")},
		{Text: l.Get("notify.account_locked.reset"), URL: resetURL},
		{Text: l.Getf("notify.account_locked.not_you", t.contactCouncil())},
	}, map[string]string{"reset_url": resetURL})
}

// PhoneChangedSMS tells the old phone number that the account's number was
// changed: after the change it gets no more codes, so this is its owner's
// only warning. Plain words, no link (links in texts are a phishing pattern).
func (t Templates) PhoneChangedSMS(to string) SMS {
	l := t.lang()
	return SMS{
		To:       to,
		Body:     l.Getf("notify.sms.phone_changed", t.ServiceName, t.contactCouncil()),
		Template: TemplatePhoneChanged,
		Params:   map[string]string{"service_name": t.ServiceName, "council_name": t.councilName()},
		Lang:     l,
	}
}

// SignInCodeSMS is the text message with the 6-digit code that confirms a
// sign-in (design.md §3.3).
func (t Templates) SignInCodeSMS(to, code string) SMS {
	l := t.lang()
	return SMS{
		To:       to,
		Body:     l.Getf("notify.sms.sign_in_code", code, t.ServiceName, smsCodeMinutes),
		Template: TemplateSignInCode,
		Params:   map[string]string{"code": code, "service_name": t.ServiceName},
		Code:     code,
		Lang:     l,
	}
}

// SignInCall is the voice call that confirms a sign-in when the user presses
// # (design.md §3.3 "Call Me"). reference comes back in the webhook.
func (t Templates) SignInCall(to, reference string) Call {
	l := t.lang()
	return Call{
		To:        to,
		Reference: reference,
		Say:       l.Getf("notify.call.sign_in", t.councilName(), t.ServiceName),
		Lang:      l,
	}
}

// PhoneChangeCall is the voice call that confirms a new phone number for a
// signed-in user who is changing it: no one is signing in.
func (t Templates) PhoneChangeCall(to, reference string) Call {
	l := t.lang()
	return Call{
		To:        to,
		Reference: reference,
		Say:       l.Getf("notify.call.phone_change", t.councilName(), t.ServiceName),
		Lang:      l,
	}
}

// lang is the language of t's messages: Welsh or English.
func (t Templates) lang() text.Lang {
	if t.Lang == text.Welsh {
		return text.Welsh
	}
	return text.English
}

// councilName is the council's name, or "the council" in t's language.
func (t Templates) councilName() string {
	if t.CouncilName == "" {
		return t.lang().Get("notify.council.unnamed")
	}
	return t.CouncilName
}

// contactCouncil is the council as the object of "contact": its name in
// English, with the preposition Welsh puts before it ("â", "ag" before a
// vowel, "â'r cyngor" without a name).
func (t Templates) contactCouncil() string {
	l := t.lang()
	if t.CouncilName == "" {
		return l.Get("notify.council.with_unnamed")
	}
	if first, _ := utf8.DecodeRuneInString(t.CouncilName); strings.ContainsRune("aeiouyâêîôûŵŷáéíóúàèìòùäëïöü", unicode.ToLower(first)) {
		return l.Getf("notify.council.with_vowel", t.CouncilName)
	}
	return l.Getf("notify.council.with", t.CouncilName)
}

// block is one paragraph of an email: text, a code shown large, or a link
// (Text is then the link text).
type block struct {
	Text string
	Code string
	URL  string
}

// email renders blocks as both plain text and HTML. Params always carries
// service_name and council_name besides the given ones.
func (t Templates) email(to, kind, code, subject string, blocks []block, params map[string]string) Email {
	p := map[string]string{"service_name": t.ServiceName, "council_name": t.councilName()}
	for k, v := range params {
		p[k] = v
	}
	blocks = append(blocks, block{Text: t.ServiceName + ", " + t.councilName()})
	return Email{
		To:       to,
		Subject:  subject,
		Text:     renderText(blocks),
		HTML:     renderHTML(t.lang(), subject, blocks),
		Template: kind,
		Params:   p,
		Code:     code,
		Lang:     t.lang(),
	}
}

func renderText(blocks []block) string {
	var b strings.Builder
	for i, bl := range blocks {
		if i > 0 {
			b.WriteString("\n\n")
		}
		switch {
		case bl.Code != "":
			b.WriteString(bl.Code)
		case bl.URL != "":
			b.WriteString(bl.Text + ": " + bl.URL)
		default:
			b.WriteString(bl.Text)
		}
	}
	b.WriteString("\n")
	return b.String()
}

// htmlEmail is deliberately plain: one column, large text, real links, no
// images, so it reads well in any mail client and with a screen reader.
const htmlEmail = `<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:16px;font-family:Arial,sans-serif;font-size:19px;line-height:1.4;color:#0b0c0c;background:#ffffff">
<main>
{{- range .Blocks}}
{{- if .Code}}
<p style="font-size:32px;font-weight:bold;letter-spacing:4px;margin:24px 0">{{.Code}}</p>
{{- else if .URL}}
<p><a href="{{.URL}}" style="color:#1d70b8">{{.Text}}</a></p>
{{- else}}
<p>{{.Text}}</p>
{{- end}}
{{- end}}
</main>
</body>
</html>
`

// renderHTML parses the template on each call: emails are rare, and a parsed
// template kept in a package variable would be shared state.
func renderHTML(lang text.Lang, subject string, blocks []block) string {
	tpl := template.Must(template.New("email").Parse(htmlEmail))
	var b bytes.Buffer
	if err := tpl.Execute(&b, struct {
		Lang    text.Lang
		Subject string
		Blocks  []block
	}{lang, subject, blocks}); err != nil {
		// The template is a constant and its data plain strings: an error
		// here is a programming error.
		panic(fmt.Sprintf("notify: render email: %v", err))
	}
	return b.String()
}
