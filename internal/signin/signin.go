package signin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/totp"
	"github.com/carekey/carekey/pkg/text"
)

// ErrInvalidCredentials: the email or the password is wrong (callers must not
// say which).
var ErrInvalidCredentials = errors.New("signin: invalid email or password")

// ErrOldPasswordUnavailable: the user's password is not migrated yet and the
// directory it lives in (Azure AD B2C) could not check it: the user is asked
// to try again later; nothing was counted.
var ErrOldPasswordUnavailable = errors.New("signin: old directory unavailable to check the password")

// ErrPasswordResetNeeded: the user's password was never migrated and can no
// longer be (past the cut-off, or no old directory configured): the user
// must set one with forgot password.
var ErrPasswordResetNeeded = errors.New("signin: password not migrated, reset needed")

// OldPasswords checks the password of a user imported with PasswordPending
// against the directory the user came from (internal/b2c's ROPC client).
type OldPasswords interface {
	// CheckPassword reports whether password is username's: (true, nil)
	// right, (false, nil) wrong; an error when it could not tell (down,
	// timed out, an unexpected answer).
	CheckPassword(ctx context.Context, username, password string) (bool, error)
}

// Users is what sign-in needs of the system of record.
type Users interface {
	GetUser(ctx context.Context, id string) (store.User, error)
	GetUserByEmail(ctx context.Context, email string) (store.User, error)
	UpdateUser(ctx context.Context, id string, fn func(u *store.User) ([]store.AuditEvent, error)) (store.User, error)
	AppendAudit(ctx context.Context, events ...store.AuditEvent) error
}

// Hasher verifies and (re)hashes passwords.
type Hasher interface {
	Hash(ctx context.Context, password string) (string, error)
	Verify(ctx context.Context, password, phc string) (ok, needsRehash bool, err error)
	// VerifyDummy costs what Verify costs and returns the error Verify
	// would (password.ErrBusy when the hasher is saturated).
	VerifyDummy(ctx context.Context, password string) error
}

// Service is the account side of sign-in, on the user record: it checks
// passwords (with the lockout and rate limits), counts wrong codes, and
// saves the phone numbers users confirm. Journey uses it (Accounts).
type Service struct {
	Users  Users
	Hasher Hasher
	Clock  clock.Clock
	Logger *slog.Logger
	// Lockout locks an account after too many wrong passwords in a row; the
	// counters live in the user record, so they survive a cache flush. Its
	// SourceBackoff comes first: one source (IP address) that keeps getting
	// an account's password wrong must wait (HTTP 429) long before the
	// account locks, so one source cannot lock an account out at once.
	// Lockout.Threshold wrong phone codes in a row (FailedCodes, across
	// sign-ins) lock the account too.
	Lockout ratelimit.Lockout
	// Limiter and Limits throttle attempts per IP address and per account
	// (SigninPerIP, SigninPerAccount). A nil Limiter or a zero Limit does
	// not limit.
	Limiter ratelimit.Limiter
	Limits  ratelimit.Limits
	// SMS, Email and Templates tell a user that their phone number was
	// changed (ChangePhone). Optional: a missing sender counts as a notice
	// that could not be sent.
	SMS       notify.SMSSender
	Email     notify.EmailSender
	Templates notify.Templates
	// LockNotices sends the email that tells a user their account was
	// locked (optional: Email). It should send in the background, so that
	// the request that locks an account takes no longer than another wrong
	// password. ResetURL is the issuer's /forgot-password, named in it:
	// resetting the password lifts the lock.
	LockNotices notify.EmailSender
	ResetURL    string
	// AppCipher seals authenticator app secrets on the user record (the
	// keyring of the signing keys, keys.Cipher); AppIssuer names the
	// service in the user's app (app.go). Without AppCipher no app can be
	// set up or used.
	AppCipher totp.Sealer
	AppIssuer string

	// OldPasswords checks, once, the password of a user imported with
	// PasswordPending (issue 15): right, it is hashed with argon2id and
	// stored and the flag cleared; wrong, it counts toward the lockout like
	// any wrong password; unavailable, ErrOldPasswordUnavailable and
	// nothing counted. nil: such users get ErrPasswordResetNeeded.
	OldPasswords OldPasswords
	// MigrationCutoff: from then on, pending users get
	// ErrPasswordResetNeeded instead of a check. Zero: no cut-off.
	MigrationCutoff time.Time
}

