package web

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/text"
)

const newPassword = "Brand-New-Horse-77!"

// addUser puts penny@example.com in the rig's store with journeyPassword.
func (rig *journeyRig) addUser() store.User {
	rig.t.Helper()
	hash, err := password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1).Hash(rig.t.Context(), journeyPassword)
	if err != nil {
		rig.t.Fatal(err)
	}
	now := rig.clk.Now()
	u := store.User{ID: "usr_penny", Email: "penny@example.com", PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := rig.users.CreateUser(rig.t.Context(), u); err != nil {
		rig.t.Fatal(err)
	}
	return u
}

// startRecovery opens /forgot-password in b: a flow is started, bound by a
// cookie, and the email step shown.
func startRecovery(t *testing.T, b *journeyBrowser) {
	t.Helper()
	want(t, b.get("/forgot-password"), http.StatusSeeOther, "/forgot-password")
	if !b.has("carekey_recovery") {
		t.Fatalf("no recovery cookie: %v", b.cookies)
	}
	want(t, b.get("/forgot-password"), http.StatusOK, "", `<label for="email" class="govuk-label">`)
}

// recoveryToVerify takes b to the code step for email.
func recoveryToVerify(t *testing.T, b *journeyBrowser, email string) {
	t.Helper()
	startRecovery(t, b)
	want(t, b.post("/forgot-password/email", url.Values{"email": {email}}), http.StatusSeeOther, "/forgot-password")
	want(t, b.get("/forgot-password"), http.StatusOK, "", `<label for="code" class="govuk-label">Code *</label>`)
}

func TestRecoverySetsANewPassword(t *testing.T) {
	rig := newJourneyRig(t, nil)
	before := rig.addUser()
	b := rig.browser()
	recoveryToVerify(t, b, "Penny@Example.com")

	want(t, b.post("/forgot-password/verify", url.Values{"code": {"00000000"}}), http.StatusBadRequest, "", words(text.EmailCodeMismatch))
	want(t, b.post("/forgot-password/resend", nil), http.StatusTooManyRequests, "", words(text.EmailCodeCooldown))
	rig.clk.Advance(61 * time.Second)
	want(t, b.post("/forgot-password/resend", nil), http.StatusSeeOther, "/forgot-password?sent=1")
	want(t, b.get("/forgot-password?sent=1"), http.StatusOK, "", "We have sent you a new code.")
	want(t, b.post("/forgot-password/verify", url.Values{"code": {rig.code("penny@example.com")}}), http.StatusSeeOther, "/forgot-password")
	want(t, b.get("/forgot-password"), http.StatusOK, "", "Password policy", `<label for="confirm_password" class="govuk-label">`)

	// The new password twice, checked against the policy and the history.
	want(t, b.post("/forgot-password/password", url.Values{"password": {newPassword}, "confirm_password": {"other"}}),
		http.StatusBadRequest, "", words(text.PasswordsDiffer))
	want(t, b.post("/forgot-password/password", url.Values{"password": {journeyPassword}, "confirm_password": {journeyPassword}}),
		http.StatusBadRequest, "", `id="password-error"`)
	want(t, b.post("/forgot-password/password", url.Values{"password": {newPassword}, "confirm_password": {newPassword}}),
		http.StatusSeeOther, "/forgot-password/done")
	if b.has("carekey_recovery") {
		t.Error("the finished flow's cookie was kept")
	}
	want(t, b.get("/forgot-password/done"), http.StatusOK, "", "Your password has been changed", `href="/signin"`)

	u, err := rig.users.GetUser(t.Context(), before.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := password.NewHasher(password.DefaultParams(), 1).Verify(t.Context(), newPassword, u.PasswordHash); err != nil || !ok {
		t.Errorf("the new password does not verify: %v", err)
	}
	if m, _ := rig.mail.LastEmail("penny@example.com"); m.Template != notify.TemplatePasswordChanged {
		t.Errorf("no password-changed email: last was %s", m.Template)
	}
}

// An address without an account sees the same steps and gets no email.
func TestRecoveryUnknownAddressLooksTheSame(t *testing.T) {
	rig := newJourneyRig(t, nil)
	b := rig.browser()
	recoveryToVerify(t, b, "nobody@example.com")
	if n := len(rig.mail.Emails()); n != 0 {
		t.Errorf("%d emails for an unknown address", n)
	}
	want(t, b.post("/forgot-password/verify", url.Values{"code": {"12345678"}}), http.StatusBadRequest, "", words(text.EmailCodeMismatch))
}

// Back from the code returns to the email address; the code dies.
func TestRecoveryBack(t *testing.T) {
	rig := newJourneyRig(t, nil)
	rig.addUser()
	b := rig.browser()
	recoveryToVerify(t, b, "penny@example.com")
	code := rig.code("penny@example.com")
	want(t, b.post("/forgot-password/back", nil), http.StatusSeeOther, "/forgot-password")
	want(t, b.get("/forgot-password"), http.StatusOK, "", `value="penny@example.com"`)
	want(t, b.post("/forgot-password/verify", url.Values{"code": {code}}), http.StatusSeeOther, "/forgot-password") // not at the code step
	want(t, b.post("/forgot-password/email", url.Values{"email": {"penny@example.com"}}), http.StatusSeeOther, "/forgot-password")
	want(t, b.post("/forgot-password/verify", url.Values{"code": {code}}), http.StatusBadRequest, "", words(text.EmailCodeMismatch))
}

// Forms for another step, a missing address, a forged token and an expired
// flow.
func TestRecoveryRefusals(t *testing.T) {
	rig := newJourneyRig(t, nil)
	b := rig.browser()
	startRecovery(t, b)
	for _, path := range []string{"/forgot-password/verify", "/forgot-password/resend", "/forgot-password/back", "/forgot-password/password"} {
		want(t, b.post(path, url.Values{"code": {"12345678"}}), http.StatusSeeOther, "/forgot-password")
	}
	want(t, b.post("/forgot-password/email", url.Values{"email": {""}}), http.StatusBadRequest, "", words(text.EmailRequired))
	want(t, b.post("/forgot-password/email", url.Values{"email": {"penny@example.com"}, "csrf_token": {"forged"}}),
		http.StatusForbidden, "", words(text.FormOutOfDate), `href="/forgot-password"`)
	rig.clk.Advance(time.Hour)
	want(t, b.post("/forgot-password/email", url.Values{"email": {"penny@example.com"}}), http.StatusGone, "", words(text.FlowExpired))
	if b.has("carekey_recovery") {
		t.Error("the expired flow's cookie was kept")
	}
	want(t, b.get("/forgot-password"), http.StatusSeeOther, "/forgot-password") // a new flow
}

// Without a recovery service /forgot-password says it is not available.
func TestRecoveryComingSoon(t *testing.T) {
	rig := newJourneyRig(t, func(c *Config) { c.Recovery = nil })
	want(t, rig.browser().get("/forgot-password"), http.StatusOK, "", "Password reset is not available yet.")
}
