package recovery

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	"github.com/carekey/carekey/pkg/text"
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

// Sentinel errors besides flow.ErrTransition and onetimecode's.
var (
	// ErrExpired: the flow's time is up; the user must start again. It is
	// flow.ErrExpired, which flow.Advance returns.
	ErrExpired = flow.ErrExpired
	// ErrTooManyPasswords: the flow has had MaxPasswordTries new passwords
	// checked against the history; the user must start again. Returned in
	// an *onetimecode.LimitError.
	ErrTooManyPasswords = errors.New("recovery: too many new passwords tried")
)

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

func (s *Service) logger() *slog.Logger { return cmp.Or(s.Logger, slog.New(slog.DiscardHandler)) }

// Start creates a flow at "Forgot your password?".
func (s *Service) Start(ctx context.Context, csrfHash []byte) (flow.Flow, error) {
	return s.journey().Start(ctx, secret.ID("flw_"), csrfHash, nil)
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
// flow.ErrTransition, ErrExpired, *onetimecode.LimitError.
func (s *Service) SubmitEmail(ctx context.Context, id, email string) error {
	var inv text.Invalid
	addr := mailaddr.Field(&inv, FieldEmail, email)
	if err := inv.Err(); err != nil {
		return err
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
	_, addr, err := onetimecode.LoadResend(ctx, s.journey(), id, EventResend, FieldEmail, s.rules(), s.Limiter, s.Limits.EmailCodesPerAddress)
	if err != nil {
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
	_, err := s.journey().Update(ctx, id, e, func(f *flow.Flow) error {
		f.Set(FieldEmail, addr)
		return onetimecode.Issue(f, mac, addr, now, s.rules(), resend)
	})
	if err != nil {
		return fmt.Errorf("issue code for flow %s: %w", id, err)
	}
	s.Jobs.Go("password reset code", s.sendCode(addr, code, text.LangOf(ctx))) // a dropped job is logged and counted by Jobs
	return nil
}

// sendCode is the job that looks addr up and, if it is a user's, emails
// the code, in lang: the language of the page that asked for it. It runs
// after the answer; failures are only logged.
func (s *Service) sendCode(addr, code string, lang text.Lang) notify.Job {
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
		if err := s.Email.SendEmail(ctx, s.Templates.In(lang).PasswordResetCode(addr, code)); err != nil {
			s.logger().WarnContext(ctx, "send password reset code", "user", userID, "err", err)
		}
	}
}

// Back returns to the email address; the code dies.
func (s *Service) Back(ctx context.Context, id string) error {
	return s.journey().Do(ctx, id, EventBack, onetimecode.Kill)
}

// SubmitCode checks the code; the right one leads to the new password.
// Errors: *text.Invalid (none typed), flow.ErrTransition, onetimecode's
// ErrWrongCode, ErrExpired, ErrNoCode, *LimitError.
func (s *Service) SubmitCode(ctx context.Context, id, typed string) error {
	_, err := onetimecode.Step(ctx, s.journey(), id, s.Pepper, typed, s.rules(), StateVerify, EventSubmitCode)
	return err
}
