package signin_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/onetimecode"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/ratelimit/memlimit"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
)

// withStrikes wires the per-user count of wrong codes and the lock notices.
func (f *fixture) withStrikes() {
	f.svc.Email = f.sender
	f.svc.ResetURL = "https://signin.example.gov.uk/forgot-password"
	f.phones.Strikes = f.svc
	f.phones.Email = f.sender
}

// wrongCodes starts a sign-in flow and types n wrong codes in it.
func (f *fixture) wrongCodes(t *testing.T, n int) {
	t.Helper()
	id := f.flowAt(t, signin.StateConfirm)
	if err := f.phones.SendCode(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	wrong := "000000"
	if f.lastCode(t) == wrong {
		wrong = "111111"
	}
	for range n {
		if _, err := f.phones.VerifyCode(t.Context(), id, wrong); !errors.Is(err, signin.ErrWrongCode) {
			t.Fatalf("wrong code: %v", err)
		}
	}
}

// Issue 10 point 5: tries are counted on the user, not per flow, so
// restarting the sign-in gives no fresh guesses.
func TestWrongCodesAcrossSigninsLock(t *testing.T) {
	f := newFixture(t)
	f.withStrikes()
	f.wrongCodes(t, 5)
	f.wrongCodes(t, 4)
	if u, _ := f.users.GetUser(t.Context(), "usr_p"); u.FailedCodes != 9 || !u.LockedUntil.IsZero() {
		t.Fatalf("after 9 wrong codes in two sign-ins: failed codes %d, locked until %v", u.FailedCodes, u.LockedUntil)
	}
	f.wrongCodes(t, 1)
	u, _ := f.users.GetUser(t.Context(), "usr_p")
	if !u.LockedUntil.Equal(f.clk.Now().Add(15*time.Minute)) || u.LockCount != 1 {
		t.Fatalf("after 10 wrong codes: locked until %v, locks %d; want 15 minutes", u.LockedUntil, u.LockCount)
	}
	ev, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_p", Type: "user.locked"})
	if len(ev) != 1 || ev[0].Detail["reason"] != "wrong_codes" {
		t.Errorf("user.locked events %+v, want one with reason wrong_codes", ev)
	}
	m, ok := f.sender.LastEmail(email)
	if !ok || !strings.Contains(m.Text, "https://signin.example.gov.uk/forgot-password") {
		t.Errorf("lock email %+v (sent %v), want one with the reset link", m, ok)
	}
	// Locked: the right password is refused, and so is a right code in a
	// sign-in that was already past the password.
	if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: email, Password: pw}); !errors.Is(err, signin.ErrInvalidCredentials) {
		t.Errorf("right password while locked by codes: %v", err)
	}
	id := f.flowAt(t, signin.StateConfirm)
	if err := f.phones.SendCode(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.phones.VerifyCode(t.Context(), id, f.lastCode(t)); !errors.Is(err, signin.ErrNoCode) {
		t.Errorf("right code while locked: %v, want ErrNoCode", err)
	}
	// After the lock the right password alone does not reset the count:
	// one more wrong code locks again, for twice as long.
	f.clk.Advance(15 * time.Minute)
	if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: email, Password: pw}); err != nil {
		t.Fatalf("right password after the lock: %v", err)
	}
	f.wrongCodes(t, 1)
	if u, _ := f.users.GetUser(t.Context(), "usr_p"); !u.LockedUntil.Equal(f.clk.Now().Add(30 * time.Minute)) {
		t.Errorf("a wrong code after the first lock: locked until %v, want 30 minutes", u.LockedUntil)
	}
	// A right code (once unlocked) resets everything.
	f.clk.Advance(30 * time.Minute)
	id = f.flowAt(t, signin.StateConfirm)
	if err := f.phones.SendCode(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.phones.VerifyCode(t.Context(), id, f.lastCode(t)); err != nil {
		t.Fatalf("right code: %v", err)
	}
	if u, _ := f.users.GetUser(t.Context(), "usr_p"); u.FailedCodes != 0 || u.LockCount != 0 {
		t.Errorf("after a right code: failed codes %d, locks %d", u.FailedCodes, u.LockCount)
	}
}

