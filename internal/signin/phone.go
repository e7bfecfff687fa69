package signin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"strings"
	"time"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/onetimecode"
	"github.com/carekey/carekey/internal/phone"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/text"
)

// Sentinel errors of phone confirmation. The web layer maps each to the
// hosted service's words. The SMS code's are onetimecode's: ErrNoCode also
// stands for a code expired, used or out of tries.
var (
	ErrWrongCode        = onetimecode.ErrWrongCode
	ErrNoCode           = onetimecode.ErrNoCode
	ErrTooManySends     = onetimecode.ErrTooManySends
	ErrCooldown         = onetimecode.ErrCooldown
	ErrCallPending      = errors.New("signin: no answer from the call yet")
	ErrCallNotAnswered  = errors.New("signin: the call was not answered with #")
	ErrCallUnavailable  = errors.New("signin: the number was busy or the call failed")
	ErrUnknownReference = errors.New("signin: unknown or used call reference")
	// ErrChannelUnavailable: the deployment has no provider for this way
	// of confirming (no SMS or no voice provider); the other one works.
	ErrChannelUnavailable = errors.New("signin: this channel is not configured")
	// ErrNoEmail: no email sender is configured, so the code that enrolment
	// needs cannot be sent.
	ErrNoEmail = errors.New("signin: no email sender for the enrolment code")
)

// RateLimitedError says when another attempt, code or call will be allowed
// (HTTP 429 with Retry-After): the one error of every keyed rate limit,
// ratelimit.LimitedError, matching ratelimit.ErrLimited.
type RateLimitedError = ratelimit.LimitedError

// Flow data keys of a sign-in flow. None holds a secret in plain.
const (
	DataUser        = "user"          // user ID, set when the password was right
	DataPhone       = "phone"         // E.164 number being confirmed
	DataPhoneKind   = "phone_kind"    // mobile, landline or other (enrolment)
	DataEnrolling   = "enrolling"     // "1" when the number is new (first sign-in)
	DataAuthRequest = "auth_request"  // the OIDC auth request to complete
	DataCallRef     = "call_ref_hash" // SHA-256 of the call reference's secret part
	DataCallState   = "call_state"    // "pending", "verified", "failed"
	DataCallStatus  = "call_status"   // the provider's final status of a failed call
	DataCallAt      = "call_at"       // when the call was placed (RFC 3339)
	DataCallLang    = "call_lang"     // the language the call speaks, for the replies to its key press
	// DataPurpose is PurposeChangePhone in a flow that confirms a signed-in
	// user's new number (StartChange); absent in a sign-in.
	DataPurpose = "purpose"
	// DataReturn names where the web layer sends the browser after a
	// sign-in that has no OIDC auth request to complete: a name on the web
	// layer's allow-list (e.g. "account_phone"), never a URL.
	DataReturn = "return"
)

// PurposeChangePhone marks a flow that changes the phone of a signed-in user:
// it ends in saving the new number (Service.ChangePhone), not in a session.
const PurposeChangePhone = "change_phone"

// Call states, as the status endpoint reports them.
const (
	CallPending  = "pending"
	CallVerified = "verified"
	CallFailed   = "failed"
)

// Auditor appends audit events.
type Auditor interface {
	AppendAudit(ctx context.Context, events ...store.AuditEvent) error
}

