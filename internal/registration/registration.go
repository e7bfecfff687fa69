package registration

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/mailaddr"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/onetimecode"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/text"
)

// Kind is flow.Flow.Kind of a registration.
const Kind = "register"

// Flow data keys besides the profile's Field names. None holds a secret in
// plain: the password is there only as its argon2id hash.
const (
	DataPasswordHash = "password_hash"
	DataExisting     = "existing"     // "1": the email already has an account; no code was sent
	DataAuthRequest  = "auth_request" // the OIDC auth request to go back to, if any
)

// Sentinel errors besides flow.ErrTransition and onetimecode's.
var (
	// ErrExpired: the flow's time is up; the user must start again. It is
	// flow.ErrExpired, which flow.Advance returns.
	ErrExpired = flow.ErrExpired
	// ErrSendFailed: the email could not be sent; the flow is where it was.
	ErrSendFailed = errors.New("registration: email not sent")
)

// Users is what registration needs of the system of record.
type Users interface {
	GetUserByEmail(ctx context.Context, email string) (store.User, error)
	CreateUser(ctx context.Context, u store.User, events ...store.AuditEvent) error
}

// Service runs registration flows. Every field is required unless marked
// optional.
type Service struct {
	Flows     flow.Store
	Users     Users
	Hasher    *password.Hasher
	Policy    password.Policy
	Email     notify.EmailSender
	Templates notify.Templates
	Pepper    secret.Pepper
	Clock     clock.Clock
	// BaseURL is the configured issuer: links in emails are built from it,
	// never from a request's Host header.
	BaseURL string
	Limiter ratelimit.Limiter // optional: no per-address / per-IP limits
	Limits  ratelimit.Limits  // EmailCodesPerAddress, RegistrationsPerIP
	Codes   onetimecode.Rules // optional: onetimecode.EmailRules()
	FlowTTL time.Duration     // optional: 1 hour
	Logger  *slog.Logger      // optional
}

func (s *Service) rules() onetimecode.Rules { return s.Codes.Or(onetimecode.EmailRules()) }

func (s *Service) logger() *slog.Logger { return cmp.Or(s.Logger, slog.New(slog.DiscardHandler)) }

// Start creates a registration flow at step 1. csrfHash is the SHA-256 of the
// CSRF token the browser holds; authRequest the OIDC auth request to return
// to afterwards ("" if none).
func (s *Service) Start(ctx context.Context, csrfHash []byte, authRequest string) (flow.Flow, error) {
	var data map[string]string
	if authRequest != "" {
		data = map[string]string{DataAuthRequest: authRequest}
	}
	return s.journey().Start(ctx, secret.ID("flw_"), csrfHash, data)
}