// Issue 10 point 8: one source backs off before the account can lock, an
// unknown address backs off the same way, the owner elsewhere still signs
// in, and a lock is emailed with the way back.
func TestSourceBacksOffBeforeTheLock(t *testing.T) {
	f := newFixture(t)
	f.withStrikes()
	f.svc.Limiter = memlimit.New(f.clk)
	f.svc.Limits = ratelimit.Defaults() // 20 attempts per account per 15 minutes from anywhere
	for addr, ip := range map[string]string{email: "192.0.2.1", "nobody@example.com": "192.0.2.9"} {
		for i := range 30 {
			_, err := f.svc.Password(t.Context(), signin.Attempt{Email: addr, Password: "wrong", IP: ip})
			var limited *signin.RateLimitedError
			switch {
			case i < 5 && !errors.Is(err, signin.ErrInvalidCredentials):
				t.Fatalf("%s attempt %d: %v, want ErrInvalidCredentials", addr, i+1, err)
			case i >= 5 && (!errors.As(err, &limited) || limited.RetryAfter < time.Second):
				t.Fatalf("%s attempt %d from one source: %v, want rate limited", addr, i+1, err)
			}
		}
	}
	// The one source's refused attempts did not use up the account's.
	if _, err := f.svc.Password(t.Context(), signin.Attempt{Email: email, Password: pw, IP: "198.51.100.7"}); err != nil {
		t.Fatalf("the owner from another source, after 30 attempts from one: %v", err)
	}
	if _, ok := f.sender.LastEmail(email); ok {
		t.Error("an email went out before any lock")
	}
	// Ten wrong passwords in a row from two sources lock the account, and
	// the owner is told how to get back in.
	for _, ip := range []string{"192.0.2.2", "192.0.2.3"} {
		for range 5 {
			_, _ = f.svc.Password(t.Context(), signin.Attempt{Email: email, Password: "wrong", IP: ip})
		}
	}
	u, _ := f.users.GetUser(t.Context(), "usr_p")
	if u.LockCount != 1 || u.LockedUntil.IsZero() {
		t.Fatalf("after 10 wrong passwords from two sources: locks %d until %v", u.LockCount, u.LockedUntil)
	}
	m, ok := f.sender.LastEmail(email)
	if !ok || !strings.Contains(m.Text, "https://signin.example.gov.uk/forgot-password") || !strings.Contains(m.Subject, "locked") {
		t.Errorf("lock email %+v (sent %v)", m, ok)
	}
	ev, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_p", Type: "user.locked"})
	if len(ev) != 1 || ev[0].Detail["reason"] != "wrong_passwords" {
		t.Errorf("user.locked events %+v", ev)
	}
}

// Issue 10 point 4: a user without a phone gets to the number only with
// the code emailed to their address.
func TestEnrolmentNeedsTheEmailedCode(t *testing.T) {
	f := newFixture(t)
	f.withStrikes()
	id := f.afterPasswordWithPhone(t, "")
	if err := f.phones.EnrolPhone(t.Context(), id, "07700 900999", "44"); !errors.Is(err, flow.ErrTransition) {
		t.Fatalf("number before the emailed code: %v, want flow.ErrTransition", err)
	}
	m, ok := f.sender.LastEmail(email)
	if !ok || len(m.Code) != 8 {
		t.Fatalf("enrolment code email %+v (sent %v)", m, ok)
	}
	fl, _ := f.flows.Get(t.Context(), id)
	if strings.Contains(string(fl.Code.HMAC), m.Code) || fl.State != string(signin.StateEnrolEmail) {
		t.Fatalf("flow %s, code stored in plain or not at all", fl.State)
	}
	wrong := "00000000"
	if m.Code == wrong {
		wrong = "11111111"
	}
	if err := f.phones.VerifyEnrolCode(t.Context(), id, wrong); !errors.Is(err, onetimecode.ErrWrongCode) {
		t.Fatalf("wrong emailed code: %v", err)
	}
	if err := f.phones.VerifyEnrolCode(t.Context(), id, m.Code); err != nil {
		t.Fatalf("right emailed code: %v", err)
	}
	if err := f.phones.VerifyEnrolCode(t.Context(), id, m.Code); !errors.Is(err, flow.ErrTransition) {
		t.Errorf("emailed code used twice: %v", err)
	}
	if err := f.phones.EnrolPhone(t.Context(), id, "07700 900999", "44"); err != nil {
		t.Fatalf("number after the emailed code: %v", err)
	}
	// The SMS code to the new number starts its own count of tries.
	if fl, _ := f.flows.Get(t.Context(), id); fl.Code != nil {
		t.Errorf("the emailed code's tries carry into the SMS step: %+v", fl.Code)
	}
	if err := f.svc.SaveEnrolledPhone(t.Context(), "usr_p", "+447700900999", "mobile", "sms", f.clk.Now()); err != nil {
		t.Fatal(err)
	}
	if m, ok := f.sender.LastEmail(email); !ok || !strings.Contains(m.Subject, "phone number has been set up") {
		t.Errorf("no enrolment notice: %+v", m)
	}
}