// Attempt is one sign-in attempt.
type Attempt struct {
	Email    string
	Password string
	IP       string
}

// NormalizeEmail trims and lower-cases an email address, as stored.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Password returns the user if a's email and password match, or
// ErrInvalidCredentials (also while the account is locked), or a
// *RateLimitedError when too many attempts came from a.IP or for a.Email.
func (s *Service) Password(ctx context.Context, a Attempt) (store.User, error) {
	return s.password(ctx, a, s.limitsAhead(ctx, a))
}

// limitsAhead sends the rate limits of attempt a ahead (with the request's
// next Redis round trip, ratelimit.AllowInOrderAhead); await decides them.
// Per IP, per (account, source), then per account: the same counting
// whether or not the account exists, so a 429 reveals nothing. A source
// that has met its backoff is refused before the account-wide limit counts
// it, so one source alone cannot use up the owner's attempts.
func (s *Service) limitsAhead(ctx context.Context, a Attempt) (await func() error) {
	email := NormalizeEmail(a.Email)
	return ratelimit.AllowInOrderAhead(ctx, s.Limiter,
		ratelimit.Check{Limit: s.Limits.SigninPerIP, Key: a.IP},
		ratelimit.Check{Limit: s.Lockout.SourceBackoff, Key: ratelimit.SourceKey(email, a.IP)},
		ratelimit.Check{Limit: s.Limits.SigninPerAccount, Key: email})
}