// Journey is the sign-in journey, the public face of this package: it
// starts, loads, moves (Step) and finishes sign-in flows, through the
// password (Accounts), enrolment, Send Code and Call Me. Codes are stored as
// an HMAC with the pepper, counted before a constant-time comparison, single
// use, and replaced (never reset) by a resend. Every transition goes through
// Next inside the flow's compare-and-swap, which also checks the flow's
// expiry.
type Journey struct {
	Flows flow.Store
	// Accounts checks passwords and saves the phones users confirm (the
	// password step and Finish need it).
	Accounts *Service
	// Sessions is where Finish starts a session, of SessionIdle idle
	// timeout and SessionAbsolute lifetime.
	Sessions        Sessions
	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	FlowTTL         time.Duration // a flow's lifetime; default 30m

	SMS       notify.SMSSender   // nil: no SMS provider, Send Code is not offered
	Voice     notify.VoiceCaller // nil: no voice provider, Call Me is not offered
	Templates notify.Templates
	Limiter   ratelimit.Limiter
	Limits    ratelimit.Limits // CodesPerPhone, CallsPerPhone
	Pepper    secret.Pepper
	Clock     clock.Clock
	Audit     Auditor // optional
	// Email sends the 8-digit code a user without a phone must type before
	// enrolling one (to the account's address, which an attacker holding
	// only the password cannot read). EmailCodes are its rules (optional:
	// onetimecode.EmailRules()); Limits.EmailCodesPerAddress caps the sends.
	Email      notify.EmailSender
	EmailCodes onetimecode.Rules
	// Strikes keeps the per-user count of wrong SMS codes across sign-ins
	// (optional: without it tries are counted per flow only).
	Strikes Strikes
	// ReadAhead, if set, is told the auth request a right code will
	// complete before the code is checked, so that the store can read it
	// with the check's write (oidcop.Provider.ReadAhead); optional.
	ReadAhead func(ctx context.Context, authRequestID string)
	// ClientOf, if set, names the client of an auth request (from a read
	// the request has made already, ReadAhead): Finish starts the session
	// with it among its clients, which the completion of the request would
	// add with one more write; optional.
	ClientOf func(ctx context.Context, authRequestID string) string
	Logger   *slog.Logger // optional
	// App offers "Use your authenticator app" to users who have set one up
	// (config mfa.app; app.go), and lets signed-in users set one up.
	App bool

	// The SMS code's rules, each defaulting to onetimecode.SMSRules()'s.
	CodeTTL     time.Duration // default 10m
	MaxAttempts int           // default 5 per flow
	MaxSends    int           // default 5 per flow
	Cooldown    time.Duration // default 30s between sends
	CallTimeout time.Duration // default 2m: a call with no outcome by then has failed
}

// Strikes is the durable, per-user count of wrong phone codes (Service
// implements it on the user record).
type Strikes interface {
	// WrongCode counts one wrong code for userID; after enough in a row the
	// account is locked as for wrong passwords.
	WrongCode(ctx context.Context, userID string) error
	// RightCode resets the count. It returns ErrInvalidCredentials if the
	// account is locked: the code must then not complete a sign-in.
	RightCode(ctx context.Context, userID string) error
}

// smsRules are the SMS code's rules: onetimecode.SMSRules() with the
// Journey's own limits where set.
func (p *Journey) smsRules() onetimecode.Rules {
	r := onetimecode.SMSRules()
	setIf(&r.TTL, p.CodeTTL)
	setIf(&r.Cooldown, p.Cooldown)
	setIf(&r.MaxAttempts, p.MaxAttempts)
	setIf(&r.MaxSends, p.MaxSends)
	return r
}

func (p *Journey) callTimeout() time.Duration {
	t := 2 * time.Minute
	setIf(&t, p.CallTimeout)
	return t
}

// setIf sets *dst to v unless v is zero.
func setIf[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}

func (p *Journey) limit(ctx context.Context, l ratelimit.Limit, key string) error {
	return ratelimit.Allow(ctx, p.Limiter, l, key)
}

func (p *Journey) audit(ctx context.Context, f flow.Flow, typ string, detail map[string]string) {
	if p.Audit == nil {
		return
	}
	// The audit row of a factor must not block the sign-in; a failed write
	// is logged with its type, never dropped silently.
	if err := p.Audit.AppendAudit(ctx, store.AuditEvent{Time: p.Clock.Now(), Type: typ, UserID: f.Data[DataUser], Actor: "user", Detail: detail}); err != nil {
		p.logger().ErrorContext(ctx, "audit event not written", "type", typ, "user", f.Data[DataUser], "err", err)
	}
}

func (p *Journey) logger() *slog.Logger {
	if p.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Logger
}

// CanSMS and CanCall report which ways of confirming this deployment offers.
func (p *Journey) CanSMS() bool  { return p.SMS != nil }
func (p *Journey) CanCall() bool { return p.Voice != nil }

