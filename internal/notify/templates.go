package notify

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
)

// Lifetimes the messages state. They must agree with the journeys' settings
// (design.md §3.1, §3.3).
const (
	emailCodeMinutes = 30
	smsCodeMinutes   = 10
)

// Templates words carekey's messages for one deployment. The zero value
// works but names nobody; internal/app fills it from the branding config.
//
// Emails hold no link that completes a flow when a mail scanner follows it:
// codes are typed in by the user, and the only links are the ones the caller
// passes in, built from the configured base URL.
type Templates struct {
	ServiceName string // "Children's Services Portal"
	CouncilName string // "Norfolk County Council"
}

// VerifyEmail is the email with the 8-digit code that confirms the address
// given at registration (design.md §3.1 step 3).
func (t Templates) VerifyEmail(to, code string) Email {
	return t.email(to, TemplateVerifyEmail, code, t.ServiceName+": confirm your email address", []block{
		{Text: "Use this code to confirm your email address for " + t.ServiceName + ":"},
		{Code: code},
		{Text: fmt.Sprintf("The code expires in %d minutes.", emailCodeMinutes)},
		{Text: "If you did not ask for this, you can ignore this email."},
	}, map[string]string{"code": code})
}

// AlreadyRegistered goes, instead of a code, to an address someone tried to
// register with although it already has an account, so that registration
// reveals nothing about which addresses have accounts. signInURL and
// resetURL must be absolute http(s) URLs built from the configured base URL.
func (t Templates) AlreadyRegistered(to, signInURL, resetURL string) Email {
	return t.email(to, TemplateAlreadyRegistered, "", t.ServiceName+": you already have an account", []block{
		{Text: "Someone tried to register for " + t.ServiceName + " with this email address."},
		{Text: "You already have an account, so you do not need to register again."},
		{Text: "Sign in", URL: signInURL},
		{Text: "If you have forgotten your password, you can reset it", URL: resetURL},
		{Text: "If you did not ask for this, you can ignore this email. Your account has not changed."},
	}, map[string]string{"sign_in_url": signInURL, "reset_url": resetURL})
}

// PasswordResetCode is the email with the 8-digit code that lets the user
// choose a new password (design.md §3.4).
func (t Templates) PasswordResetCode(to, code string) Email {
	return t.email(to, TemplatePasswordResetCode, code, t.ServiceName+": reset your password", []block{
		{Text: "Use this code to reset your password for " + t.ServiceName + ":"},
		{Code: code},
		{Text: fmt.Sprintf("The code expires in %d minutes.", emailCodeMinutes)},
		{Text: "If you did not ask for this, you can ignore this email. Your password has not changed."},
	}, map[string]string{"code": code})
}

// PasswordChanged tells the user their password has just been changed, so
// that they notice if it was not them.
func (t Templates) PasswordChanged(to string) Email {
	return t.email(to, TemplatePasswordChanged, "", t.ServiceName+": your password has been changed", []block{
		{Text: "The password for your " + t.ServiceName + " account has been changed."},
		{Text: "If you changed it, you do not need to do anything."},
		{Text: "If you did not change it, contact " + t.councilName() + " straight away."},
	}, nil)
}

// PhoneChanged tells the user by email that the phone number they confirm
// their sign-ins with has just been changed, so that they notice if it was
// not them. It holds no link and no number.
func (t Templates) PhoneChanged(to string) Email {
	return t.email(to, TemplatePhoneChanged, "", t.ServiceName+": your phone number has been changed", []block{
		{Text: "The phone number for your " + t.ServiceName + " account has been changed."},
		{Text: "If you changed it, you do not need to do anything."},
		{Text: "If this wasn't you, contact " + t.councilName() + " straight away."},
	}, nil)
}

// PhoneEnrolCode is the email with the 8-digit code a user without a phone
// (first sign-in, or after an administrator reset it) must type before they
// can enter one: the password alone never sets the second factor.
func (t Templates) PhoneEnrolCode(to, code string) Email {
	return t.email(to, TemplatePhoneEnrolCode, code, t.ServiceName+": confirm it is you", []block{
		{Text: "Use this code to set up the phone number you confirm your sign-ins with for " + t.ServiceName + ":"},
		{Code: code},
		{Text: fmt.Sprintf("The code expires in %d minutes.", emailCodeMinutes)},
		{Text: "If you did not just sign in, someone else knows your password. Reset your password and contact " +
			t.councilName() + " straight away."},
	}, map[string]string{"code": code})
}

// PhoneEnrolled tells the user that a phone number was set up for their
// sign-ins, so that they notice if it was not them. No link, no number.
func (t Templates) PhoneEnrolled(to string) Email {
	return t.email(to, TemplatePhoneEnrolled, "", t.ServiceName+": a phone number has been set up", []block{
		{Text: "A phone number has been set up for your " + t.ServiceName + " account. You will confirm your sign-ins with it."},
		{Text: "If you set it up, you do not need to do anything."},
		{Text: "If this wasn't you, contact " + t.councilName() + " straight away."},
	}, nil)
}