// password is Password with its rate limits sent ahead (limitsAhead).
func (s *Service) password(ctx context.Context, a Attempt, limits func() error) (store.User, error) {
	email := NormalizeEmail(a.Email)
	source := ratelimit.SourceKey(email, a.IP)
	if err := limits(); err != nil {
		var limited *RateLimitedError
		if errors.As(err, &limited) {
			s.audit(ctx, store.AuditEvent{Type: "signin.rate_limited", IP: a.IP, Detail: map[string]string{"limit": limited.Limit}})
		}
		return store.User{}, err
	}
	u, err := s.Users.GetUserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.Hasher.VerifyDummy(ctx, a.Password); err != nil {
			// A saturated hasher answers unknown and known users alike.
			return store.User{}, fmt.Errorf("verify password: %w", err)
		}
		s.audit(ctx, store.AuditEvent{Type: "signin.unknown_email", IP: a.IP})
		return store.User{}, ErrInvalidCredentials
	}
	if err != nil {
		return store.User{}, fmt.Errorf("look up user: %w", err)
	}
	now := s.Clock.Now()
	if s.Lockout.Threshold > 0 && s.Lockout.Locked(u.LockedUntil, now) {
		// Same work and same answer as a wrong password: nothing tells a
		// guesser that the account is locked.
		if err := s.Hasher.VerifyDummy(ctx, a.Password); err != nil {
			return store.User{}, fmt.Errorf("verify password: %w", err)
		}
		s.audit(ctx, store.AuditEvent{Type: "signin.locked_attempt", UserID: u.ID, IP: a.IP})
		return store.User{}, ErrInvalidCredentials
	}
	var ok, rehash, migrate bool
	if u.PasswordPending {
		if ok, err = s.checkOldPassword(ctx, u, a, now); err != nil {
			return store.User{}, err
		}
		migrate = ok
	} else if ok, rehash, err = s.Hasher.Verify(ctx, a.Password, u.PasswordHash); err != nil {
		return store.User{}, fmt.Errorf("verify password of %s: %w", u.ID, err)
	}
	if !ok {
		lockedNow := false
		_, err := s.updateFrom(ctx, u, func(u *store.User) ([]store.AuditEvent, error) {
			lockedNow = false // fn may run more than once
			if s.Lockout.Threshold > 0 && s.Lockout.Locked(u.LockedUntil, now) {
				// A concurrent wrong password locked the account after we
				// read it: this one is not counted again, so parallel
				// guesses never count past the threshold.
				return []store.AuditEvent{{Time: now, Type: "signin.locked_attempt", UserID: u.ID, Actor: "user", IP: a.IP}}, nil
			}
			events := s.unlockExpired(u, now, a.IP)
			events = append(events, store.AuditEvent{Time: now, Type: "signin.password_failed", UserID: u.ID, Actor: "user", IP: a.IP})
			if s.Lockout.Threshold > 0 {
				var until time.Time
				u.FailedLogins, u.LockCount, until = s.Lockout.Fail(u.FailedLogins, u.LockCount, now)
				if !until.IsZero() {
					u.LockedUntil, lockedNow = until, true
					events = append(events, store.AuditEvent{Time: now, Type: "user.locked", UserID: u.ID, Actor: "system", IP: a.IP,
						Detail: map[string]string{"until": until.Format(time.RFC3339), "reason": "wrong_passwords"}})
				}
			} else {
				u.FailedLogins++
			}
			u.UpdatedAt = now
			return events, nil
		})
		if err != nil {
			return store.User{}, fmt.Errorf("record failed password of %s: %w", u.ID, err)
		}
		if lockedNow {
			s.tellLocked(ctx, u)
		}
		return store.User{}, ErrInvalidCredentials
	}
	newHash := ""
	if rehash || migrate {
		if newHash, err = s.Hasher.Hash(ctx, a.Password); err != nil && migrate {
			return store.User{}, fmt.Errorf("hash migrated password of %s: %w", u.ID, err)
		} else if err != nil {
			s.Logger.WarnContext(ctx, "rehash password", "user", u.ID, "err", err)
			newHash = ""
		}
	}
	locked := false
	u, err = s.updateFrom(ctx, u, func(u *store.User) ([]store.AuditEvent, error) {
		locked = s.Lockout.Threshold > 0 && s.Lockout.Locked(u.LockedUntil, now)
		if locked {
			// Locked by concurrent wrong passwords since we read the user.
			return []store.AuditEvent{{Time: now, Type: "signin.locked_attempt", UserID: u.ID, Actor: "user", IP: a.IP}}, nil
		}
		was := *u
		events := s.unlockExpired(u, now, a.IP)
		u.FailedLogins = 0
		if u.FailedCodes == 0 {
			// Wrong codes outstanding keep the doubling: the password
			// alone does not prove the owner (RightCode resets it).
			u.LockCount = 0
		}
		switch {
		case migrate && u.PasswordPending:
			// The old directory said yes: from now on the password is
			// checked here, and the old directory is never asked again.
			u.PasswordHash, u.PasswordPending = newHash, false
			events = append(events, store.AuditEvent{Time: now, Type: "user.password_migrated", UserID: u.ID, Actor: "user", IP: a.IP,
				Detail: map[string]string{"source": "b2c"}})
		case newHash != "" && !migrate:
			u.PasswordHash = newHash
		}
		// The language the person signs in in becomes the account's, for
		// the notices sent about it later (unchanged: nothing to write).
		if l := text.LangOf(ctx); text.Saved(u.Language, text.English) != l {
			u.Language = string(l)
		}
		if *u != was {
			u.UpdatedAt = now // the usual sign-in changes nothing: only its audit row is written
		}
		return append(events, store.AuditEvent{Time: now, Type: "signin.password_ok", UserID: u.ID, Actor: "user", IP: a.IP}), nil
	})
	if err != nil {
		return store.User{}, fmt.Errorf("record sign-in of %s: %w", u.ID, err)
	}
	if locked {
		return store.User{}, ErrInvalidCredentials
	}
	if s.Limiter != nil && s.Lockout.SourceBackoff.Max > 0 {
		// The right password ends this source's run of wrong ones.
		if err := s.Limiter.Reset(ctx, source, s.Lockout.SourceBackoff); err != nil {
			s.Logger.WarnContext(ctx, "reset source backoff", "user", u.ID, "err", err)
		}
	}
	return u, nil
}

// checkOldPassword checks the password of u, whose password is pending,
// at the old directory: (true, nil) right, (false, nil) wrong, or
// ErrPasswordResetNeeded (no old directory, or past the cut-off) or
// ErrOldPasswordUnavailable. The password is sent nowhere else and never
// logged.
func (s *Service) checkOldPassword(ctx context.Context, u store.User, a Attempt, now time.Time) (bool, error) {
	if s.OldPasswords == nil || (!s.MigrationCutoff.IsZero() && !now.Before(s.MigrationCutoff)) {
		s.audit(ctx, store.AuditEvent{Type: "signin.password_reset_needed", UserID: u.ID, IP: a.IP})
		return false, ErrPasswordResetNeeded
	}
	ok, err := s.OldPasswords.CheckPassword(ctx, u.Email, a.Password)
	if err != nil {
		s.Logger.WarnContext(ctx, "check password at the old directory", "user", u.ID, "err", err)
		s.audit(ctx, store.AuditEvent{Type: "signin.old_directory_unavailable", UserID: u.ID, IP: a.IP})
		return false, fmt.Errorf("check password of %s: %w", u.ID, ErrOldPasswordUnavailable)
	}
	return ok, nil
}