// CanSMSTo reports whether Send Code is offered for the flow's phone: the
// deployment sends SMS and the number is not a landline (a text to one
// usually fails; its owner gets Call Me).
func (p *Journey) CanSMSTo(f flow.Flow) bool { return p.CanSMS() && !IsLandline(f) }

// IsLandline reports whether the flow's phone is a landline, from the kind
// found when it was entered or, for a phone enrolled before kinds were kept,
// from the number itself.
func IsLandline(f flow.Flow) bool {
	if k := f.Data[DataPhoneKind]; k != "" {
		return phone.Kind(k) == phone.Landline
	}
	n, err := phone.Parse(f.Data[DataPhone], "")
	return err == nil && n.Kind == phone.Landline
}

// move applies e to f inside a compare-and-swap: ErrExpired once f is past
// its expiry at now, flow.ErrTransition if e does not apply.
func move(f *flow.Flow, e Event, now time.Time) error {
	if !f.Valid(now) {
		return fmt.Errorf("%w: flow %s", ErrExpired, f.ID)
	}
	return transition(f, e)
}

// transition applies e to f, or returns flow.ErrTransition.
func transition(f *flow.Flow, e Event) error {
	next, err := Table().Next(State(f.State), e)
	if err != nil {
		return err
	}
	f.State = string(next)
	return nil
}

// AfterPassword moves the flow on once the password of user u was right: to
// "Confirm your identity", or, if u has no phone, to the code emailed to u's
// address that must be typed before a phone can be enrolled. Errors: a
// *RateLimitedError (codes per address), ErrNoEmail, a send failure.
func (p *Journey) AfterPassword(ctx context.Context, flowID string, u store.User) error {
	_, err := p.afterPassword(ctx, flowID, u)
	return err
}

func (p *Journey) afterPassword(ctx context.Context, flowID string, u store.User) (flow.Flow, error) {
	if u.Phone == "" {
		return p.sendEnrolCode(ctx, flowID, u.ID, u.Email, EventPasswordOKNoPhone, false)
	}
	now := p.Clock.Now()
	// The number's kind, parsed once here rather than by every page and
	// step that asks IsLandline (libphonenumber's parse is not cheap).
	var kind string
	if n, err := phone.Parse(u.Phone, ""); err == nil {
		kind = string(n.Kind)
	}
	f, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		f.Set(DataUser, u.ID)
		f.Set(DataPhone, u.Phone)
		if kind != "" {
			f.Set(DataPhoneKind, kind)
		}
		if p.App && u.TOTPSecret != "" {
			f.Set(DataApp, "1")
		}
		return move(f, EventPasswordOK, now)
	})
	if err != nil {
		return f, fmt.Errorf("advance flow %s after password: %w", flowID, err)
	}
	return f, nil
}

func (p *Journey) emailRules() onetimecode.Rules { return p.EmailCodes.Or(onetimecode.EmailRules()) }

// ResendEnrolCode is "Please send me a new code" at the emailed code: the
// cooldown, the maximum of sends and the tries carry over (onetimecode).
// Errors: flow.ErrTransition, *onetimecode.LimitError, *RateLimitedError.
func (p *Journey) ResendEnrolCode(ctx context.Context, flowID string) error {
	cur, err := p.Flows.Get(ctx, flowID)
	if err != nil {
		return fmt.Errorf("load flow %s: %w", flowID, err)
	}
	if !Table().Can(State(cur.State), EventResendEmail) {
		return flow.ErrTransition
	}
	_, err = p.resendEnrolCode(ctx, cur)
	return err
}

// resendEnrolCode resends the emailed code of cur, the flow as read.
func (p *Journey) resendEnrolCode(ctx context.Context, cur flow.Flow) (flow.Flow, error) {
	if cur.Code == nil {
		return cur, flow.ErrTransition
	}
	probe := cur
	if err := onetimecode.Issue(&probe, nil, cur.Code.Target, p.Clock.Now(), p.emailRules(), true); err != nil {
		return cur, err
	}
	return p.sendEnrolCode(ctx, cur.ID, cur.Data[DataUser], cur.Code.Target, EventResendEmail, true)
}

