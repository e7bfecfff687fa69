package signin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/totp"
	"github.com/carekey/carekey/pkg/text"
)

// The authenticator app (issue 16): a third way to confirm identity, for
// users with no reliable phone signal, offered where the deployment turns it
// on (Journey.App). A signed-in user whose last full sign-in with the phone
// is recent sets it up (StartAppSetup, AppSetup, ConfirmApp): the secret
// waits, sealed, in a flow of kind KindAppSetup until a first right code
// confirms it, and only then is saved on the user (sealed with the
// signing-key keyring, Service.AppCipher), with an audit event and an email.
// At "Confirm your identity" such a user may choose "Use your authenticator
// app" (EventUseApp) and type a code (EventAppCodeOK): one time step either
// side is accepted, each step once (the last used step is on the user,
// checked and moved in one UpdateUser), and wrong codes count toward the
// same per-user lock as wrong SMS codes. The session's AMR is pwd + otp +
// mfa.

// Flow data keys of the app.
const (
	// DataApp is "1" in a sign-in whose user has an app the flow may use.
	DataApp = "app"
	// DataPhoneOnly is "1" in a sign-in that must confirm with the phone
	// (StartPhoneOnly: the sign-in before setting up or removing the app).
	DataPhoneOnly = "phone_only"
	// dataSetupUser and dataSetupKey are a set-up's user ID and its key's
	// otpauth URL, sealed for that user.
	dataSetupUser = "user"
	dataSetupKey  = "key_sealed"
)

// KindAppSetup is flow.Flow.Kind of a pending app set-up.
const KindAppSetup = "app_setup"

// appSetupTTL is how long a set-up page's secret waits for its first code.
const appSetupTTL = 15 * time.Minute

// Sentinel errors of the app.
var (
	// ErrAppWrongCode: the code is wrong, of a step too far from now, or of
	// a step already used. One error, one message, for all three.
	ErrAppWrongCode = errors.New("signin: wrong authenticator app code")
	// ErrNoApp: the user has no authenticator app (or the deployment
	// offers none).
	ErrNoApp = errors.New("signin: no authenticator app")
	// ErrSetupGone: the set-up is missing, another user's, or expired.
	ErrSetupGone = errors.New("signin: app set-up missing or expired")
)

// StartPhoneOnly is Start for a sign-in that must be confirmed with the
// phone, not the app: the one a user goes through before setting up or
// removing the app.
func (j *Journey) StartPhoneOnly(ctx context.Context, returnTo string) (flow.Flow, string, error) {
	f, token := j.NewFlow()
	f.Set(DataPhoneOnly, "1")
	if returnTo != "" {
		f.Set(DataReturn, returnTo)
	}
	if err := j.Flows.Create(ctx, f); err != nil {
		return flow.Flow{}, "", fmt.Errorf("create sign-in flow: %w", err)
	}
	return f, token, nil
}

// CanUseApp reports whether "Use your authenticator app" is offered on f:
// the deployment offers the app, the user has one, and the flow is a plain
// sign-in (not an enrolment, a phone change or a sign-in that must use the
// phone).
func (j *Journey) CanUseApp(f flow.Flow) bool {
	d := DataOf(f)
	return j.App && f.Data[DataApp] == "1" && f.Data[DataPhoneOnly] != "1" && !d.Enrolling && !d.ChangePhone
}

// useApp is "Use your authenticator app": on to its code page.
func (j *Journey) useApp(ctx context.Context, f flow.Flow) (flow.Flow, error) {
	if !j.CanUseApp(f) {
		return f, ErrNoApp
	}
	saved, err := j.moveTo(ctx, f.ID, EventUseApp, nil)
	if err == nil {
		j.audit(ctx, saved, "signin.app_chosen", nil)
	}
	return saved, err
}

// appCodeOK checks a code from the app and, if right, finishes the flow.
// Errors: *text.Invalid (not 6 digits), ErrAppWrongCode (counted toward the
// user's lock), ErrNoApp, and Finish's.
func (j *Journey) appCodeOK(ctx context.Context, f flow.Flow, a Action) (Outcome, error) {
	typed := codeDigits(a.Code)
	if len(typed) != totp.Digits || strings.Trim(typed, "0123456789") != "" {
		var inv text.Invalid
		inv.Add("code", text.AppCodeRequired)
		return Outcome{Flow: f}, &inv
	}
	if !j.CanUseApp(f) || j.Accounts == nil {
		return Outcome{Flow: f}, ErrNoApp
	}
	userID := f.Data[DataUser]
	switch err := j.Accounts.VerifyApp(ctx, userID, typed, a.IP); {
	case errors.Is(err, ErrInvalidCredentials):
		// Locked (by wrong codes or passwords): the code completes
		// nothing and the sign-in ends, as for an SMS code.
		j.deleteFlow(ctx, f.ID)
		return Outcome{Flow: f}, ErrAppWrongCode
	case err != nil:
		return Outcome{Flow: f}, err
	}
	done, err := j.moveTo(ctx, f.ID, EventAppCodeOK, nil)
	if err != nil {
		return Outcome{Flow: f}, err
	}
	return j.finish(ctx, done, "otp", a, false)
}

