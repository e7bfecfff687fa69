package signin_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/totp"
	"github.com/carekey/carekey/pkg/text"
)

// withApp turns the authenticator app on, with a keyring to seal secrets.
func (f *fixture) withApp(t *testing.T) {
	t.Helper()
	c, err := keys.NewCipher(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f.withStrikes()
	f.withLifecycle()
	f.svc.AppCipher, f.svc.AppIssuer = c, "Care Portal"
	f.phones.App = true
}

// startSetup starts setting up an app for usr_p.
func (f *fixture) startSetup(t *testing.T) signin.AppSetup {
	t.Helper()
	u, _ := f.users.GetUser(t.Context(), "usr_p")
	s, err := f.phones.StartAppSetup(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// setUpApp sets up an app for usr_p and returns its secret.
func (f *fixture) setUpApp(t *testing.T) string {
	t.Helper()
	s := f.startSetup(t)
	code, _ := totp.Code(s.Key.Secret, totp.Step(f.clk.Now()))
	if err := f.phones.ConfirmApp(t.Context(), s.ID, "usr_p", code, "192.0.2.1"); err != nil {
		t.Fatalf("ConfirmApp: %v", err)
	}
	return s.Key.Secret
}

// signedInAtConfirm runs the password step of a new flow and returns it at
// "Confirm your identity".
func (f *fixture) signedInAtConfirm(t *testing.T) flow.Flow {
	t.Helper()
	fl, token, err := f.phones.Start(t.Context(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.phones.Step(t.Context(), fl.ID, token, signin.Action{Event: signin.EventPasswordOK, Email: email, Password: pw})
	if err != nil || signin.State(out.Flow.State) != signin.StateConfirm {
		t.Fatalf("password step: %v, %+v", err, out.Flow)
	}
	return out.Flow
}

func (f *fixture) appCode(t *testing.T, fl flow.Flow, code string) (signin.Outcome, error) {
	t.Helper()
	fl, err := f.flows.Get(t.Context(), fl.ID)
	if err != nil {
		t.Fatal(err)
	}
	return signin.StepFlow(f.phones, t.Context(), fl, signin.Action{Event: signin.EventAppCodeOK, Code: code, IP: "192.0.2.1"})
}

func TestAppSetUp(t *testing.T) {
	f := newFixture(t)
	f.withApp(t)
	s := f.startSetup(t)
	if !strings.Contains(s.Key.URL, "issuer=Care%20Portal") || !strings.Contains(s.Key.URL, email) {
		t.Errorf("key URL %q: want the service and the user's email", s.Key.URL)
	}
	// Nothing is saved until a first right code.
	u, _ := f.users.GetUser(t.Context(), "usr_p")
	if u.TOTPSecret != "" {
		t.Fatal("secret saved before its first code")
	}
	// The pending secret is sealed in the flow, never in plain.
	pending, _ := f.flows.Get(t.Context(), s.ID)
	for k, v := range pending.Data {
		if strings.Contains(v, s.Key.Secret) {
			t.Errorf("flow data %s holds the secret in plain", k)
		}
	}
	// Another user cannot use the set-up.
	if _, err := f.phones.LoadAppSetup(t.Context(), s.ID, "usr_other"); !errors.Is(err, signin.ErrSetupGone) {
		t.Errorf("another user's set-up: %v, want ErrSetupGone", err)
	}
	now := totp.Step(f.clk.Now())
	other, _ := totp.Generate("Care Portal", email)
	wrong, _ := totp.Code(other.Secret, now)
	var inv *text.Invalid
	for name, tc := range map[string]struct {
		code string
		ok   func(error) bool
	}{
		"empty":              {"", func(err error) bool { return errors.As(err, &inv) }},
		"letters":            {"abcdef", func(err error) bool { return errors.As(err, &inv) }},
		"wrong secret":       {wrong, func(err error) bool { return errors.Is(err, signin.ErrAppWrongCode) }},
		"two steps too late": {mustCode(t, s.Key.Secret, now-2), func(err error) bool { return errors.Is(err, signin.ErrAppWrongCode) }},
	} {
		if err := f.phones.ConfirmApp(t.Context(), s.ID, "usr_p", tc.code, ""); !tc.ok(err) {
			t.Errorf("%s: ConfirmApp = %v", name, err)
		}
	}
	if err := f.phones.ConfirmApp(t.Context(), s.ID, "usr_p", mustCode(t, s.Key.Secret, now+1), "192.0.2.1"); err != nil {
		t.Fatalf("right code: %v", err)
	}
	u, _ = f.users.GetUser(t.Context(), "usr_p")
	if u.TOTPSecret == "" || strings.Contains(u.TOTPSecret, s.Key.Secret) || u.TOTPLastStep != now+1 || !u.TOTPAddedAt.Equal(f.clk.Now()) {
		t.Errorf("user after set-up: sealed %q, last step %d (want %d), added %v", u.TOTPSecret, u.TOTPLastStep, now+1, u.TOTPAddedAt)
	}
	if got, err := totp.Open(f.svc.AppCipher, "usr_p", u.TOTPSecret); err != nil || got != s.Key.Secret {
		t.Errorf("stored secret opens to %q, %v", got, err)
	}
	if m, ok := f.sender.LastEmail(email); !ok || m.Template != notify.TemplateAppAdded {
		t.Errorf("last email %+v, want app_added", m)
	}
	if ev, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_p", Type: "user.app_added"}); len(ev) != 1 {
		t.Errorf("user.app_added events: %d, want 1", len(ev))
	}
	// The set-up is used up.
	if err := f.phones.ConfirmApp(t.Context(), s.ID, "usr_p", mustCode(t, s.Key.Secret, now), ""); !errors.Is(err, signin.ErrSetupGone) {
		t.Errorf("set-up used again: %v, want ErrSetupGone", err)
	}
}

func TestAppSetUpExpires(t *testing.T) {
	f := newFixture(t)
	f.withApp(t)
	s := f.startSetup(t)
	f.clk.Advance(15 * time.Minute)
	if err := f.phones.ConfirmApp(t.Context(), s.ID, "usr_p", mustCode(t, s.Key.Secret, totp.Step(f.clk.Now())), ""); !errors.Is(err, signin.ErrSetupGone) {
		t.Errorf("expired set-up: %v, want ErrSetupGone", err)
	}
}

func mustCode(t *testing.T, secret string, step int64) string {
	t.Helper()
	c, err := totp.Code(secret, step)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A user with an app signs in with it: AMR pwd + otp + mfa; the same code
// cannot be used again, and wrong codes count toward the lock.
func TestAppSignIn(t *testing.T) {
	f := newFixture(t)
	f.withApp(t)
	key := f.setUpApp(t)
	f.clk.Advance(totp.Period) // the set-up's step is used

	fl := f.signedInAtConfirm(t)
	if !f.phones.CanUseApp(fl) {
		t.Fatal("the app is not offered to a user who has one")
	}
	out, err := signin.StepFlow(f.phones, t.Context(), fl, signin.Action{Event: signin.EventUseApp})
	if err != nil || signin.State(out.Flow.State) != signin.StateApp {
		t.Fatalf("use app: %v, %s", err, out.Flow.State)
	}
	code := mustCode(t, key, totp.Step(f.clk.Now()))
	out, err = f.appCode(t, out.Flow, code)
	if err != nil || out.Done == nil {
		t.Fatalf("right app code: %v, %+v", err, out)
	}
	if amr := out.Done.Session.AMR; !slices.Equal(amr, []string{"pwd", "otp", "mfa"}) {
		t.Errorf("AMR = %v, want pwd otp mfa", amr)
	}
	if ev, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_p", Type: "signin.second_factor_ok"}); len(ev) != 1 || ev[0].Detail["method"] != "otp" {
		t.Errorf("second factor events %+v, want one by otp", ev)
	}

	// The same code again, in a new sign-in within its step: refused, counted.
	fl = f.signedInAtConfirm(t)
	out, _ = signin.StepFlow(f.phones, t.Context(), fl, signin.Action{Event: signin.EventUseApp})
	if _, err := f.appCode(t, out.Flow, code); !errors.Is(err, signin.ErrAppWrongCode) {
		t.Fatalf("replayed code: %v, want ErrAppWrongCode", err)
	}
	if u, _ := f.users.GetUser(t.Context(), "usr_p"); u.FailedCodes != 1 {
		t.Errorf("failed codes after a replay = %d, want 1", u.FailedCodes)
	}
	if ev, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_p", Type: "signin.app_code_failed"}); len(ev) != 1 || ev[0].Detail["reason"] != "replayed" {
		t.Errorf("app_code_failed events %+v, want one replayed", ev)
	}
	// A code from another secret: refused, counted; nine more lock the account.
	other, _ := totp.Generate("Care Portal", email)
	wrong := mustCode(t, other.Secret, totp.Step(f.clk.Now()))
	if wrong == code {
		t.Skip("the other secret's code happens to match")
	}
	for i := range 9 {
		if _, err := f.appCode(t, out.Flow, wrong); !errors.Is(err, signin.ErrAppWrongCode) {
			t.Fatalf("wrong code %d: %v", i+1, err)
		}
	}
	u, _ := f.users.GetUser(t.Context(), "usr_p")
	if u.FailedCodes != 10 || !u.LockedUntil.Equal(f.clk.Now().Add(15*time.Minute)) {
		t.Fatalf("after 10 wrong app codes: failed %d, locked until %v; want a 15-minute lock", u.FailedCodes, u.LockedUntil)
	}
	// Locked: the next step's right code completes nothing and ends the flow.
	f.clk.Advance(totp.Period)
	if _, err := f.appCode(t, out.Flow, mustCode(t, key, totp.Step(f.clk.Now()))); !errors.Is(err, signin.ErrAppWrongCode) {
		t.Errorf("right code while locked: %v, want ErrAppWrongCode", err)
	}
	if _, err := f.flows.Get(t.Context(), out.Flow.ID); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("flow after a code while locked: %v, want it deleted", err)
	}
}

// The app is offered only where it may be used.
func TestAppNotOffered(t *testing.T) {
	f := newFixture(t)
	f.withApp(t)
	f.setUpApp(t)
	use := func(fl flow.Flow) error {
		_, err := signin.StepFlow(f.phones, t.Context(), fl, signin.Action{Event: signin.EventUseApp})
		return err
	}
	// Before setting up or removing the app, the sign-in must use the phone.
	fl, token, err := f.phones.StartPhoneOnly(t.Context(), "account_app")
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.phones.Step(t.Context(), fl.ID, token, signin.Action{Event: signin.EventPasswordOK, Email: email, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	if f.phones.CanUseApp(out.Flow) || !errors.Is(use(out.Flow), signin.ErrNoApp) {
		t.Error("the app is offered in a phone-only sign-in")
	}
	// An enrolment confirms the new phone, and so does a phone change.
	enrol := f.signedInAtConfirm(t)
	enrol.Data[signin.DataEnrolling] = "1"
	if !errors.Is(use(enrol), signin.ErrNoApp) {
		t.Error("the app is offered at enrolment")
	}
	// The deployment turned it off.
	f.phones.App = false
	if fl := f.signedInAtConfirm(t); f.phones.CanUseApp(fl) || !errors.Is(use(fl), signin.ErrNoApp) {
		t.Error("the app is offered with mfa.app off")
	}
	// A user without an app.
	f.phones.App = true
	if err := f.svc.RemoveApp(t.Context(), "usr_p", "user", ""); err != nil {
		t.Fatal(err)
	}
	if fl := f.signedInAtConfirm(t); f.phones.CanUseApp(fl) {
		t.Error("the app is offered to a user without one")
	}
}

func TestRemoveApp(t *testing.T) {
	f := newFixture(t)
	f.withApp(t)
	f.setUpApp(t)
	if err := f.svc.RemoveApp(t.Context(), "usr_p", "admin:ops", "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	if u, _ := f.users.GetUser(t.Context(), "usr_p"); u.TOTPSecret != "" || u.TOTPLastStep != 0 || !u.TOTPAddedAt.IsZero() {
		t.Errorf("after removal: %+v", u)
	}
	ev, _ := f.users.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_p", Type: "user.app_removed"})
	if len(ev) != 1 || ev[0].Actor != "admin:ops" {
		t.Errorf("user.app_removed events %+v, want one by admin:ops", ev)
	}
	if m, ok := f.sender.LastEmail(email); !ok || m.Template != notify.TemplateAppRemoved {
		t.Errorf("last email %+v, want app_removed", m)
	}
	if err := f.svc.RemoveApp(t.Context(), "usr_p", "user", ""); !errors.Is(err, signin.ErrNoApp) {
		t.Errorf("removing again: %v, want ErrNoApp", err)
	}
}

// After the encryption key is replaced, ResealApp moves a secret to the new
// key; sign-in with the app works before and after the old key goes.
func TestResealApp(t *testing.T) {
	f := newFixture(t)
	f.withApp(t)
	key := f.setUpApp(t)
	old := bytes.Repeat([]byte{9}, 32) // withApp's key
	next := bytes.Repeat([]byte{8}, 32)
	f.svc.AppCipher, _ = keys.NewCipher(next, old)
	before, _ := f.users.GetUser(t.Context(), "usr_p")
	for i, want := range []bool{true, false} { // resealed once, then nothing to do
		if changed, err := f.svc.ResealApp(t.Context(), "usr_p"); err != nil || changed != want {
			t.Fatalf("ResealApp %d = %v, %v; want %v", i+1, changed, err, want)
		}
	}
	after, _ := f.users.GetUser(t.Context(), "usr_p")
	if after.TOTPSecret == before.TOTPSecret || after.TOTPLastStep != before.TOTPLastStep {
		t.Errorf("after reseal: secret unchanged or step moved (%d → %d)", before.TOTPLastStep, after.TOTPLastStep)
	}
	f.svc.AppCipher, _ = keys.NewCipher(next) // the old key is gone
	f.clk.Advance(totp.Period)
	if err := f.svc.VerifyApp(t.Context(), "usr_p", mustCode(t, key, totp.Step(f.clk.Now())), ""); err != nil {
		t.Errorf("app code after the old key left: %v", err)
	}
	if changed, err := f.svc.ResealApp(t.Context(), "nobody"); err == nil || changed {
		t.Errorf("ResealApp of an unknown user = %v, %v; want an error", changed, err)
	}
}