// sendEnrolCode puts a new emailed code on the flow (moving it by e) and
// emails it to addr, the account's address.
func (p *Journey) sendEnrolCode(ctx context.Context, flowID, userID, addr string, e Event, resend bool) (flow.Flow, error) {
	if p.Email == nil {
		return flow.Flow{}, ErrNoEmail
	}
	if err := p.limit(ctx, p.Limits.EmailCodesPerAddress, "email:"+addr); err != nil {
		return flow.Flow{}, err
	}
	code := secret.NumericCode(p.emailRules().Digits)
	now := p.Clock.Now()
	f, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		if err := move(f, e, now); err != nil {
			return err
		}
		f.Set(DataUser, userID)
		return onetimecode.Issue(f, p.Pepper.MAC(code), addr, now, p.emailRules(), resend)
	})
	if err != nil {
		return f, fmt.Errorf("store enrolment code for flow %s: %w", flowID, err)
	}
	if err := p.Email.SendEmail(ctx, p.Templates.In(text.LangOf(ctx)).PhoneEnrolCode(addr, code)); err != nil {
		p.audit(ctx, f, "signin.enrol_code_not_sent", nil)
		return f, fmt.Errorf("send enrolment code: %w", err)
	}
	p.audit(ctx, f, "signin.enrol_code_sent", nil)
	return f, nil
}

// VerifyEnrolCode checks the code emailed before enrolment; the right one
// opens the phone number step. The try is counted before a constant-time
// compare and the code is consumed in the write that moves the flow
// (onetimecode.Redeem). Errors: *text.Invalid (nothing typed),
// flow.ErrTransition, onetimecode's ErrWrongCode, ErrExpired, ErrNoCode and
// *LimitError.
func (p *Journey) VerifyEnrolCode(ctx context.Context, flowID, typed string) error {
	_, err := p.verifyEnrolCode(ctx, flowID, typed)
	return err
}

func (p *Journey) verifyEnrolCode(ctx context.Context, flowID, typed string) (flow.Flow, error) {
	if err := onetimecode.Required(typed); err != nil {
		return flow.Flow{}, err
	}
	now := p.Clock.Now()
	f, err := onetimecode.Redeem(ctx, p.Flows, flowID, p.Pepper, typed, now, p.emailRules(), string(StateEnrolEmail),
		func(f *flow.Flow) error {
			f.Code = nil // the SMS code to come starts its own count
			return move(f, EventEmailCodeOK, now)
		})
	switch {
	case errors.Is(err, onetimecode.ErrWrongState):
		return f, flow.ErrTransition
	case err != nil:
		p.audit(ctx, f, "signin.enrol_code_failed", nil)
		return f, err
	}
	p.audit(ctx, f, "signin.enrol_code_ok", nil)
	return f, nil
}

// EnrolPhone takes the number typed at enrolment (input, with the country
// calling code chosen). An invalid number returns a *phone.Error matching
// phone.ErrInvalid and changes nothing; a valid one is kept in the flow, not
// yet on the user, until it is confirmed (Finish saves it with
// Service.SaveEnrolledPhone).
func (p *Journey) EnrolPhone(ctx context.Context, flowID, input, country string) error {
	_, err := p.enrolPhone(ctx, flowID, input, country)
	return err
}

func (p *Journey) enrolPhone(ctx context.Context, flowID, input, country string) (flow.Flow, error) {
	n, err := phone.Parse(input, country)
	if err != nil {
		return flow.Flow{}, err
	}
	now := p.Clock.Now()
	f, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		if err := move(f, EventPhoneEntered, now); err != nil {
			return err
		}
		f.Set(DataPhone, n.E164)
		f.Set(DataPhoneKind, string(n.Kind))
		f.Set(DataEnrolling, "1")
		return nil
	})
	if err != nil {
		return f, fmt.Errorf("enter phone for flow %s: %w", flowID, err)
	}
	return f, nil
}

