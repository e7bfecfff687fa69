package signin_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/b2c"
	"github.com/carekey/carekey/internal/b2c/b2ctest"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
)

const (
	b2cClient   = "6c1d2c77-3b9e-4a4e-9a59-0f1e2d3c4b5a"
	oldEmail    = "imported@example.org"
	oldPassword = "Old-B2C-password-9" // B2C's policy, not carekey's: migrated as it is
	oldPhone    = "+447700900123"
)

// withOldTenant adds a user imported from B2C (password pending) and points
// the service at a stand-in of the old tenant that knows the password.
func (f *fixture) withOldTenant(t *testing.T) *b2ctest.Server {
	t.Helper()
	old := b2ctest.New(t, b2cClient)
	old.SetPassword(oldEmail, oldPassword)
	if err := f.users.CreateUser(t.Context(), store.User{ID: "usr_b", Email: oldEmail, EmailVerified: true, Phone: oldPhone, PhoneVerified: true,
		ExternalID: "0b1f6c1e-6d2a-4d38-9a51-000000000001", PasswordPending: true, CreatedAt: f.clk.Now(), UpdatedAt: f.clk.Now()}); err != nil {
		t.Fatal(err)
	}
	f.svc.OldPasswords = &b2c.ROPC{TokenURL: old.TokenURL(), ClientID: b2cClient, Scope: "openid " + b2cClient + " offline_access",
		Timeout: 200 * time.Millisecond, HTTP: old.Client()}
	return old
}

// Issue 15, acceptance 2: the first sign-in with the old password migrates
// it, then the phone step follows; the second never calls the old tenant.
func TestMigrateOnFirstSignIn(t *testing.T) {
	f := newFixture(t)
	f.withLifecycle()
	old := f.withOldTenant(t)
	fl, _, err := f.phones.Start(t.Context(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	out, err := signin.StepFlow(f.phones, t.Context(), fl, signin.Action{Event: signin.EventPasswordOK, Email: "Imported@Example.org", Password: oldPassword, IP: "192.0.2.7"})
	if err != nil {
		t.Fatalf("first sign-in: %v", err)
	}
	if d := signin.DataOf(out.Flow); signin.State(out.Flow.State) != signin.StateConfirm || d.User != "usr_b" || d.Phone != oldPhone {
		t.Errorf("after the migrated password: %s %+v, want confirm with the imported phone", out.Flow.State, d)
	}
	if old.Hits() != 1 {
		t.Errorf("old tenant hit %d times, want 1", old.Hits())
	}
	u, _ := f.users.GetUser(t.Context(), "usr_b")
	if u.PasswordPending || !strings.HasPrefix(u.PasswordHash, "$argon2id$") || u.ExternalID == "" {
		t.Fatalf("after migration: pending %v, hash %.10q…, external ID %q; want an argon2id hash, the flag cleared, the ID kept", u.PasswordPending, u.PasswordHash, u.ExternalID)
	}
	if strings.Contains(u.PasswordHash, oldPassword) {
		t.Error("password stored in clear")
	}
	evs, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_b", Type: "user.password_migrated"})
	if len(evs) != 1 || evs[0].IP != "192.0.2.7" {
		t.Errorf("audit %+v, want one user.password_migrated", evs)
	}
	for _, e := range mustAudit(t, f) {
		for k, v := range e.Detail {
			if strings.Contains(v, oldPassword) {
				t.Errorf("audit %s detail %s holds the password", e.Type, k)
			}
		}
	}

	// Second sign-in: checked here; the old tenant (even down) is not asked.
	old.SetDown(http.StatusServiceUnavailable)
	if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: oldEmail, Password: oldPassword}); err != nil {
		t.Fatalf("second sign-in: %v", err)
	}
	if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: oldEmail, Password: "wrong"}); !errors.Is(err, signin.ErrInvalidCredentials) {
		t.Fatalf("wrong password after migration: %v", err)
	}
	if old.Hits() != 1 {
		t.Errorf("old tenant hit %d times after migration, want still 1", old.Hits())
	}
}

