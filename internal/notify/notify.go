package notify

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/carekey/carekey/pkg/text"
)

// ErrUndeliverable means the provider refused the recipient: an invalid or
// unreachable phone number or email address. Callers ask the user to check
// what they entered ("The phone number you provided is busy or unavailable.
// Please check the number and try again."). Sending again will not help.
var ErrUndeliverable = errors.New("notify: recipient undeliverable")

// ErrTemporary means the message was not sent for a reason that may pass: a
// network failure, a rate limit, the provider being down. Senders wrap the
// cause together with it.
var ErrTemporary = errors.New("notify: temporary failure")

// Template names: the kind of each message Templates builds. Template-based
// senders (GOV.UK Notify) map them to their own template IDs.
const (
	TemplateVerifyEmail       = "verify_email"
	TemplateAlreadyRegistered = "already_registered"
	TemplatePasswordResetCode = "password_reset_code"
	TemplatePasswordChanged   = "password_changed"
	TemplateSignInCode        = "sign_in_code"
	// TemplatePhoneChanged is the notice, by email and by SMS to the old
	// number, that the user's phone number was changed.
	TemplatePhoneChanged = "phone_changed"
	// TemplatePhoneEnrolCode is the email with the 8-digit code a user
	// without a phone types before enrolling one.
	TemplatePhoneEnrolCode = "phone_enrol_code"
	// TemplatePhoneEnrolled is the notice that a phone was enrolled.
	TemplatePhoneEnrolled = "phone_enrolled"
	// TemplateAccountLocked tells the user their account was locked, and
	// that resetting the password lifts the lock.
	TemplateAccountLocked = "account_locked"
	// TemplateAppAdded and TemplateAppRemoved tell the user an
	// authenticator app was added to or removed from their account.
	TemplateAppAdded   = "app_added"
	TemplateAppRemoved = "app_removed"
)

// Email is one email to one recipient.
type Email struct {
	To      string // the recipient's address
	Subject string
	Text    string // plain-text body
	HTML    string // HTML body: a whole document
	// Template is the kind of message, e.g. "verify_email" (see the
	// Template constants).
	Template string
	// Params is the personalisation for template-based senders.
	Params map[string]string
	// Code is the one-time code the message carries, if any. Only the dev
	// outbox reads it.
	Code string
	// Lang is the language Subject, Text and HTML are worded in (empty:
	// English). Template-based senders pick the template of that language.
	Lang text.Lang
}

// LogValue shows the kind of message and a masked recipient, never the
// code or the body.
func (m Email) LogValue() slog.Value {
	return slog.GroupValue(slog.String("template", m.Template), slog.String("to", MaskEmail(m.To)))
}

// EmailSender sends emails.
type EmailSender interface {
	// SendEmail sends m. It is called by journeys when they need the user to
	// read something (a code, a warning) and returns once the provider has
	// accepted the message. It returns an error wrapping ErrUndeliverable if
	// the provider refused the recipient and ErrTemporary if trying again
	// later may work.
	SendEmail(ctx context.Context, m Email) error
}

// SMS is one text message to one phone.
type SMS struct {
	To       string // E.164, e.g. "+447700900047"
	Body     string
	Template string // the kind of message (see the Template constants)
	Params   map[string]string
	Code     string // the one-time code the message carries; only the dev outbox reads it
	// Lang is the language Body is worded in (empty: English).
	// Template-based senders pick the template of that language.
	Lang text.Lang
}

// LogValue shows the kind of message and a masked number.
func (m SMS) LogValue() slog.Value {
	return slog.GroupValue(slog.String("template", m.Template), slog.String("to", MaskPhone(m.To)))
}

// SMSSender sends text messages.
type SMSSender interface {
	// SendSMS sends m and returns once the provider has accepted it, with an
	// error wrapping ErrUndeliverable if the provider refused the number and
	// ErrTemporary if trying again later may work.
	SendSMS(ctx context.Context, m SMS) error
}

// Call is one voice call asking the user to press #.
type Call struct {
	To string // E.164
	// Reference is unguessable and identifies the sign-in attempt; the
	// provider's webhook brings it back when the user presses #.
	Reference string
	// Say is what the call says before asking for #.
	Say string
	// Lang is the language Say is worded in (empty: English): the voice
	// that speaks it.
	Lang text.Lang
}

// LogValue shows a masked number, never the reference.
func (c Call) LogValue() slog.Value {
	return slog.GroupValue(slog.String("to", MaskPhone(c.To)))
}

// VoiceCaller places voice calls.
type VoiceCaller interface {
	// PlaceCall asks the provider to ring c.To and returns once the provider
	// has accepted the request; whether the user answers and presses # is
	// reported later through the provider's webhook, carrying c.Reference.
	// It returns an error wrapping ErrUndeliverable if the provider refused
	// the number and ErrTemporary if trying again later may work.
	PlaceCall(ctx context.Context, c Call) error
}

// MaskEmail keeps the first character of the local part and the domain:
// "penny@example.com" → "p***@example.com".
func MaskEmail(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 1 {
		return "***"
	}
	_, n := utf8.DecodeRuneInString(addr)
	return addr[:n] + "***" + addr[at:]
}

// MaskPhone keeps the last two digits: "+447700900047" → "***47".
func MaskPhone(number string) string {
	if len(number) < 4 {
		return "***"
	}
	return "***" + number[len(number)-2:]
}