// updateFrom saves fn's change to read, the user as this request read
// them: without reading the row again when the store can (a
// store.UpdaterFrom saves it only if the row still holds read, else runs
// fn again on the row as it is), else with UpdateUser.
func (s *Service) updateFrom(ctx context.Context, read store.User, fn func(u *store.User) ([]store.AuditEvent, error)) (store.User, error) {
	if up, ok := s.Users.(store.UpdaterFrom); ok {
		return up.UpdateUserFrom(ctx, read, fn)
	}
	return s.Users.UpdateUser(ctx, read.ID, fn)
}

// tellLocked emails the owner of an account that has just been locked, with
// the safe way back (forgot password lifts the lock). A notice that cannot
// be sent is logged and audited; the lock stands.
// noticesFor words the notices about u's account in u's saved language,
// else the page's.
func (s *Service) noticesFor(ctx context.Context, u store.User) notify.Templates {
	return s.Templates.In(text.Saved(u.Language, text.LangOf(ctx)))
}

func (s *Service) tellLocked(ctx context.Context, u store.User) {
	sender := s.LockNotices
	if sender == nil {
		sender = s.Email
	}
	err := errors.New("no email sender")
	if sender != nil {
		err = sender.SendEmail(ctx, s.noticesFor(ctx, u).AccountLocked(u.Email, s.ResetURL))
	}
	if err != nil {
		s.Logger.WarnContext(ctx, "send account locked email", "user", u.ID, "err", err)
		s.audit(ctx, store.AuditEvent{Type: "user.notice_not_sent", UserID: u.ID, Actor: "system",
			Detail: map[string]string{"notice": notify.TemplateAccountLocked}})
	}
}

// WrongCode counts a wrong phone code for userID in the user record
// (FailedCodes), across sign-ins: restarting a sign-in gets no fresh tries.
// Lockout.Threshold wrong codes in a row lock the account as wrong
// passwords do, and every further one locks it again (Lockout.FailCode) (LockedUntil, LockCount, audit "user.locked" with reason
// "wrong_codes") and email the user.
func (s *Service) WrongCode(ctx context.Context, userID string) error {
	now := s.Clock.Now()
	lockedNow := false
	u, err := s.Users.UpdateUser(ctx, userID, func(u *store.User) ([]store.AuditEvent, error) {
		lockedNow = false // fn may run more than once
		events := []store.AuditEvent{}
		switch {
		case s.Lockout.Threshold > 0 && s.Lockout.Locked(u.LockedUntil, now):
			// Already locked (a code typed in a sign-in that was past its
			// password): counted, but the lock and its email stand as they are.
			u.FailedCodes++
		case s.Lockout.Threshold > 0:
			var until time.Time
			u.FailedCodes, u.LockCount, until = s.Lockout.FailCode(u.FailedCodes, u.LockCount, now)
			if !until.IsZero() {
				u.LockedUntil, lockedNow = until, true
				events = append(events, store.AuditEvent{Time: now, Type: "user.locked", UserID: u.ID, Actor: "system",
					Detail: map[string]string{"until": until.Format(time.RFC3339), "reason": "wrong_codes"}})
			}
		default:
			u.FailedCodes++
		}
		u.UpdatedAt = now
		return events, nil
	})
	if err != nil {
		return fmt.Errorf("count wrong code of %s: %w", userID, err)
	}
	if lockedNow {
		s.tellLocked(ctx, u)
	}
	return nil
}

// RightCode resets the count of wrong phone codes of userID, and the
// doubling of locks (the whole sign-in has succeeded). It returns
// ErrInvalidCredentials, changing nothing, while the account is locked: a
// code (even the right one) then completes no sign-in.
func (s *Service) RightCode(ctx context.Context, userID string) error {
	now := s.Clock.Now()
	if u, err := s.Users.GetUser(ctx, userID); err == nil && u.FailedCodes == 0 && u.LockCount == 0 {
		// Nothing to reset, the usual case: a plain read decides and
		// nothing is written (issue 13). A write that races it is
		// ordered after it, as if this code came first.
		if s.Lockout.Threshold > 0 && s.Lockout.Locked(u.LockedUntil, now) {
			return ErrInvalidCredentials
		}
		return nil
	}
	_, err := s.Users.UpdateUser(ctx, userID, func(u *store.User) ([]store.AuditEvent, error) {
		if s.Lockout.Threshold > 0 && s.Lockout.Locked(u.LockedUntil, now) {
			return nil, ErrInvalidCredentials
		}
		if u.FailedCodes != 0 || u.LockCount != 0 {
			// The whole sign-in succeeded: the owner is back.
			u.FailedCodes, u.LockCount, u.UpdatedAt = 0, 0, now
		}
		return nil, nil
	})
	if errors.Is(err, ErrInvalidCredentials) {
		return ErrInvalidCredentials
	}
	if err != nil {
		return fmt.Errorf("reset wrong codes of %s: %w", userID, err)
	}
	return nil
}