// SendCode sends a new 6-digit code by SMS to the flow's phone. The new code
// replaces any earlier one; the count of wrong tries carries over. Within
// the cooldown after a send it returns ErrCooldown and sends nothing (the
// code just sent is still good).
func (p *Journey) SendCode(ctx context.Context, flowID string) error {
	cur, err := p.Flows.Get(ctx, flowID)
	if err != nil {
		return fmt.Errorf("load flow %s: %w", flowID, err)
	}
	if !Table().Can(State(cur.State), EventSendCode) {
		return flow.ErrTransition
	}
	_, err = p.sendCode(ctx, cur)
	return err
}

// sendCode sends a code for cur, the flow as read, in which the caller has
// found EventSendCode to apply (before the per-phone limit counts a send):
// the compare-and-swap that stores the code checks it again, with expiry,
// on the flow as it is then.
func (p *Journey) sendCode(ctx context.Context, cur flow.Flow) (flow.Flow, error) {
	if p.SMS == nil {
		return cur, ErrChannelUnavailable
	}
	flowID := cur.ID
	rules := p.smsRules()
	now := p.Clock.Now()
	code := secret.NumericCode(rules.Digits)
	if IsLandline(cur) {
		return cur, ErrChannelUnavailable // the page offers Call Me only
	}
	if onetimecode.CoolingDown(cur.Code, now, rules) {
		return p.moveTo(ctx, flowID, EventSendCode, ErrCooldown)
	}
	to := cur.Data[DataPhone]
	// The phone's limit rides with the flow's write (one round trip); a
	// refusal puts the flow back as it was before anything is sent.
	limited := ratelimit.AllowInOrderAhead(ctx, p.Limiter, ratelimit.Check{Limit: p.Limits.CodesPerPhone, Key: to})
	var prevState string
	var before flow.Flow
	f, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		prevState, before = f.State, *f
		before.Data = maps.Clone(f.Data)
		// The cooldown was checked above, on the flow as read: here only
		// the maximum of sends (ErrTooManySends); the tries carry over.
		if err := onetimecode.Issue(f, p.Pepper.MAC(code), to, now, rules, false); err != nil {
			return err
		}
		return move(f, EventSendCode, now)
	})
	if lerr := limited(); lerr != nil {
		if err == nil {
			p.unsend(ctx, f, before)
		}
		p.audit(ctx, cur, "signin.code_limited", map[string]string{"to": notify.MaskPhone(to)})
		return cur, lerr
	}
	if err != nil {
		return cur, fmt.Errorf("store code for flow %s: %w", flowID, err)
	}
	if err := p.SMS.SendSMS(ctx, p.Templates.In(text.LangOf(ctx)).SignInCodeSMS(to, code)); err != nil {
		p.revert(ctx, flowID, string(StateCode), prevState)
		p.audit(ctx, f, "signin.code_not_sent", map[string]string{"to": notify.MaskPhone(to)})
		return cur, fmt.Errorf("send code: %w", err)
	}
	p.audit(ctx, f, "signin.code_sent", map[string]string{"to": notify.MaskPhone(to)})
	return f, nil
}

// unsend puts the flow back as it was before a code that was not sent was
// stored in it (saved), if it still holds saved.
func (p *Journey) unsend(ctx context.Context, saved, before flow.Flow) {
	_, err := p.Flows.Update(ctx, saved.ID, func(f *flow.Flow) error {
		if reflect.DeepEqual(*f, saved) {
			*f = before
		}
		return nil
	})
	if err != nil {
		p.logger().WarnContext(ctx, "put back a flow whose code was not sent", "flow", saved.ID, "err", err)
	}
}

// moveTo applies e (a move that sends nothing) and returns the flow and ret.
func (p *Journey) moveTo(ctx context.Context, flowID string, e Event, ret error) (flow.Flow, error) {
	now := p.Clock.Now()
	f, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error { return move(f, e, now) })
	if err != nil {
		return f, fmt.Errorf("update flow %s: %w", flowID, err)
	}
	return f, ret
}

// revert puts the flow back in state prev after a send failed, if it is
// still in the state the send moved it to.
func (p *Journey) revert(ctx context.Context, flowID, moved, prev string) {
	_, _ = p.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		if f.State == moved && prev != "" {
			f.State = prev
		}
		return nil
	})
}