// VerifyApp checks a code from user userID's app at now: one step either
// side, a step after the last used one, which it records in the same write,
// resetting the count of wrong codes. A wrong or replayed code returns
// ErrAppWrongCode and counts toward the lock (WrongCode); a locked account
// returns ErrInvalidCredentials, right code or not; a user without an app,
// ErrNoApp.
func (s *Service) VerifyApp(ctx context.Context, userID, code, ip string) error {
	if s.AppCipher == nil {
		return ErrNoApp
	}
	now := s.Clock.Now()
	var reason string
	_, err := s.Users.UpdateUser(ctx, userID, func(u *store.User) ([]store.AuditEvent, error) {
		reason = "" // fn may run more than once
		if s.Lockout.Threshold > 0 && s.Lockout.Locked(u.LockedUntil, now) {
			return nil, ErrInvalidCredentials
		}
		if u.TOTPSecret == "" {
			return nil, ErrNoApp
		}
		key, err := totp.Open(s.AppCipher, u.ID, u.TOTPSecret)
		if err != nil {
			return nil, err
		}
		step, err := totp.Verify(key, code, now, u.TOTPLastStep)
		switch {
		case errors.Is(err, totp.ErrReplayed):
			reason = "replayed"
			return nil, ErrAppWrongCode
		case errors.Is(err, totp.ErrWrongCode):
			reason = "wrong code"
			return nil, ErrAppWrongCode
		case err != nil:
			return nil, err
		}
		u.TOTPLastStep = step
		u.FailedCodes, u.LockCount, u.UpdatedAt = 0, 0, now // the whole sign-in succeeded (Finish audits it)
		return nil, nil
	})
	switch {
	case errors.Is(err, ErrAppWrongCode):
		s.audit(ctx, store.AuditEvent{Type: "signin.app_code_failed", UserID: userID, IP: ip, Detail: map[string]string{"reason": reason}})
		if err := s.WrongCode(ctx, userID); err != nil {
			return err
		}
		return ErrAppWrongCode
	case errors.Is(err, ErrInvalidCredentials):
		return ErrInvalidCredentials
	case errors.Is(err, ErrNoApp):
		return ErrNoApp
	case err != nil:
		return fmt.Errorf("check app code of %s: %w", userID, err)
	}
	return nil
}

// AppSetup is a pending set-up: the flow's ID (the page's hidden field) and
// the key to show.
type AppSetup struct {
	ID  string
	Key totp.Key
}

// StartAppSetup makes a new secret for user u (issuer: Service.AppIssuer,
// account: u's email) and keeps it, sealed, in a new flow of kind
// KindAppSetup bound to u, until ConfirmApp. Returns ErrNoApp when the
// deployment offers no app.
func (j *Journey) StartAppSetup(ctx context.Context, u store.User) (AppSetup, error) {
	if !j.App || j.Accounts == nil || j.Accounts.AppCipher == nil {
		return AppSetup{}, ErrNoApp
	}
	key, err := totp.Generate(j.Accounts.AppIssuer, u.Email)
	if err != nil {
		return AppSetup{}, err
	}
	sealed, err := totp.Seal(j.Accounts.AppCipher, u.ID, key.URL)
	if err != nil {
		return AppSetup{}, err
	}
	now := j.Clock.Now()
	f := flow.Flow{
		ID: secret.ID("flw_"), Kind: KindAppSetup, State: "pending",
		Data:      map[string]string{dataSetupUser: u.ID, dataSetupKey: sealed},
		CreatedAt: now, ExpiresAt: now.Add(appSetupTTL),
	}
	if err := j.Flows.Create(ctx, f); err != nil {
		return AppSetup{}, fmt.Errorf("create app set-up for %s: %w", u.ID, err)
	}
	return AppSetup{ID: f.ID, Key: key}, nil
}

// LoadAppSetup returns user userID's pending set-up id, or ErrSetupGone
// (missing, another kind or user, expired).
func (j *Journey) LoadAppSetup(ctx context.Context, id, userID string) (AppSetup, error) {
	f, err := j.Flows.Get(ctx, id)
	if errors.Is(err, flow.ErrNotFound) || err == nil && (f.Kind != KindAppSetup || f.Data[dataSetupUser] != userID || !f.Valid(j.Clock.Now())) {
		return AppSetup{}, ErrSetupGone
	}
	if err != nil {
		return AppSetup{}, fmt.Errorf("load app set-up %s: %w", id, err)
	}
	if j.Accounts == nil || j.Accounts.AppCipher == nil {
		return AppSetup{}, ErrNoApp
	}
	url, err := totp.Open(j.Accounts.AppCipher, userID, f.Data[dataSetupKey])
	if err != nil {
		return AppSetup{}, err
	}
	key, err := totp.ParseURL(url)
	if err != nil {
		return AppSetup{}, err
	}
	return AppSetup{ID: id, Key: key}, nil
}

