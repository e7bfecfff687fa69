package signin

import (
	"context"
	"errors"
	"fmt"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/phone"
	"github.com/carekey/carekey/internal/store"
)

// Changing the phone of a signed-in user. The web layer lets only a user
// whose sign-in is recent start it; the new number is then confirmed by the
// same Send Code / Call Me steps as at enrolment, and saved by ChangePhone
// instead of starting a session.

// ErrSamePhone means the number entered to replace the user's phone is the
// one they already have.
var ErrSamePhone = errors.New("signin: the new phone number is the current one")

// errNoSender is a notice that could not go because no sender is configured.
var errNoSender = errors.New("signin: no sender configured")

// StartChange begins changing the phone of the signed-in user userID, whose
// number is now current, to the number typed (input, with the country
// calling code chosen). f is a new sign-in flow the caller has given an ID,
// CSRF hash and expiry; StartChange binds it to userID, marks it
// PurposeChangePhone, places it at enrolment and applies EventPhoneEntered,
// so that it waits at "Confirm your identity" for the new number, and
// creates it. An invalid number returns a *phone.Error matching
// phone.ErrInvalid and the current number ErrSamePhone; neither creates a
// flow. Nothing changes on the user until ChangePhone.
func (p *Journey) StartChange(ctx context.Context, f flow.Flow, userID, current, input, country string) error {
	n, err := phone.Parse(input, country)
	if err != nil {
		return err
	}
	if n.E164 == current {
		return ErrSamePhone
	}
	f.State = string(StateEnrol)
	f.Set(DataUser, userID)
	f.Set(DataPurpose, PurposeChangePhone)
	if err := transition(&f, EventPhoneEntered); err != nil {
		return err
	}
	f.Set(DataPhone, n.E164)
	f.Set(DataPhoneKind, string(n.Kind))
	if err := p.Flows.Create(ctx, f); err != nil {
		return fmt.Errorf("create phone change flow for %s: %w", userID, err)
	}
	p.audit(ctx, f, "user.phone_change_started", map[string]string{"new": notify.MaskPhone(n.E164)})
	return nil
}

// PhoneChange is a new number the user has just confirmed (Service.ChangePhone).
type PhoneChange struct {
	UserID string
	Phone  string // E.164
	Kind   string // mobile, landline or other
	Method string // how it was confirmed: "sms" or "tel"
	IP     string
}

// ChangePhone saves c.Phone as the user's number, with the audit event
// "user.phone_changed" (old and new numbers masked) in the same write, then
// tells the user: a text to the old number and an email to their address. A
// notice that cannot be sent is logged and audited
// ("user.phone_change_notice_failed") but does not undo the change:
// ChangePhone returns an error only when the number was not saved.
func (s *Service) ChangePhone(ctx context.Context, c PhoneChange) error {
	now := s.Clock.Now()
	var old string
	u, err := s.Users.UpdateUser(ctx, c.UserID, func(u *store.User) ([]store.AuditEvent, error) {
		old = u.Phone // fn may be retried: read afresh each time
		u.Phone, u.PhoneVerified, u.UpdatedAt = c.Phone, true, now
		return []store.AuditEvent{{Time: now, Type: "user.phone_changed", UserID: u.ID, Actor: "user", IP: c.IP,
			Detail: map[string]string{"old": notify.MaskPhone(old), "new": notify.MaskPhone(c.Phone), "method": c.Method, "kind": c.Kind}}}, nil
	})
	if err != nil {
		return fmt.Errorf("change phone of %s: %w", c.UserID, err)
	}
	if old != "" && old != c.Phone { // an administrator may have reset it meanwhile
		var err error = errNoSender
		if s.SMS != nil {
			err = s.SMS.SendSMS(ctx, s.noticesFor(ctx, u).PhoneChangedSMS(old))
		}
		s.noticeFailed(ctx, u.ID, "sms", notify.MaskPhone(old), c.IP, err)
	}
	var mailErr error = errNoSender
	if s.Email != nil {
		mailErr = s.Email.SendEmail(ctx, s.noticesFor(ctx, u).PhoneChanged(u.Email))
	}
	s.noticeFailed(ctx, u.ID, "email", notify.MaskEmail(u.Email), c.IP, mailErr)
	return nil
}

// noticeFailed logs and audits a phone change notice that could not be sent
// to (masked) by channel; it does nothing when err is nil.
func (s *Service) noticeFailed(ctx context.Context, userID, channel, to, ip string, err error) {
	if err == nil {
		return
	}
	s.Logger.WarnContext(ctx, "phone change notice not sent", "user", userID, "channel", channel, "to", to, "err", err)
	s.audit(ctx, store.AuditEvent{Type: "user.phone_change_notice_failed", UserID: userID, Actor: "system", IP: ip,
		Detail: map[string]string{"channel": channel, "to": to}})
}