// AppAdded tells the user that an authenticator app was set up for their
// account.
func (t Templates) AppAdded(to string) Email {
	return t.email(to, TemplateAppAdded, "", t.ServiceName+": an authenticator app has been set up", []block{
		{Text: "An authenticator app has been set up for your " + t.ServiceName + " account. You can now confirm your sign-ins with a code from it."},
		{Text: "If you set it up, you do not need to do anything."},
		{Text: "If this wasn't you, contact " + t.councilName() + " straight away."},
	}, nil)
}

// AppRemoved tells the user that the authenticator app was removed from
// their account, by themselves or an administrator.
func (t Templates) AppRemoved(to string) Email {
	return t.email(to, TemplateAppRemoved, "", t.ServiceName+": your authenticator app has been removed", []block{
		{Text: "The authenticator app has been removed from your " + t.ServiceName + " account. You will confirm your sign-ins with your phone."},
		{Text: "If you removed it, or asked for it to be removed, you do not need to do anything."},
		{Text: "If this wasn't you, contact " + t.councilName() + " straight away."},
	}, nil)
}

// AccountLocked tells the user their account was locked after too many
// wrong passwords or codes, and how to get back in safely: resetting the
// password lifts the lock. resetURL must be an absolute http(s) URL built
// from the configured base URL (the issuer's /forgot-password).
func (t Templates) AccountLocked(to, resetURL string) Email {
	return t.email(to, TemplateAccountLocked, "", t.ServiceName+": your account has been locked", []block{
		{Text: "Your " + t.ServiceName + " account has been locked for a while because of too many wrong attempts to sign in."},
		{Text: "If this was you, you can wait and try again later, or reset your password now. Resetting your password unlocks your account."},
		{Text: "Reset your password", URL: resetURL},
		{Text: "If this wasn't you, someone may be trying to get into your account. Reset your password and contact " +
			t.councilName() + "."},
	}, map[string]string{"reset_url": resetURL})
}

// PhoneChangedSMS tells the old phone number that the account's number was
// changed: after the change it gets no more codes, so this is its owner's
// only warning. Plain words, no link (links in texts are a phishing pattern).
func (t Templates) PhoneChangedSMS(to string) SMS {
	return SMS{
		To: to,
		Body: fmt.Sprintf("Your phone number for %s was changed. If this wasn't you, contact %s straight away.",
			t.ServiceName, t.councilName()),
		Template: TemplatePhoneChanged,
		Params:   map[string]string{"service_name": t.ServiceName, "council_name": t.councilName()},
	}
}

// SignInCodeSMS is the text message with the 6-digit code that confirms a
// sign-in (design.md §3.3).
func (t Templates) SignInCodeSMS(to, code string) SMS {
	return SMS{
		To: to,
		Body: fmt.Sprintf("%s is your %s verification code. It expires in %d minutes. Do not share it.",
			code, t.ServiceName, smsCodeMinutes),
		Template: TemplateSignInCode,
		Params:   map[string]string{"code": code, "service_name": t.ServiceName},
		Code:     code,
	}
}

// SignInCall is the voice call that confirms a sign-in when the user presses
// # (design.md §3.3 "Call Me"). reference comes back in the webhook.
func (t Templates) SignInCall(to, reference string) Call {
	return Call{
		To:        to,
		Reference: reference,
		Say: "This is " + t.councilName() + "'s " + t.ServiceName + ". Someone is signing in to your account. " +
			"If this is you, press the hash key now. If it is not you, hang up.",
	}
}

// PhoneChangeCall is the voice call that confirms a new phone number for a
// signed-in user who is changing it: no one is signing in.
func (t Templates) PhoneChangeCall(to, reference string) Call {
	return Call{
		To:        to,
		Reference: reference,
		Say: "This is " + t.councilName() + "'s " + t.ServiceName + ". Someone is adding this number to their account. " +
			"If this is you, press the hash key now. If it is not you, hang up.",
	}
}

func (t Templates) councilName() string {
	if t.CouncilName == "" {
		return "the council"
	}
	return t.CouncilName
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
		HTML:     renderHTML(subject, blocks),
		Template: kind,
		Params:   p,
		Code:     code,
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
<html lang="en">
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
func renderHTML(subject string, blocks []block) string {
	tpl := template.Must(template.New("email").Parse(htmlEmail))
	var b bytes.Buffer
	if err := tpl.Execute(&b, struct {
		Subject string
		Blocks  []block
	}{subject, blocks}); err != nil {
		// The template is a constant and its data plain strings: an error
		// here is a programming error.
		panic(fmt.Sprintf("notify: render email: %v", err))
	}
	return b.String()
}
