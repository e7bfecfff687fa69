package recovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/mailaddr"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/onetimecode"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/text"
)

// Kind is flow.Flow.Kind of a forgotten-password flow.
const Kind = "recovery"

// Form fields and flow data keys.
const (
	FieldEmail    = "email"
	FieldCode     = "code"
	FieldPassword = "password"
	FieldConfirm  = "confirm_password"
)

// Sentinel errors besides ErrBadTransition and onetimecode's.
var (
	// ErrExpired: the flow's time is up; the user must start again. It is
	// flow.ErrExpired, which flow.Advance returns.
	ErrExpired = flow.ErrExpired
	// ErrTooManyPasswords: the flow has had MaxPasswordTries new passwords
	// checked against the history; the user must start again. Returned in
	// an *onetimecode.LimitError.
	ErrTooManyPasswords = errors.New("recovery: too many new passwords tried")
)

// MaxPasswordTries bounds the new passwords one flow may have checked
// against the history: each check costs up to 1+HistorySize argon2id
// verifications, so an unbounded step would be a way to burn the server's
// CPU.
const MaxPasswordTries = 10

// dataPasswordTries is the flow data key counting the new passwords tried.
const dataPasswordTries = "password_tries"

// countPasswordTry counts one new password against the flow's
// MaxPasswordTries, in the flow, before any hash.
func (s *Service) countPasswordTry(ctx context.Context, id string) error {
	var refused bool
	_, err := s.Flows.Update(ctx, id, func(f *flow.Flow) error {
		refused = false // fn may be retried
		if f.State != string(StatePassword) {
			return ErrBadTransition
		}
		n, _ := strconv.Atoi(f.Data[dataPasswordTries])
		if n >= MaxPasswordTries {
			refused = true
			return nil
		}
		f.Set(dataPasswordTries, strconv.Itoa(n+1))
		return nil
	})
	if err != nil {
		return fmt.Errorf("count password try of flow %s: %w", id, err)
	}
	if refused {
		return &onetimecode.LimitError{Err: ErrTooManyPasswords}
	}
	return nil
}

// Users is what recovery needs of the system of record.
type Users interface {
	GetUserByEmail(ctx context.Context, email string) (store.User, error)
	UpdateUser(ctx context.Context, id string, fn func(u *store.User) ([]store.AuditEvent, error)) (store.User, error)
	PasswordHistory(ctx context.Context, userID string, n int) ([]string, error)
	RevokeUserRefreshTokens(ctx context.Context, userID string, now time.Time) error
	AppendAudit(ctx context.Context, events ...store.AuditEvent) error
}

// Sessions ends a user's browser sessions.
type Sessions interface {
	DeleteByUser(ctx context.Context, userID string) ([]session.Session, error)
}

// Jobs runs work after the request has been answered (notify.Jobs). Go
// must never wait: a full queue drops the job and returns false.
type Jobs interface {
	Go(name string, job notify.Job) bool
}

// LogoutNotifier is told of each session a password reset ends, to send
// back-channel logout to the relying parties that held it. SessionEnded
// must return at once.
type LogoutNotifier interface {
	SessionEnded(ctx context.Context, sess session.Session)
}

// Service runs forgotten-password flows. Every field is required unless
// marked optional.
type Service struct {
	Flows    flow.Store
	Users    Users
	Sessions Sessions
	Hasher   *password.Hasher
	Policy   password.Policy
	// Email sends the code (from a Jobs job) and the "password changed"
	// notice.
	Email notify.EmailSender
	// Jobs runs the lookup of the address, the rendering and the sending of
	// the code after the answer, for every address alike: the request never
	// asks whether the address has an account, so its time cannot tell.
	Jobs      Jobs
	Templates notify.Templates
	Pepper    secret.Pepper
	Clock     clock.Clock
	Limiter   ratelimit.Limiter // optional
	Limits    ratelimit.Limits  // EmailCodesPerAddress
	Codes     onetimecode.Rules // optional: onetimecode.EmailRules()
	FlowTTL   time.Duration     // optional: 1 hour
	Logger    *slog.Logger      // optional
	Logout    LogoutNotifier    // optional: back-channel logout of the ended sessions
}

func (s *Service) rules() onetimecode.Rules { return s.Codes.Or(onetimecode.EmailRules()) }

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Start creates a flow at "Forgot your password?".
func (s *Service) Start(ctx context.Context, csrfHash []byte) (flow.Flow, error) {
	return s.journey().Start(ctx, secret.ID("flw_"), csrfHash, nil)
}

// update applies e to flow id after checking it is live, then lets change
// edit it, all in one compare-and-swap.
func (s *Service) update(ctx context.Context, id string, e Event, change func(f *flow.Flow) error) (flow.Flow, error) {
	return s.journey().Update(ctx, id, e, change)
}

func (s *Service) lookup(ctx context.Context, addr string) (string, error) {
	u, err := s.Users.GetUserByEmail(ctx, addr)
	switch {
	case err == nil:
		return u.ID, nil
	case errors.Is(err, store.ErrNotFound):
		return "", nil
	default:
		return "", fmt.Errorf("look up email: %w", err)
	}
}