// ConfirmApp checks the first code typed from the app being set up (id,
// user userID's) and, if right, saves the app on the user (Service.AddApp)
// and ends the set-up. Errors: *text.Invalid (not 6 digits),
// ErrAppWrongCode, ErrSetupGone, AddApp's.
func (j *Journey) ConfirmApp(ctx context.Context, id, userID, code, ip string) error {
	typed := codeDigits(code)
	if len(typed) != totp.Digits || strings.Trim(typed, "0123456789") != "" {
		var inv text.Invalid
		inv.Add("code", text.AppCodeRequired)
		return &inv
	}
	setup, err := j.LoadAppSetup(ctx, id, userID)
	if err != nil {
		return err
	}
	step, err := totp.Verify(setup.Key.Secret, typed, j.Clock.Now(), 0)
	if err != nil {
		j.audit(ctx, flow.Flow{Data: map[string]string{DataUser: userID}}, "user.app_setup_code_failed", nil)
		return ErrAppWrongCode
	}
	if err := j.Accounts.AddApp(ctx, userID, setup.Key.Secret, step, ip); err != nil {
		return err
	}
	j.deleteFlow(ctx, id)
	return nil
}

// AddApp saves secret (sealed) as user userID's authenticator app, its
// confirming code's step as the last used, with the audit event
// "user.app_added" in the same write, and emails the user; a notice that
// cannot be sent is audited, never undoes the change. An app already there
// is replaced.
func (s *Service) AddApp(ctx context.Context, userID, secret string, step int64, ip string) error {
	sealed, err := totp.Seal(s.AppCipher, userID, secret)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	u, err := s.Users.UpdateUser(ctx, userID, func(u *store.User) ([]store.AuditEvent, error) {
		detail := map[string]string{}
		if u.TOTPSecret != "" {
			detail["replaced"] = "true"
		}
		u.TOTPSecret, u.TOTPLastStep, u.TOTPAddedAt, u.UpdatedAt = sealed, step, now, now
		return []store.AuditEvent{{Time: now, Type: "user.app_added", UserID: u.ID, Actor: "user", IP: ip, Detail: detail}}, nil
	})
	if err != nil {
		return fmt.Errorf("add app of %s: %w", userID, err)
	}
	s.tell(ctx, u, notify.TemplateAppAdded, s.noticesFor(ctx, u).AppAdded(u.Email))
	return nil
}

// RemoveApp removes user userID's authenticator app, with the audit event
// "user.app_removed" (by actor: "user" or "admin:<client>") in the same
// write, and emails the user. Returns ErrNoApp (changing nothing) if there
// is none, store.ErrNotFound for an unknown user.
func (s *Service) RemoveApp(ctx context.Context, userID, actor, ip string) error {
	now := s.Clock.Now()
	u, err := s.Users.UpdateUser(ctx, userID, func(u *store.User) ([]store.AuditEvent, error) {
		if u.TOTPSecret == "" {
			return nil, ErrNoApp
		}
		u.TOTPSecret, u.TOTPLastStep, u.TOTPAddedAt, u.UpdatedAt = "", 0, time.Time{}, now
		return []store.AuditEvent{{Time: now, Type: "user.app_removed", UserID: u.ID, Actor: actor, IP: ip}}, nil
	})
	if errors.Is(err, ErrNoApp) {
		return ErrNoApp
	}
	if err != nil {
		return fmt.Errorf("remove app of %s: %w", userID, err)
	}
	s.tell(ctx, u, notify.TemplateAppRemoved, s.noticesFor(ctx, u).AppRemoved(u.Email))
	return nil
}

// errUnchanged ends an UpdateUser that has nothing to write.
var errUnchanged = errors.New("signin: nothing to change")

// ResealApp reseals user userID's app secret under the current key of
// AppCipher, if a previous key sealed it (after the encryption key was
// replaced: `idp keys reencrypt`), and reports whether it did. A user
// without an app changes nothing.
func (s *Service) ResealApp(ctx context.Context, userID string) (bool, error) {
	changed := false
	_, err := s.Users.UpdateUser(ctx, userID, func(u *store.User) ([]store.AuditEvent, error) {
		changed = false // fn may run more than once
		if u.TOTPSecret == "" {
			return nil, errUnchanged
		}
		sealed, resealed, err := totp.Reseal(s.AppCipher, u.ID, u.TOTPSecret)
		if err != nil || !resealed {
			return nil, cmp.Or(err, errUnchanged)
		}
		u.TOTPSecret, changed = sealed, true
		return nil, nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return false, fmt.Errorf("reseal app secret of %s: %w", userID, err)
	}
	return changed, nil
}

// tell emails u a notice (of template name); one that cannot be sent is
// logged and audited.
func (s *Service) tell(ctx context.Context, u store.User, name string, m notify.Email) {
	err := errors.New("no email sender")
	if s.Email != nil {
		err = s.Email.SendEmail(ctx, m)
	}
	if err != nil {
		s.Logger.WarnContext(ctx, "send notice", "user", u.ID, "notice", name, "err", err)
		s.audit(ctx, store.AuditEvent{Type: "user.notice_not_sent", UserID: u.ID, Actor: "system",
			Detail: map[string]string{"notice": name}})
	}
}