func mustAudit(t *testing.T, f *fixture) []store.AuditEvent {
	t.Helper()
	evs, err := f.users.ListAudit(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// A wrong old password counts toward the lockout exactly as a wrong
// password does: ten lock the account, and then even the right one is
// refused without asking the old tenant.
func TestMigrateWrongPasswordCountsTowardLockout(t *testing.T) {
	f := newFixture(t)
	old := f.withOldTenant(t)
	for i := range 10 {
		if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: oldEmail, Password: "Wrong-old-password-" + string(rune('a'+i))}); !errors.Is(err, signin.ErrInvalidCredentials) {
			t.Fatalf("wrong old password %d: %v, want ErrInvalidCredentials", i+1, err)
		}
		if u, _ := f.users.GetUser(t.Context(), "usr_b"); i < 9 && u.FailedLogins != i+1 {
			t.Fatalf("after %d wrong old passwords FailedLogins = %d", i+1, u.FailedLogins)
		}
	}
	u, _ := f.users.GetUser(t.Context(), "usr_b")
	if !u.LockedUntil.Equal(f.clk.Now().Add(15*time.Minute)) || !u.PasswordPending {
		t.Fatalf("after 10 wrong old passwords: locked until %v, pending %v; want a 15-minute lock, still pending", u.LockedUntil, u.PasswordPending)
	}
	if n, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_b", Type: "signin.password_failed"}); len(n) != 10 {
		t.Errorf("%d signin.password_failed events, want 10", len(n))
	}
	hits := old.Hits()
	if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: oldEmail, Password: oldPassword}); !errors.Is(err, signin.ErrInvalidCredentials) {
		t.Errorf("right old password while locked: %v, want ErrInvalidCredentials", err)
	}
	if old.Hits() != hits {
		t.Error("the old tenant was asked while the account is locked")
	}
	f.clk.Advance(15 * time.Minute)
	if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: oldEmail, Password: oldPassword}); err != nil {
		t.Errorf("right old password after the lock: %v", err)
	}
}

// The old tenant down, throttling or silent: "try again later", never a
// wrong password, nothing counted, nothing migrated.
func TestMigrateOldTenantUnavailable(t *testing.T) {
	for _, down := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, b2ctest.Hang} {
		t.Run(http.StatusText(down), func(t *testing.T) {
			f := newFixture(t)
			old := f.withOldTenant(t)
			old.SetDown(down)
			for range 12 { // past the lockout threshold: still nothing counted
				if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: oldEmail, Password: oldPassword}); !errors.Is(err, signin.ErrOldPasswordUnavailable) || errors.Is(err, signin.ErrInvalidCredentials) {
					t.Fatalf("err = %v, want ErrOldPasswordUnavailable", err)
				}
			}
			u, _ := f.users.GetUser(t.Context(), "usr_b")
			if u.FailedLogins != 0 || !u.LockedUntil.IsZero() || !u.PasswordPending || u.PasswordHash != "" {
				t.Errorf("after an outage: %+v; want nothing counted, nothing migrated", u)
			}
			if evs, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_b", Type: "signin.old_directory_unavailable"}); len(evs) != 12 {
				t.Errorf("%d signin.old_directory_unavailable events, want 12", len(evs))
			}
			old.SetDown(0)
			if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: oldEmail, Password: oldPassword}); err != nil {
				t.Errorf("once the old tenant is back: %v", err)
			}
		})
	}
}

// From the cut-off (or with no old tenant configured) a pending user is
// sent to forgot password, right password or not, and the old tenant is
// not asked; users already migrated sign in as usual.
func TestMigrateAfterCutoff(t *testing.T) {
	f := newFixture(t)
	old := f.withOldTenant(t)
	f.svc.MigrationCutoff = f.clk.Now().Add(time.Hour)
	f.clk.Advance(time.Hour - time.Second)
	if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: oldEmail, Password: "wrong"}); !errors.Is(err, signin.ErrInvalidCredentials) {
		t.Fatalf("before the cut-off: %v, want the old tenant's answer", err)
	}
	f.clk.Advance(time.Second)
	for _, p := range []string{oldPassword, "wrong"} {
		if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: oldEmail, Password: p}); !errors.Is(err, signin.ErrPasswordResetNeeded) {
			t.Errorf("at the cut-off: %v, want ErrPasswordResetNeeded", err)
		}
	}
	if old.Hits() != 1 {
		t.Errorf("old tenant hit %d times, want only the one before the cut-off", old.Hits())
	}
	if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: email, Password: pw}); err != nil {
		t.Errorf("a user with a password here, after the cut-off: %v", err)
	}
	f.svc.OldPasswords, f.svc.MigrationCutoff = nil, time.Time{}
	if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: oldEmail, Password: oldPassword}); !errors.Is(err, signin.ErrPasswordResetNeeded) {
		t.Errorf("no old tenant configured: %v, want ErrPasswordResetNeeded", err)
	}
}