// SubmitEmail takes the email address. A code is made and put on the flow
// for every address, and one job is queued (Jobs) that looks the address up
// and emails the code only if it has an account. The request itself never
// looks the address up: the answer, the flow and the work done on the
// request's path (a rate-limit count, an HMAC, a flow write, a queued job)
// are the same for every address, and so is the time taken. A failed or
// dropped send is logged, never shown. Errors: *text.Invalid,
// ErrBadTransition, ErrExpired, *onetimecode.LimitError.
func (s *Service) SubmitEmail(ctx context.Context, id, email string) error {
	addr, err := mailaddr.Normalize(email)
	if err != nil {
		var inv text.Invalid
		switch {
		case errors.Is(err, mailaddr.ErrEmpty):
			inv.Add(FieldEmail, text.EmailRequired)
		case errors.Is(err, mailaddr.ErrTooLong):
			inv.Add(FieldEmail, text.EmailTooLong)
		default:
			inv.Add(FieldEmail, text.EmailInvalid)
		}
		return &inv
	}
	if _, err := s.journey().Load(ctx, id, EventSubmitEmail); err != nil {
		return err
	}
	if err := onetimecode.Allow(ctx, s.Limiter, s.Limits.EmailCodesPerAddress, "email:"+addr); err != nil {
		return err
	}
	return s.issue(ctx, id, EventSubmitEmail, addr, false)
}

// Resend sends a new code (cooldown, maximum of sends, tries carried over).
func (s *Service) Resend(ctx context.Context, id string) error {
	cur, err := s.journey().Load(ctx, id, EventResend)
	if err != nil {
		return err
	}
	addr := cur.Data[FieldEmail]
	if err := onetimecode.Admit(ctx, cur, addr, s.Clock.Now(), s.rules(), true, s.Limiter, s.Limits.EmailCodesPerAddress); err != nil {
		return err
	}
	return s.issue(ctx, id, EventResend, addr, true)
}

// issue puts a new code on the flow and queues the job that emails it if
// the address is a user's. Nothing here depends on whether it is.
func (s *Service) issue(ctx context.Context, id string, e Event, addr string, resend bool) error {
	code := secret.NumericCode(s.rules().Digits)
	mac := s.Pepper.MAC(code)
	now := s.Clock.Now()
	_, err := s.update(ctx, id, e, func(f *flow.Flow) error {
		f.Set(FieldEmail, addr)
		return onetimecode.Issue(f, mac, addr, now, s.rules(), resend)
	})
	if err != nil {
		return fmt.Errorf("issue code for flow %s: %w", id, err)
	}
	s.Jobs.Go("password reset code", s.sendCode(addr, code)) // a dropped job is logged and counted by Jobs
	return nil
}

// sendCode is the job that looks addr up and, if it is a user's, emails
// the code. It runs after the answer; failures are only logged.
func (s *Service) sendCode(addr, code string) notify.Job {
	return func(ctx context.Context) {
		if ctx.Err() != nil { // shutting down
			s.logger().WarnContext(ctx, "password reset code not sent: shutting down", "email", notify.MaskEmail(addr))
			return
		}
		userID, err := s.lookup(ctx, addr)
		switch {
		case err != nil:
			s.logger().WarnContext(ctx, "password reset code not sent", "email", notify.MaskEmail(addr), "err", err)
			return
		case userID == "":
			return // no account: no email
		}
		if err := s.Email.SendEmail(ctx, s.Templates.PasswordResetCode(addr, code)); err != nil {
			s.logger().WarnContext(ctx, "send password reset code", "user", userID, "err", err)
		}
	}
}

// Back returns to the email address; the code dies.
func (s *Service) Back(ctx context.Context, id string) error {
	_, err := s.update(ctx, id, EventBack, func(f *flow.Flow) error {
		onetimecode.Kill(f)
		return nil
	})
	if err != nil {
		return fmt.Errorf("back in flow %s: %w", id, err)
	}
	return nil
}

// SubmitCode checks the code; the right one leads to the new password.
// Errors: *text.Invalid (none typed), ErrBadTransition, onetimecode's
// ErrWrongCode, ErrExpired, ErrNoCode, *LimitError.
func (s *Service) SubmitCode(ctx context.Context, id, typed string) error {
	if secret.NormalizeCode(typed) == "" {
		var inv text.Invalid
		inv.Add(FieldCode, text.EmailCodeRequired)
		return &inv
	}
	now := s.Clock.Now()
	_, err := onetimecode.Redeem(ctx, s.Flows, id, s.Pepper, typed, now, s.rules(), string(StateVerify), func(f *flow.Flow) error {
		return flow.Advance(f, now, table(), EventSubmitCode)
	})
	if errors.Is(err, onetimecode.ErrWrongState) {
		return ErrBadTransition
	}
	return err
}

