package recovery

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/onetimecode"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/text"
)

// SubmitPassword sets the new password: the form checked (policy, every
// failed rule listed, and the confirmation), then, counted against the
// flow's MaxPasswordTries, the history (not the current password nor the
// previous HistorySize). Nothing is hashed before every one of those limits
// has passed. Then every session and refresh token of the user is revoked,
// the user is told by email, and the flow is deleted. Errors:
// *text.Invalid, flow.ErrTransition, ErrExpired, *onetimecode.LimitError
// wrapping ErrTooManyPasswords, password.ErrBusy.
func (s *Service) SubmitPassword(ctx context.Context, id, pw, confirm string) error {
	cur, err := s.journey().Check(ctx, id, EventSubmitPassword)
	if err != nil {
		return err
	}
	var inv text.Invalid
	s.Policy.CheckNew(&inv, FieldPassword, pw, FieldConfirm, confirm)
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
		for _, m := range pe.Messages() {
			inv.AddMessage(FieldPassword, m)
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
	if _, err := s.journey().Update(ctx, id, EventSubmitPassword, nil); err != nil {
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
	if err := s.Email.SendEmail(ctx, s.Templates.In(text.Saved(u.Language, text.LangOf(ctx))).PasswordChanged(u.Email)); err != nil {
		s.logger().WarnContext(ctx, "send password changed email", "user", u.ID, "err", err)
	}
	if err := s.Flows.Delete(ctx, id); err != nil {
		s.logger().WarnContext(ctx, "delete finished recovery flow", "flow", id, "err", err)
	}
	return nil
}

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
			return flow.ErrTransition
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