// VerifyCode checks a code typed by the user. The attempt is counted before
// the comparison; a right code is consumed and the flow moved to verified in
// the same write, so of many concurrent submissions exactly one succeeds. It
// returns the verified flow, or ErrWrongCode, or ErrNoCode (expired, used,
// too many tries: callers show the same words for both).
func (p *Journey) VerifyCode(ctx context.Context, flowID, typed string) (flow.Flow, error) {
	f, _, err := p.verifyCode(ctx, flowID, typed, "", false)
	return f, err
}

// verifyCode is VerifyCode; with audit, a sign-in's right code is audited
// as the second factor (ip its source) in the same round trip as the
// account's check where it can be (rightCode), and audited says so.
func (p *Journey) verifyCode(ctx context.Context, flowID, typed, ip string, audit bool) (_ flow.Flow, audited bool, _ error) {
	rules := p.smsRules()
	now := p.Clock.Now()
	var ok bool
	var seen flow.Flow
	f, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		ok, seen = false, *f // fn may be retried
		if !f.Valid(now) {
			return ErrExpired
		}
		if !Table().Can(State(f.State), EventCodeOK) {
			return ErrNoCode
		}
		switch err := onetimecode.Try(f, p.Pepper, typed, now, rules); {
		case errors.Is(err, ErrWrongCode):
			return nil // the try is saved
		case err != nil:
			return ErrNoCode // none, expired or out of tries
		}
		ok = true
		f.Code = nil // no code is left on the verified flow
		return transition(f, EventCodeOK)
	})
	switch {
	case errors.Is(err, ErrNoCode), errors.Is(err, flow.ErrNotFound):
		p.audit(ctx, seen, "signin.code_failed", map[string]string{"reason": "no live code"})
		return f, false, ErrNoCode
	case errors.Is(err, ErrExpired):
		return f, false, fmt.Errorf("check code for flow %s: %w", flowID, err)
	case err != nil:
		return f, false, fmt.Errorf("check code for flow %s: %w", flowID, err)
	case !ok:
		p.audit(ctx, f, "signin.code_failed", map[string]string{"reason": "wrong code"})
		if p.Strikes != nil {
			if err := p.Strikes.WrongCode(ctx, f.Data[DataUser]); err != nil {
				return f, false, fmt.Errorf("count wrong code for flow %s: %w", flowID, err)
			}
		}
		return f, false, ErrWrongCode
	}
	if p.Strikes != nil {
		var err error
		audited, err = p.rightCode(ctx, f, "sms", ip, audit)
		switch {
		case errors.Is(err, ErrInvalidCredentials):
			// Locked (by wrong codes or passwords) meanwhile: the code
			// completes nothing and the sign-in ends.
			if err := p.Flows.Delete(ctx, flowID); err != nil {
				return f, false, fmt.Errorf("end flow %s of a locked account: %w", flowID, err)
			}
			return f, false, ErrNoCode
		case err != nil:
			return f, false, fmt.Errorf("reset wrong codes for flow %s: %w", flowID, err)
		}
	}
	return f, audited, nil
}

// rightCode tells Strikes of f's right code. With audit, for a sign-in
// (not an enrolment, whose phone is saved first, nor a phone change) whose
// Strikes are the Accounts service, the second factor (method, from ip) is
// audited with the check: audited says so (Service.rightCodeAudited).
func (p *Journey) rightCode(ctx context.Context, f flow.Flow, method, ip string, audit bool) (audited bool, err error) {
	d := DataOf(f)
	if audit && p.Accounts != nil && p.Strikes == Strikes(p.Accounts) && !d.Enrolling && !d.ChangePhone {
		return p.Accounts.rightCodeAudited(ctx, d.User, method, ip)
	}
	return false, p.Strikes.RightCode(ctx, d.User)
}

// PlaceCall calls the flow's phone; the call asks the user to press #. The
// reference in the call is "<flowID>.<secret>": the flow keeps only the
// secret's hash.
func (p *Journey) PlaceCall(ctx context.Context, flowID string) error {
	cur, err := p.Flows.Get(ctx, flowID)
	if err != nil {
		return fmt.Errorf("load flow %s: %w", flowID, err)
	}
	if !Table().Can(State(cur.State), EventPlaceCall) {
		return flow.ErrTransition
	}
	_, err = p.placeCall(ctx, cur)
	return err
}