// SubmitPassword sets the new password: the form checked (policy, every
// failed rule listed, and the confirmation), then, counted against the
// flow's MaxPasswordTries, the history (not the current password nor the
// previous HistorySize). Nothing is hashed before every one of those limits
// has passed. Then every session and refresh token of the user is revoked,
// the user is told by email, and the flow is deleted. Errors:
// *text.Invalid, ErrBadTransition, ErrExpired, *onetimecode.LimitError
// wrapping ErrTooManyPasswords, password.ErrBusy.
func (s *Service) SubmitPassword(ctx context.Context, id, pw, confirm string) error {
	cur, err := s.Flows.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("load flow %s: %w", id, err)
	}
	if !cur.Valid(s.Clock.Now()) {
		return ErrExpired
	}
	if !Can(State(cur.State), EventSubmitPassword) {
		return ErrBadTransition
	}
	var inv text.Invalid
	if pw == "" {
		inv.Add(FieldPassword, text.PasswordRequired)
	} else {
		var pe *password.PolicyError
		if errors.As(s.Policy.Check(pw), &pe) {
			for _, words := range pe.Texts() {
				inv.AddWords(FieldPassword, words)
			}
		}
	}
	switch {
	case confirm == "":
		inv.Add(FieldConfirm, text.ConfirmRequired)
	case pw != "" && confirm != pw:
		inv.Add(FieldConfirm, text.PasswordsDiffer)
	}
	if err := inv.Err(); err != nil {
		return err
	}
	if err := s.countPasswordTry(ctx, id); err != nil {
		return err
	}
	// The address is looked up only now, after the emailed code: an
	// unknown address never gets here but by a guessed code.
	userID, err := s.lookup(ctx, cur.Data[FieldEmail])
	if err != nil {
		return err
	}
	history, err := s.Users.PasswordHistory(ctx, userID, 1+s.Policy.HistorySize)
	if err != nil {
		return fmt.Errorf("load password history: %w", err)
	}
	var pe *password.PolicyError
	switch err := s.Policy.CheckHistory(ctx, s.Hasher, pw, history); {
	case errors.As(err, &pe):
		for _, words := range pe.Texts() {
			inv.AddWords(FieldPassword, words)
		}
		return inv.Err()
	case err != nil:
		return err
	}
	hash, err := s.Hasher.Hash(ctx, pw)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	if userID == "" { // a guessed code for an unknown address: nothing to change
		_ = s.Flows.Delete(ctx, id)
		return nil
	}
	// Claim the flow first, so the password is set once.
	if _, err := s.update(ctx, id, EventSubmitPassword, nil); err != nil {
		return fmt.Errorf("finish flow %s: %w", id, err)
	}
	now := s.Clock.Now()
	u, err := s.Users.UpdateUser(ctx, userID, func(u *store.User) ([]store.AuditEvent, error) {
		events := []store.AuditEvent{{Time: now, Type: "user.password_reset", UserID: u.ID, Actor: "user"}}
		u.PasswordHash = hash
		// A user imported from B2C whose password was never migrated has
		// one here now: sign-in no longer asks the old directory.
		u.PasswordPending = false
		u.UpdatedAt = now
		u.TokensValidAfter = now // every token issued before is dead at once
		// Whoever was guessing the old password does not know the new one:
		// the run of wrong passwords and any lock end here. LockCount stays,
		// so a renewed attack still meets the doubled lock period.
		if u.LockedUntil.After(now) {
			events = append(events, store.AuditEvent{Time: now, Type: "user.unlocked", UserID: u.ID, Actor: "user",
				Detail: map[string]string{"reason": "password_reset"}})
		}
		u.FailedLogins = 0
		u.FailedCodes = 0 // whoever guessed phone codes with the old password is out too
		u.LockedUntil = time.Time{}
		return events, nil
	})
	if err != nil {
		_, _ = s.Flows.Update(ctx, id, func(f *flow.Flow) error {
			if f.State == string(StateDone) {
				f.State = string(StatePassword)
			}
			return nil
		})
		return fmt.Errorf("set new password: %w", err)
	}
	sessions, err := s.Sessions.DeleteByUser(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	if s.Logout != nil {
		for _, sess := range sessions {
			s.Logout.SessionEnded(ctx, sess)
		}
	}
	if err := s.Users.RevokeUserRefreshTokens(ctx, u.ID, now); err != nil {
		return fmt.Errorf("revoke refresh tokens: %w", err)
	}
	if err := s.Users.AppendAudit(ctx, store.AuditEvent{Time: now, Type: "user.sessions_revoked", UserID: u.ID, Actor: "system",
		Detail: map[string]string{"reason": "password_reset", "sessions": fmt.Sprint(len(sessions))}}); err != nil {
		s.logger().WarnContext(ctx, "audit sessions revoked", "user", u.ID, "err", err)
	}
	if err := s.Email.SendEmail(ctx, s.Templates.PasswordChanged(u.Email)); err != nil {
		s.logger().WarnContext(ctx, "send password changed email", "user", u.ID, "err", err)
	}
	if err := s.Flows.Delete(ctx, id); err != nil {
		s.logger().WarnContext(ctx, "delete finished recovery flow", "flow", id, "err", err)
	}
	return nil
}
