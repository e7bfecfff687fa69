package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/pkg/text"
)

func profileForm() url.Values {
	return url.Values{
		"forename": {"Penny"}, "surname": {"Plumber"}, "professional": {"yes"}, "role": {"Carer"},
		"organisation": {"Self"}, "street": {"1 High Street"}, "town": {"Norwich"}, "postcode": {"nr12dh"},
	}
}

func credentialsForm(email string) url.Values {
	return url.Values{"email": {email}, "password": {journeyPassword}, "confirm_password": {journeyPassword}}
}

// startRegister opens /register in b: a flow is started, bound by a cookie,
// and step 1 shown.
func startRegister(t *testing.T, b *journeyBrowser) {
	t.Helper()
	want(t, b.get("/register"), http.StatusSeeOther, "/register")
	if !b.has("carekey_register") {
		t.Fatalf("no registration cookie: %v", b.cookies)
	}
	want(t, b.get("/register"), http.StatusOK, "", "Step 1 of 3", `<label for="forename" class="govuk-label">Forename *</label>`)
}

// registerToVerify takes b through steps 1 and 2 for email.
func registerToVerify(t *testing.T, b *journeyBrowser, email string) {
	t.Helper()
	startRegister(t, b)
	want(t, b.post("/register/profile", profileForm()), http.StatusSeeOther, "/register")
	want(t, b.get("/register"), http.StatusOK, "", "Step 2 of 3", "Password policy")
	want(t, b.post("/register/credentials", credentialsForm(email)), http.StatusSeeOther, "/register")
	want(t, b.get("/register"), http.StatusOK, "", "Step 3 of 3", "We have just sent you an email")
}

func TestRegisterThreeSteps(t *testing.T) {
	rig := newJourneyRig(t, nil)
	b := rig.browser()
	registerToVerify(t, b, " Penny@Example.com ")

	// A wrong code is counted and shown on the code field.
	want(t, b.post("/register/verify", url.Values{"code": {"00000000"}}), http.StatusBadRequest, "",
		words(text.EmailCodeMismatch), `aria-describedby="code-error"`)
	// A new code at once is refused, saying when to try again.
	rec := b.post("/register/resend", nil)
	want(t, rec, http.StatusTooManyRequests, "", words(text.EmailCodeCooldown))
	if rec.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// After the cooldown a new code replaces the old one.
	old := rig.code("penny@example.com")
	rig.clk.Advance(61 * time.Second)
	want(t, b.post("/register/resend", nil), http.StatusSeeOther, "/register?sent=1")
	want(t, b.get("/register?sent=1"), http.StatusOK, "", "We have sent you a new code.")
	code := rig.code("penny@example.com")
	if len(rig.mail.Emails()) != 2 {
		t.Fatalf("%d emails, want 2", len(rig.mail.Emails()))
	}
	if old != code {
		want(t, b.post("/register/verify", url.Values{"code": {old}}), http.StatusBadRequest, "", words(text.EmailCodeMismatch))
	}

	// The right code (pasted with spaces) creates the user and sends the
	// browser to sign in, with the "registered" notice and no flow cookie.
	want(t, b.post("/register/verify", url.Values{"code": {code[:4] + " " + code[4:]}}), http.StatusSeeOther, "/signin")
	if b.has("carekey_register") || !b.has(noticeCookie) {
		t.Errorf("cookies after registering: %v", b.cookies)
	}
	u, err := rig.users.GetUserByEmail(t.Context(), "penny@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.GivenName != "Penny" || u.Profile.Postcode != "NR1 2DH" || !u.EmailVerified {
		t.Errorf("user %+v", u)
	}
	if ok, _, err := password.NewHasher(password.DefaultParams(), 1).Verify(t.Context(), journeyPassword, u.PasswordHash); err != nil || !ok {
		t.Errorf("the password typed does not verify: %v", err)
	}

	// The next visit starts afresh.
	want(t, b.get("/register"), http.StatusSeeOther, "/register")
	want(t, b.get("/register"), http.StatusOK, "", "Step 1 of 3")
}

// A registration begun from a sign-in page goes back into its OIDC request:
// a fresh sign-in flow for it, started at once (not through /login, which
// would send a prompt=create request back to registration).
func TestRegisterReturnsToTheAuthRequest(t *testing.T) {
	rig := newJourneyRig(t, nil)
	b := rig.browser()
	b.signinFlow("ar_42")
	registerToVerify(t, b, "penny@example.com")
	want(t, b.post("/register/verify", url.Values{"code": {rig.code("penny@example.com")}}), http.StatusSeeOther, "/signin")
	c := b.cookies["__Host-"+flowCookie]
	if c == nil {
		t.Fatal("no sign-in flow after registering")
	}
	id, _, _ := strings.Cut(c.Value, ".")
	f, err := rig.flows.Get(t.Context(), id)
	if err != nil || id == "flw_signin" || signin.DataOf(f).AuthRequest != "ar_42" {
		t.Fatalf("flow %s (%v): %+v; want a new sign-in flow for ar_42", id, err, f)
	}
}

// Step 1 with mistakes names every missing answer, keeps the others and
// changes nothing.
func TestRegisterProfileMistakes(t *testing.T) {
	rig := newJourneyRig(t, nil)
	b := rig.browser()
	startRegister(t, b)
	form := profileForm()
	form.Del("forename")
	form.Set("postcode", "not a postcode")
	want(t, b.post("/register/profile", form), http.StatusBadRequest, "",
		words(text.ForenameRequired), `id="forename-error"`, `value="Plumber"`, `value="not a postcode"`)
	want(t, b.get("/register"), http.StatusOK, "", "Step 1 of 3")
}