// placeCall places a call for cur, the flow as read, in which the caller has
// found EventPlaceCall to apply (before the per-phone limit counts a call).
func (p *Journey) placeCall(ctx context.Context, cur flow.Flow) (flow.Flow, error) {
	if p.Voice == nil {
		return cur, ErrChannelUnavailable
	}
	flowID := cur.ID
	tok := secret.Token()
	now := p.Clock.Now()
	to := cur.Data[DataPhone]
	if err := p.limit(ctx, p.Limits.CallsPerPhone, to); err != nil {
		p.audit(ctx, cur, "signin.call_limited", map[string]string{"to": notify.MaskPhone(to)})
		return cur, err
	}
	var prevState string
	f, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		prevState = f.State
		if err := move(f, EventPlaceCall, now); err != nil {
			return err
		}
		f.Set(DataCallRef, secret.HashToken(tok))
		f.Set(DataCallState, CallPending)
		f.Set(DataCallAt, now.UTC().Format(time.RFC3339Nano))
		f.Set(DataCallLang, string(text.LangOf(ctx)))
		delete(f.Data, DataCallStatus)
		return nil
	})
	if err != nil {
		return cur, fmt.Errorf("store call reference for flow %s: %w", flowID, err)
	}
	// Codes and calls speak the language of the page the person is reading.
	words := p.Templates.In(text.LangOf(ctx))
	call := words.SignInCall(to, flowID+"."+tok)
	if cur.Data[DataPurpose] == PurposeChangePhone {
		call = words.PhoneChangeCall(to, flowID+"."+tok)
	}
	if err := p.Voice.PlaceCall(ctx, call); err != nil {
		p.revert(ctx, flowID, string(StateCall), prevState)
		p.audit(ctx, f, "signin.call_not_placed", map[string]string{"to": notify.MaskPhone(to)})
		return cur, fmt.Errorf("place call: %w", err)
	}
	p.audit(ctx, f, "signin.call_placed", map[string]string{"to": notify.MaskPhone(to)})
	return f, nil
}

// CallAnswered records the key pressed on the call named by reference:
// pressed reports whether it was #. A reference is good for one answer: an
// unknown, forged or already answered reference returns ErrUnknownReference
// and changes nothing. It returns the language the call speaks, for the
// words said in reply.
func (p *Journey) CallAnswered(ctx context.Context, reference string, pressed bool) (text.Lang, error) {
	lang := text.English
	err := p.callOutcome(ctx, reference, func(f *flow.Flow) error {
		if f.Data[DataCallState] != CallPending {
			return ErrUnknownReference // used
		}
		lang = text.Saved(f.Data[DataCallLang], text.English)
		if pressed {
			f.Data[DataCallState] = CallVerified
		} else {
			f.Data[DataCallState] = CallFailed
			f.Data[DataCallStatus] = "wrong-key"
		}
		return nil
	})
	return lang, err
}

// CallEnded records the provider's final status of the call named by
// reference (completed, busy, no-answer, failed, canceled). A call that ends
// while still waiting for # has failed; after an answer it changes nothing.
// An unknown or forged reference returns ErrUnknownReference.
func (p *Journey) CallEnded(ctx context.Context, reference, status string) error {
	return p.callOutcome(ctx, reference, func(f *flow.Flow) error {
		if f.Data[DataCallState] != CallPending {
			return errNothingToDo
		}
		f.Data[DataCallState] = CallFailed
		f.Data[DataCallStatus] = status
		return nil
	})
}

var errNothingToDo = errors.New("signin: nothing to change")