// SubmitProfile takes step 1. It returns a *text.Invalid (nothing changed),
// flow.ErrTransition, ErrExpired, or a *onetimecode.LimitError when too many
// registrations came from ip.
func (s *Service) SubmitProfile(ctx context.Context, id string, p Profile, ip string) error {
	p, err := p.Validate()
	if err != nil {
		return err
	}
	if _, err := s.journey().Load(ctx, id, EventSubmitProfile); err != nil {
		return err
	}
	if err := onetimecode.Allow(ctx, s.Limiter, s.Limits.RegistrationsPerIP, "ip:"+ip); err != nil {
		return err
	}
	_, err = s.journey().Update(ctx, id, EventSubmitProfile, func(f *flow.Flow) error {
		for k, v := range map[string]string{
			FieldForename: p.Forename, FieldSurname: p.Surname, FieldProfessional: p.Professional, FieldRole: p.Role,
			FieldOrganisation: p.Organisation, FieldStreet: p.Street, FieldTown: p.Town, FieldPostcode: p.Postcode,
		} {
			f.Set(k, v)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("submit profile to flow %s: %w", id, err)
	}
	return nil
}

// Credentials is what step 2 asks for.
type Credentials struct {
	Email, Password, Confirm string
}

// SubmitCredentials takes step 2: the email is normalised, the password
// checked against the policy (every failed rule listed), the flow's state and
// every limit checked, and only then the password hashed (argon2id, which a
// refused request must not cost; password.ErrBusy when the hasher is full).
// Then a code goes to the address, or, if it already has an account, the
// "you already have an account" email: the flow and the answer are the same.
// Errors: *text.Invalid (nothing changed), flow.ErrTransition, ErrExpired,
// *onetimecode.LimitError (codes per address, sends per flow), ErrSendFailed
// (the flow is back at step 2 as it was).
func (s *Service) SubmitCredentials(ctx context.Context, id string, c Credentials) error {
	var inv text.Invalid
	addr := mailaddr.Field(&inv, FieldEmail, c.Email)
	s.Policy.CheckNew(&inv, FieldPassword, c.Password, FieldConfirm, c.Confirm)
	if err := inv.Err(); err != nil {
		return err
	}
	// Every limit comes before the hash (issue 10, point 6): a refused
	// request costs no argon2id. First the flow's own: its expiry and its
	// state, then its codes sent and the address's limit (onetimecode.Admit).
	cur, err := s.journey().Check(ctx, id, EventSubmitCredentials)
	if err != nil {
		return err
	}
	if err := onetimecode.Admit(ctx, cur, addr, s.Clock.Now(), s.rules(), false, s.Limiter, s.Limits.EmailCodesPerAddress); err != nil {
		return err
	}
	existing := false
	switch _, err := s.Users.GetUserByEmail(ctx, addr); {
	case err == nil:
		existing = true
	case !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("look up email: %w", err)
	}
	hash, err := s.Hasher.Hash(ctx, c.Password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	code := secret.NumericCode(s.rules().Digits)
	mac := s.Pepper.MAC(code)
	now := s.Clock.Now()
	_, err = s.journey().Update(ctx, id, EventSubmitCredentials, func(f *flow.Flow) error {
		f.Set(FieldEmail, addr)
		f.Set(DataPasswordHash, hash)
		delete(f.Data, DataExisting)
		if existing {
			f.Set(DataExisting, "1")
		}
		return onetimecode.Issue(f, mac, addr, now, s.rules(), false)
	})
	if err != nil {
		return fmt.Errorf("submit credentials to flow %s: %w", id, err)
	}
	if err := s.send(ctx, addr, code, existing); err != nil {
		s.revert(ctx, id, mac, cur)
		return err
	}
	return nil
}

// send emails the code, or the "already registered" email instead.
func (s *Service) send(ctx context.Context, addr, code string, existing bool) error {
	// In the language of the page the person is reading.
	t := s.Templates.In(text.LangOf(ctx))
	m := t.VerifyEmail(addr, code)
	if existing {
		base := strings.TrimSuffix(s.BaseURL, "/")
		m = t.AlreadyRegistered(addr, base+"/signin", base+"/forgot-password")
	}
	if err := s.Email.SendEmail(ctx, m); err != nil {
		s.logger().WarnContext(ctx, "send registration email", "email", m, "err", err)
		return fmt.Errorf("%w: %w", ErrSendFailed, err)
	}
	return nil
}

// revert puts back the state and code of prev after a send failed, if the
// flow still holds the code (mac) whose email was lost.
func (s *Service) revert(ctx context.Context, id string, mac []byte, prev flow.Flow) {
	_, err := s.Flows.Update(ctx, id, func(f *flow.Flow) error {
		if f.Code == nil || string(f.Code.HMAC) != string(mac) {
			return nil
		}
		f.State, f.Code = prev.State, prev.Code
		if f.Code != nil { // keep the send counted: the limit is on attempts to send
			c := *f.Code
			c.Sends++
			f.Code = &c
		}
		return nil
	})
	if err != nil {
		s.logger().WarnContext(ctx, "revert registration flow after failed send", "flow", id, "err", err)
	}
}

// Resend sends a new code ("Please send me a new code"): it replaces the old
// one, keeps the count of tries, and obeys the cooldown and the maximum of
// sends (*onetimecode.LimitError). ErrSendFailed leaves the old code live.
func (s *Service) Resend(ctx context.Context, id string) error {
	cur, addr, err := onetimecode.LoadResend(ctx, s.journey(), id, EventResend, FieldEmail, s.rules(), s.Limiter, s.Limits.EmailCodesPerAddress)
	if err != nil {
		return err
	}
	code := secret.NumericCode(s.rules().Digits)
	mac := s.Pepper.MAC(code)
	now := s.Clock.Now()
	f, err := s.journey().Update(ctx, id, EventResend, func(f *flow.Flow) error {
		return onetimecode.Issue(f, mac, addr, now, s.rules(), true)
	})
	if err != nil {
		return fmt.Errorf("resend code for flow %s: %w", id, err)
	}
	if err := s.send(ctx, addr, code, f.Data[DataExisting] == "1"); err != nil {
		s.revert(ctx, id, mac, cur)
		return err
	}
	return nil
}

// Back goes one step back. Leaving step 3 kills the code sent.
func (s *Service) Back(ctx context.Context, id string) error {
	return s.journey().Do(ctx, id, EventBack, onetimecode.Kill)
}

// Completed is the outcome of a finished registration.
type Completed struct {
	UserID      string // "" when the address already had an account
	AuthRequest string // the OIDC auth request to go back to, if any
}

// SubmitCode takes step 3. The right code creates the user, the first
// password-history entry and the audit event "user.registered" in one
// transaction, and deletes the flow. Of concurrent submissions of the right
// code exactly one completes. Errors: *text.Invalid (no code typed),
// flow.ErrTransition, ErrExpired, onetimecode's ErrWrongCode, ErrExpired,
// ErrNoCode and *LimitError (ErrTooManyTries).
func (s *Service) SubmitCode(ctx context.Context, id, typed, ip string) (Completed, error) {
	f, err := onetimecode.Step(ctx, s.journey(), id, s.Pepper, typed, s.rules(), StateVerify, EventSubmitCode)
	if err != nil {
		return Completed{}, err
	}
	now := s.Clock.Now()
	done := Completed{AuthRequest: f.Data[DataAuthRequest]}
	u := userOf(f, now)
	u.Language = string(text.LangOf(ctx)) // the language the account was made in, for later notices
	err = s.Users.CreateUser(ctx, u, store.AuditEvent{
		Time: now, Type: "user.registered", UserID: u.ID, Actor: "user", IP: ip,
		Detail: map[string]string{"email": notify.MaskEmail(u.Email)},
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		// The address has an account (registered meanwhile, or all along and
		// the code was guessed): nothing to create; the user signs in.
	case err != nil:
		// Put the code back so the user can press Next again.
		_, rerr := s.Flows.Update(ctx, id, func(g *flow.Flow) error {
			if g.State == string(StateDone) && g.Code != nil {
				g.State = string(StateVerify)
				g.Code.HMAC = s.Pepper.MAC(secret.NormalizeCode(typed))
			}
			return nil
		})
		if rerr != nil {
			s.logger().WarnContext(ctx, "revert registration flow after failed create", "flow", id, "err", rerr)
		}
		return Completed{}, fmt.Errorf("create user: %w", err)
	default:
		done.UserID = u.ID
	}
	if err := s.Flows.Delete(ctx, id); err != nil {
		s.logger().WarnContext(ctx, "delete finished registration flow", "flow", id, "err", err)
	}
	return done, nil
}

func userOf(f flow.Flow, now time.Time) store.User {
	d := f.Data
	return store.User{
		ID:            secret.ID("usr_"),
		Email:         d[FieldEmail],
		EmailVerified: true,
		GivenName:     d[FieldForename],
		FamilyName:    d[FieldSurname],
		PasswordHash:  d[DataPasswordHash],
		Profile: store.Profile{
			Professional: d[FieldProfessional] == "yes",
			Role:         d[FieldRole],
			Organisation: d[FieldOrganisation],
			Street:       d[FieldStreet],
			Town:         d[FieldTown],
			Postcode:     d[FieldPostcode],
		},
		CreatedAt: now,
		UpdatedAt: now,
	}
}