// unlockExpired clears a lock that has run out, returning its audit event.
func (s *Service) unlockExpired(u *store.User, now time.Time, ip string) []store.AuditEvent {
	if u.LockedUntil.IsZero() || s.Lockout.Locked(u.LockedUntil, now) {
		return nil
	}
	u.LockedUntil = time.Time{}
	return []store.AuditEvent{{Time: now, Type: "user.unlocked", UserID: u.ID, Actor: "system", IP: ip,
		Detail: map[string]string{"reason": "lock expired"}}}
}

func (s *Service) audit(ctx context.Context, e store.AuditEvent) {
	e.Time = s.Clock.Now()
	if e.Actor == "" {
		e.Actor = "user"
	}
	if err := s.Users.AppendAudit(ctx, e); err != nil {
		s.Logger.ErrorContext(ctx, "append audit event", "type", e.Type, "err", err)
	}
}

// SaveEnrolledPhone saves a phone number (E.164, of kind mobile, landline or
// other) the user has just confirmed by method ("sms" or "tel") at their
// first sign-in (or after an administrator reset), with an audit event, and
// tells the user by email; a notice that cannot be sent is audited, never
// undoes the enrolment.
func (s *Service) SaveEnrolledPhone(ctx context.Context, userID, phone, kind, method string, now time.Time) error {
	u, err := s.Users.UpdateUser(ctx, userID, func(u *store.User) ([]store.AuditEvent, error) {
		u.Phone, u.PhoneVerified, u.UpdatedAt = phone, true, now
		return []store.AuditEvent{{Time: now, Type: "user.phone_enrolled", UserID: u.ID, Actor: "user",
			Detail: map[string]string{"method": method, "kind": kind, "phone": notify.MaskPhone(phone)}}}, nil
	})
	if err != nil {
		return fmt.Errorf("enrol phone of %s: %w", userID, err)
	}
	err = errors.New("no email sender")
	if s.Email != nil {
		err = s.Email.SendEmail(ctx, s.noticesFor(ctx, u).PhoneEnrolled(u.Email))
	}
	if err != nil {
		s.Logger.WarnContext(ctx, "send phone enrolled email", "user", userID, "err", err)
		s.audit(ctx, store.AuditEvent{Type: "user.notice_not_sent", UserID: userID, Actor: "system",
			Detail: map[string]string{"notice": notify.TemplatePhoneEnrolled}})
	}
	return nil
}

// secondFactorOK records a successful phone confirmation by method.
func (s *Service) secondFactorOK(ctx context.Context, userID, method, ip string) error {
	return s.Users.AppendAudit(ctx, secondFactorEvent(s.Clock.Now(), userID, method, ip))
}

func secondFactorEvent(now time.Time, userID, method, ip string) store.AuditEvent {
	return store.AuditEvent{Time: now, Type: "signin.second_factor_ok", UserID: userID,
		Actor: "user", IP: ip, Detail: map[string]string{"method": method}}
}

// rightCodeAudited is RightCode that also records the second factor
// (secondFactorOK's row), in one round trip with the user's read when the
// store can (store.ClearAuditor) and the user is clear, the usual case.
// audited says whether the row was written; if not (a lock, counts to
// reset, a store that cannot), RightCode decided and the caller writes the
// row once the sign-in completes, as before.
func (s *Service) rightCodeAudited(ctx context.Context, userID, method, ip string) (audited bool, err error) {
	if ca, ok := s.Users.(store.ClearAuditor); ok {
		now := s.Clock.Now()
		if _, appended, err := ca.AppendAuditIfClear(ctx, userID, now, secondFactorEvent(now, userID, method, ip)); err == nil && appended {
			return true, nil
		}
	}
	return false, s.RightCode(ctx, userID)
}