func (p *Journey) callOutcome(ctx context.Context, reference string, fn func(f *flow.Flow) error) error {
	flowID, tok, ok := strings.Cut(reference, ".")
	if !ok || flowID == "" || tok == "" {
		return ErrUnknownReference
	}
	var matched bool
	f, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		want := f.Data[DataCallRef]
		matched = want != "" && State(f.State) == StateCall && secret.Equal(secret.HashToken(tok), want)
		if !matched {
			return ErrUnknownReference
		}
		return fn(f)
	})
	switch {
	case errors.Is(err, errNothingToDo):
		return nil
	case errors.Is(err, flow.ErrNotFound), errors.Is(err, ErrUnknownReference):
		return ErrUnknownReference
	case err != nil:
		return fmt.Errorf("record call outcome for flow %s: %w", flowID, err)
	}
	switch f.Data[DataCallState] {
	case CallVerified:
		p.audit(ctx, f, "signin.call_answered", nil)
	case CallFailed:
		p.audit(ctx, f, "signin.call_failed", map[string]string{"status": f.Data[DataCallStatus]})
	}
	return nil
}

// CallState is what the waiting page shows for f at now: CallPending,
// CallVerified or CallFailed (also when the call has had no outcome for
// longer than CallTimeout, or f is not waiting for a call).
func (p *Journey) CallState(f flow.Flow, now time.Time) string {
	if State(f.State) != StateCall {
		return CallFailed
	}
	st := f.Data[DataCallState]
	if st == CallPending {
		at, err := time.Parse(time.RFC3339Nano, f.Data[DataCallAt])
		if err != nil || !now.Before(at.Add(p.callTimeout())) {
			return CallFailed
		}
	}
	return st
}

// FinishCall is the browser's Continue after Call Me. It moves the flow to
// verified if # was pressed (one request wins; the others get
// flow.ErrTransition), back to "Confirm your identity" if the call failed
// (ErrCallUnavailable for a busy or failed line, else ErrCallNotAnswered),
// and leaves it waiting with ErrCallPending.
func (p *Journey) FinishCall(ctx context.Context, flowID string) (flow.Flow, error) {
	now := p.Clock.Now()
	var result error
	f, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		result = nil
		if !f.Valid(now) {
			return ErrExpired
		}
		switch p.CallState(*f, now) {
		case CallVerified:
			delete(f.Data, DataCallState)
			return transition(f, EventCallAnswered)
		case CallFailed:
			if !Table().Can(State(f.State), EventCallFailed) {
				return flow.ErrTransition
			}
			result = ErrCallNotAnswered
			if s := f.Data[DataCallStatus]; s == "busy" || s == "failed" {
				result = ErrCallUnavailable
			}
			for _, k := range []string{DataCallState, DataCallStatus, DataCallAt} {
				delete(f.Data, k)
			}
			return transition(f, EventCallFailed)
		default:
			return ErrCallPending
		}
	})
	if err != nil {
		return f, fmt.Errorf("finish call for flow %s: %w", flowID, err)
	}
	if result != nil {
		p.audit(ctx, f, "signin.call_failed", map[string]string{"reason": result.Error()})
		return f, result
	}
	if p.Strikes != nil {
		switch err := p.Strikes.RightCode(ctx, f.Data[DataUser]); {
		case errors.Is(err, ErrInvalidCredentials):
			// Locked meanwhile: as with a right code, the call completes
			// nothing and the sign-in ends.
			p.audit(ctx, f, "signin.call_failed", map[string]string{"reason": "account locked"})
			if err := p.Flows.Delete(ctx, flowID); err != nil {
				return f, fmt.Errorf("end flow %s of a locked account: %w", flowID, err)
			}
			return flow.Flow{}, fmt.Errorf("finish call for flow %s of a locked account: %w", flowID, flow.ErrNotFound)
		case err != nil:
			return f, fmt.Errorf("reset wrong codes for flow %s: %w", flowID, err)
		}
	}
	return f, nil
}

// Cancel ends the sign-in at the user's request and returns the flow as it
// was, for the caller to send the browser back to the relying party.
func (p *Journey) Cancel(ctx context.Context, flowID string) (flow.Flow, error) {
	now := p.Clock.Now()
	f, err := p.Flows.Update(ctx, flowID, func(f *flow.Flow) error { return move(f, EventCancel, now) })
	if err != nil {
		return f, fmt.Errorf("cancel flow %s: %w", flowID, err)
	}
	if err := p.Flows.Delete(ctx, flowID); err != nil {
		return f, fmt.Errorf("delete cancelled flow %s: %w", flowID, err)
	}
	return f, nil
}