// Step 2 names every rule the password breaks, and a confirmation that
// differs.
func TestRegisterCredentialsMistakes(t *testing.T) {
	rig := newJourneyRig(t, nil)
	b := rig.browser()
	startRegister(t, b)
	want(t, b.post("/register/profile", profileForm()), http.StatusSeeOther, "/register")
	b.get("/register")
	rec := b.post("/register/credentials", url.Values{"email": {"penny@example.com"}, "password": {"short"}, "confirm_password": {"other"}})
	want(t, rec, http.StatusBadRequest, "", words(text.PasswordsDiffer), `value="penny@example.com"`)
	if strings.Count(rec.Body.String(), `class="govuk-error-message"`) < 2 {
		t.Errorf("want the password's rules and the confirmation named:\n%s", rec.Body)
	}
	if len(rig.mail.Emails()) != 0 {
		t.Error("an email was sent for a refused form")
	}
}

// A form posted for another step shows the current one and changes nothing.
func TestRegisterStaleForm(t *testing.T) {
	rig := newJourneyRig(t, nil)
	b := rig.browser()
	startRegister(t, b)
	for _, path := range []string{"/register/credentials", "/register/verify", "/register/resend"} {
		want(t, b.post(path, credentialsForm("penny@example.com")), http.StatusSeeOther, "/register")
	}
	// Back does not apply at step 1: the table refuses it.
	want(t, b.post("/register/back", nil), http.StatusSeeOther, "/register")
	want(t, b.get("/register"), http.StatusOK, "", "Step 1 of 3")
	if len(rig.mail.Emails()) != 0 {
		t.Error("a stale form sent an email")
	}
}

// Back from step 3 returns to step 2 and kills the code; from step 2, to 1.
func TestRegisterBack(t *testing.T) {
	rig := newJourneyRig(t, nil)
	b := rig.browser()
	registerToVerify(t, b, "penny@example.com")
	code := rig.code("penny@example.com")
	want(t, b.post("/register/back", nil), http.StatusSeeOther, "/register")
	want(t, b.get("/register"), http.StatusOK, "", "Step 2 of 3", `value="penny@example.com"`)
	want(t, b.post("/register/verify", url.Values{"code": {code}}), http.StatusSeeOther, "/register") // not at step 3
	want(t, b.post("/register/back", nil), http.StatusSeeOther, "/register")
	want(t, b.get("/register"), http.StatusOK, "", "Step 1 of 3", `value="Penny"`)
}

// A POST without the flow's cookie or CSRF token is refused with "start
// again", and changes nothing.
func TestRegisterForgedForm(t *testing.T) {
	rig := newJourneyRig(t, nil)
	b := rig.browser()
	startRegister(t, b)
	want(t, b.post("/register/profile", withCSRF(profileForm(), "forged")), http.StatusForbidden, "",
		words(text.FormOutOfDate), `href="/register"`)
	stranger := rig.browser()
	want(t, stranger.post("/register/profile", withCSRF(profileForm(), b.csrf)), http.StatusForbidden, "", words(text.FormOutOfDate))
	want(t, b.get("/register"), http.StatusOK, "", "Step 1 of 3")
}

func withCSRF(form url.Values, token string) url.Values {
	form.Set("csrf_token", token)
	return form
}

// An expired flow answers 410 with "start again" and forgets the cookie.
func TestRegisterExpired(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(b *journeyBrowser) *http.Response
	}{
		{"show", func(b *journeyBrowser) *http.Response { return b.get("/register").Result() }},
		{"post", func(b *journeyBrowser) *http.Response { return b.post("/register/profile", profileForm()).Result() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rig := newJourneyRig(t, nil)
			b := rig.browser()
			startRegister(t, b)
			rig.clk.Advance(time.Hour)
			if resp := tc.do(b); resp.StatusCode != http.StatusGone {
				t.Fatalf("status %d, want 410", resp.StatusCode)
			}
			if b.has("carekey_register") {
				t.Error("the expired flow's cookie was kept")
			}
		})
	}
}

// An email that could not be sent leaves the flow at step 2 and says so.
func TestRegisterSendFailed(t *testing.T) {
	rig := newJourneyRig(t, nil)
	b := rig.browser()
	startRegister(t, b)
	want(t, b.post("/register/profile", profileForm()), http.StatusSeeOther, "/register")
	b.get("/register")
	rig.mail.FailNext(errors.New("smtp: 451"))
	want(t, b.post("/register/credentials", credentialsForm("penny@example.com")), http.StatusServiceUnavailable, "",
		words(text.EmailSendFailed))
	want(t, b.get("/register"), http.StatusOK, "", "Step 2 of 3")
}

// An address that has an account sees the same steps; it is told so by
// email instead of getting a code.
func TestRegisterExistingAddressLooksTheSame(t *testing.T) {
	rig := newJourneyRig(t, nil)
	first := rig.browser()
	registerToVerify(t, first, "penny@example.com")
	want(t, first.post("/register/verify", url.Values{"code": {rig.code("penny@example.com")}}), http.StatusSeeOther, "/signin")

	again := rig.browser()
	registerToVerify(t, again, "penny@example.com")
	m, _ := rig.mail.LastEmail("penny@example.com")
	if m.Template != notify.TemplateAlreadyRegistered || m.Code != "" || !strings.Contains(m.Text, "https://signin.example/forgot-password") {
		t.Errorf("want the already-registered email, got %+v", m)
	}
}

// Without a registration service /register says it is not available.
func TestRegisterComingSoon(t *testing.T) {
	rig := newJourneyRig(t, func(c *Config) { c.Register = nil })
	want(t, rig.browser().get("/register"), http.StatusOK, "", "Registration is not available yet.")
	if rec := rig.browser().post("/register/profile", profileForm()); rec.Code == http.StatusSeeOther {
		t.Errorf("POST served without a registration service: %d", rec.Code)
	}
}