// A call answered with # completes no sign-in while the account is locked
// (locked meanwhile by wrong codes or passwords from elsewhere): Call Me is no
// way around the lock that a code cannot pass.
func TestCallCompletesNothingWhileLocked(t *testing.T) {
	f := newFixture(t)
	f.withStrikes()
	id := f.flowAt(t, signin.StateConfirm)
	if err := f.phones.PlaceCall(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.phones.CallAnswered(t.Context(), f.sender.Calls()[0].Reference, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.users.UpdateUser(t.Context(), "usr_p", func(u *store.User) ([]store.AuditEvent, error) {
		u.LockedUntil = f.clk.Now().Add(15 * time.Minute)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	fl, err := f.phones.FinishCall(t.Context(), id)
	if err == nil || fl.State == string(signin.StateVerified) {
		t.Fatalf("FinishCall on a locked account = %v, state %s; want an error and no verified flow", err, fl.State)
	}
	if _, err := f.flows.Get(t.Context(), id); err == nil {
		t.Error("the flow of a locked account lives on")
	}
}

// A code sent just before the pepper was replaced (the old one kept as
// keys.previous_pepper) still confirms the sign-in.
func TestCodeSurvivesAPepperChange(t *testing.T) {
	f := newFixture(t)
	id := f.flowAt(t, signin.StateConfirm)
	if err := f.phones.SendCode(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	code := f.lastCode(t)
	f.phones.Pepper = secret.Pepper{[]byte("a new pepper of thirty-two bytes"), f.pepper}
	if _, err := f.phones.VerifyCode(t.Context(), id, code); err != nil {
		t.Fatalf("the code sent before the pepper changed: %v", err)
	}
}

// The call that confirms a new number says so, not that someone is signing in.
func TestPhoneChangeCallScript(t *testing.T) {
	f := newFixture(t)
	id := f.flowAt(t, signin.StateConfirm)
	if _, err := f.flows.Update(t.Context(), id, func(fl *flow.Flow) error {
		fl.Data[signin.DataPurpose] = signin.PurposeChangePhone
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.phones.PlaceCall(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if say := f.sender.Calls()[0].Say; strings.Contains(say, "signing in") || !strings.Contains(say, "adding this number") {
		t.Errorf("phone change call says %q", say)
	}
}

// A landline gets Call Me only: a text to it would not arrive (issue 14).
func TestLandlineIsCalledNotTexted(t *testing.T) {
	f := newFixture(t)
	id := f.flowAt(t, signin.StateConfirm)
	if _, err := f.flows.Update(t.Context(), id, func(fl *flow.Flow) error {
		fl.Data[signin.DataPhone] = "+441632960000" // Ofcom's drama landline range
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	fl, _ := f.flows.Get(t.Context(), id)
	if f.phones.CanSMSTo(fl) || !signin.IsLandline(fl) {
		t.Error("Send Code offered for a landline")
	}
	if err := f.phones.SendCode(t.Context(), id); !errors.Is(err, signin.ErrChannelUnavailable) {
		t.Errorf("SendCode to a landline = %v, want ErrChannelUnavailable", err)
	}
	if err := f.phones.PlaceCall(t.Context(), id); err != nil {
		t.Errorf("PlaceCall to a landline: %v", err)
	}
	mobile := f.flowAt(t, signin.StateConfirm)
	if fl, _ := f.flows.Get(t.Context(), mobile); !f.phones.CanSMSTo(fl) {
		t.Error("Send Code not offered for a mobile")
	}
}

// The right password records the kind of the user's phone in the flow, so
// the pages and steps that follow (Send Code offered or not, the text
// refused to a landline) do not parse the number again each time (issue 13:
// libphonenumber's parse was 3 % of carekey's CPU per sign-in outside
// argon2id).
func TestPasswordRecordsThePhoneKind(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ phone, kind string }{
		{"+447700900047", "mobile"},
		{"+441632960000", "landline"},
	} {
		id := f.afterPasswordWithPhone(t, c.phone)
		fl, _ := f.flows.Get(t.Context(), id)
		if got := fl.Data[signin.DataPhoneKind]; got != c.kind {
			t.Errorf("%s: phone kind in the flow %q, want %q", c.phone, got, c.kind)
		}
		if signin.IsLandline(fl) != (c.kind == "landline") {
			t.Errorf("%s: IsLandline = %v", c.phone, signin.IsLandline(fl))
		}
	}
}

// afterPasswordWithPhone gives the fixture's user the phone number (none:
// "", unverified) and returns a flow moved on by their right password.
func (f *fixture) afterPasswordWithPhone(t *testing.T, number string) string {
	t.Helper()
	u, err := f.users.UpdateUser(t.Context(), "usr_p", func(u *store.User) ([]store.AuditEvent, error) {
		u.Phone, u.PhoneVerified = number, number != ""
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	id := f.flowAt(t, signin.StatePassword)
	if err := f.phones.AfterPassword(t.Context(), id, u); err != nil {
		t.Fatal(err)
	}
	return id
}
