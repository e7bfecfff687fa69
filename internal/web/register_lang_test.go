package web

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/pkg/text"
)

// cy is the page text of message id in Welsh, as html/template writes it.
func cy(id text.ID) string { return html.EscapeString(text.Welsh.Get(id)) }

// cyf is cy with the message's verbs filled in from args.
func cyf(id text.ID, args ...any) string { return html.EscapeString(text.Welsh.Getf(id, args...)) }

// inWelsh makes b a browser that chose Welsh with a page's language link.
func inWelsh(b *journeyBrowser) *journeyBrowser {
	name := b.rig.srv.cookies.name(langCookie)
	b.cookies[name] = &http.Cookie{Name: name, Value: string(text.Welsh)}
	return b
}

// wantWelsh fails the test unless rec is a page in Welsh, with none of the
// English words of the registration and forgot password pages, nor of the
// buttons and headings they share, left in it.
func wantWelsh(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.String()
	if !strings.Contains(body, `<html lang="cy"`) || rec.Header().Get("Content-Language") != "cy" {
		t.Fatalf("page not in Welsh:\n%s", body)
	}
	for _, id := range text.IDs() {
		s := string(id)
		if !strings.HasPrefix(s, "register.") && !strings.HasPrefix(s, "forgot.") && !strings.HasPrefix(s, "title.") {
			continue
		}
		// Short words ("No", "back") are found inside others.
		if en := text.English.Get(id); len(en) >= 12 && strings.Contains(html.UnescapeString(body), en) {
			t.Errorf("English %q (%s) on a Welsh page", en, id)
		}
	}
	for _, en := range []string{">Next</button>", ">Back</button>", ">Please send me a new code</button>", ">Yes</label>", ">No</label>", "Error:"} {
		if strings.Contains(body, en) {
			t.Errorf("English %q on a Welsh page", en)
		}
	}
}

// The three steps of registration in Welsh: headings, labels, buttons, the
// password policy and every field error, the values posted unchanged.
func TestRegisterInWelsh(t *testing.T) {
	rig := newJourneyRig(t, nil)
	b := inWelsh(rig.browser())

	want(t, b.get("/register"), http.StatusSeeOther, "/register")
	rec := b.get("/register")
	want(t, rec, http.StatusOK, "", cyf("register.step", 1, 3), `<h1 class="govuk-heading-l">`+cy(text.TitleRegister)+`</h1>`,
		cy("register.profile.mandatory"), `<label for="forename" class="govuk-label">`+cy("register.forename.label")+`</label>`,
		`<label for="surname" class="govuk-label">`+cy("register.surname.label")+`</label>`, cy("register.professional.legend"),
		`value="yes"`, `>`+cy("register.professional.yes")+`</label>`, `value="no"`, `>`+cy("register.professional.no")+`</label>`,
		cy("register.role.label"), cy("register.organisation.label"), cy("register.address_hint"), cy("register.street.label"),
		cy("register.town.label"), cy("register.postcode.label"), `class="govuk-button">`+cy("button.next")+`</button>`,
		cy("link.back_to_signin"), "<title>"+cy(text.TitleRegister))
	wantWelsh(t, rec)

	// Step 1 left empty: every field's error in Welsh, in the summary too.
	rec = b.post("/register/profile", url.Values{"professional": {"maybe"}})
	want(t, rec, http.StatusBadRequest, "", "<title>"+cy("layout.error_prefix"), cy(text.ErrorSummaryHeading),
		`<a href="#forename">`+cy(text.ForenameRequired)+`</a>`, cy(text.SurnameRequired), cy(text.ProfessionalInvalid),
		cy(text.RoleRequired), cy(text.OrganisationRequired), cy(text.StreetRequired), cy(text.TownRequired), cy(text.PostcodeRequired),
		`<span class="govuk-visually-hidden">`+cy("layout.error_prefix")+`</span> `+cy(text.ForenameRequired))
	wantWelsh(t, rec)

	// The answers in Welsh pages are the same values as in English.
	want(t, b.post("/register/profile", profileForm()), http.StatusSeeOther, "/register")
	rec = b.get("/register")
	rules := rig.srv.cfg.Policy.Rules()
	want(t, rec, http.StatusOK, "", cyf("register.step", 2, 3),
		cy("register.credentials.intro")+" <strong>"+cy("button.next")+"</strong> "+cy("register.to_proceed"),
		`<label for="email" class="govuk-label">`+cy("register.email.label")+`</label>`,
		`<label for="password" class="govuk-label">`+cy("register.password.label")+`</label>`,
		`<label for="confirm_password" class="govuk-label">`+cy("register.confirm_password.label")+`</label>`,
		cy("register.credentials.policy_note"), cy("register.policy.heading"), cy("register.policy.intro"),
		"<li>"+html.EscapeString(rules[0].In(text.Welsh))+"</li>", `govuk-button--secondary">`+cy("button.back")+`</button>`)
	wantWelsh(t, rec)

	// Step 2 with a weak password typed differently twice.
	rec = b.post("/register/credentials", url.Values{"email": {"not an address"}, "password": {"short"}, "confirm_password": {"other"}})
	want(t, rec, http.StatusBadRequest, "", cy(text.EmailInvalid), cy(text.PasswordsDiffer),
		"<li>"+html.EscapeString(rules[0].In(text.Welsh))+"</li>")
	wantWelsh(t, rec)

	want(t, b.post("/register/credentials", credentialsForm("penny@example.com")), http.StatusSeeOther, "/register")
	rec = b.get("/register")
	want(t, rec, http.StatusOK, "", cyf("register.step", 3, 3),
		cy("register.verify.intro")+" <strong>"+cy("register.verify.back")+"</strong> "+cy("register.verify.between")+
			" <strong>"+cy("email_code.send_new")+"</strong> "+cy("register.verify.after"),
		cy("register.verify.spam"), `<label for="code" class="govuk-label">`+cy("email_code.label")+`</label>`,
		">"+cy("email_code.send_new")+"</button>", ">"+cy("button.back")+"</button>", ">"+cy("button.next")+"</button>")
	wantWelsh(t, rec)

	rec = b.post("/register/verify", url.Values{"code": {"00000000"}})
	want(t, rec, http.StatusBadRequest, "", cy(text.EmailCodeMismatch), `aria-describedby="code-error"`)
	wantWelsh(t, rec)

	// A new code: the success banner, in Welsh.
	rig.clk.Advance(61 * time.Second)
	want(t, b.post("/register/resend", nil), http.StatusSeeOther, "/register?sent=1")
	rec = b.get("/register?sent=1")
	want(t, rec, http.StatusOK, "", `id="success-banner-title">`+cy(text.BannerSuccess)+`</h2>`,
		`<p class="govuk-notification-banner__heading">`+cy(text.EmailCodeResent)+`</p>`)
	wantWelsh(t, rec)

	want(t, b.post("/register/verify", url.Values{"code": {rig.code("penny@example.com")}}), http.StatusSeeOther, "/signin")
	u, err := rig.users.GetUserByEmail(t.Context(), "penny@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.GivenName != "Penny" || u.Profile.Postcode != "NR1 2DH" {
		t.Errorf("user %+v", u)
	}
}

// Forgot your password? in Welsh, from the address to the new password.
func TestForgotPasswordInWelsh(t *testing.T) {
	rig := newJourneyRig(t, nil)
	rig.addUser()
	b := inWelsh(rig.browser())

	want(t, b.get("/forgot-password"), http.StatusSeeOther, "/forgot-password")
	rec := b.get("/forgot-password")
	want(t, rec, http.StatusOK, "", `<h1 class="govuk-heading-l">`+cy(text.TitleForgotPassword)+`</h1>`, cy("forgot.email.intro"),
		`<label for="email" class="govuk-label">`+cy("register.email.label")+`</label>`, ">"+cy("button.next")+"</button>",
		cy("link.back_to_signin"))
	wantWelsh(t, rec)

	rec = b.post("/forgot-password/email", url.Values{"email": {""}})
	want(t, rec, http.StatusBadRequest, "", cy(text.ErrorSummaryHeading), cy(text.EmailRequired))
	wantWelsh(t, rec)

	want(t, b.post("/forgot-password/email", url.Values{"email": {"penny@example.com"}}), http.StatusSeeOther, "/forgot-password")
	rec = b.get("/forgot-password")
	want(t, rec, http.StatusOK, "",
		cy("forgot.verify.intro")+" <strong>"+cy("register.verify.back")+"</strong> "+cy("register.verify.between")+
			" <strong>"+cy("email_code.send_new")+"</strong> "+cy("register.verify.after"),
		cy("register.verify.spam"), `<label for="code" class="govuk-label">`+cy("email_code.label")+`</label>`)
	wantWelsh(t, rec)

	rec = b.post("/forgot-password/verify", url.Values{"code": {"00000000"}})
	want(t, rec, http.StatusBadRequest, "", cy(text.EmailCodeMismatch))
	wantWelsh(t, rec)

	rig.clk.Advance(61 * time.Second)
	want(t, b.post("/forgot-password/resend", nil), http.StatusSeeOther, "/forgot-password?sent=1")
	rec = b.get("/forgot-password?sent=1")
	want(t, rec, http.StatusOK, "", cy(text.BannerSuccess), cy(text.EmailCodeResent))
	wantWelsh(t, rec)

	want(t, b.post("/forgot-password/verify", url.Values{"code": {rig.code("penny@example.com")}}), http.StatusSeeOther, "/forgot-password")
	rec = b.get("/forgot-password")
	rules := rig.srv.cfg.Policy.Rules()
	want(t, rec, http.StatusOK, "", `<h1 class="govuk-heading-l">`+cy("forgot.password.heading")+`</h1>`,
		cy("forgot.password.intro")+" <strong>"+cy("button.next")+"</strong> "+cy("register.to_proceed"),
		cy("register.password.label"), cy("register.confirm_password.label"), cy("register.policy.heading"),
		"<li>"+html.EscapeString(rules[0].In(text.Welsh))+"</li>")
	wantWelsh(t, rec)

	rec = b.post("/forgot-password/password", url.Values{"password": {newPassword}, "confirm_password": {"other"}})
	want(t, rec, http.StatusBadRequest, "", cy(text.PasswordsDiffer))
	wantWelsh(t, rec)
	rec = b.post("/forgot-password/password", url.Values{"password": {"short"}, "confirm_password": {"short"}})
	want(t, rec, http.StatusBadRequest, "", `<span class="govuk-visually-hidden">`+cy("layout.error_prefix")+`</span>`,
		"<li>"+html.EscapeString(rules[0].In(text.Welsh))+"</li>")
	wantWelsh(t, rec)

	want(t, b.post("/forgot-password/password", url.Values{"password": {newPassword}, "confirm_password": {newPassword}}),
		http.StatusSeeOther, "/forgot-password/done")
	rec = b.get("/forgot-password/done")
	want(t, rec, http.StatusOK, "", `<h1 class="govuk-panel__title">`+cy(text.TitlePasswordChanged)+`</h1>`,
		"<p>"+cy(text.PasswordChangedDone)+"</p>", `<a href="/signin" class="govuk-button">`+cy(text.TitleSignIn)+`</a>`)
	wantWelsh(t, rec)
}

// In English the pages keep the guide's words, the bold words in place.
func TestRegisterAndForgotPasswordInEnglish(t *testing.T) {
	rig := newJourneyRig(t, nil)
	b := rig.browser()
	startRegister(t, b)
	rec := b.get("/register")
	want(t, rec, http.StatusOK, "", `<html lang="en"`, `<h1 class="govuk-heading-l">Register for a new account</h1>`,
		`<label for="professional" class="govuk-label govuk-radios__label">Yes</label>`,
		`<label for="professional-no" class="govuk-label govuk-radios__label">No</label>`,
		`<p class="govuk-hint">NB: The address details you add at this stage should be your work address details.</p>`)
	want(t, b.post("/register/profile", profileForm()), http.StatusSeeOther, "/register")
	want(t, b.get("/register"), http.StatusOK, "",
		"<p>Please enter your work email address and enter a password twice. Press <strong>Next</strong> to proceed.</p>",
		"<li>"+html.EscapeString(rig.srv.cfg.Policy.Rules()[0].String())+"</li>")
	want(t, b.post("/register/credentials", credentialsForm("penny@example.com")), http.StatusSeeOther, "/register")
	want(t, b.get("/register"), http.StatusOK, "",
		"<p>We have just sent you an email to confirm your email address. Please enter the code this contains below. Use the <strong>back</strong> button below if you would like to change your email address and try again or <strong>Please send me a new code</strong> if you need another one.</p>")
	rig.clk.Advance(61 * time.Second)
	want(t, b.post("/register/resend", nil), http.StatusSeeOther, "/register?sent=1")
	want(t, b.get("/register?sent=1"), http.StatusOK, "", `id="success-banner-title">Success</h2>`,
		`<p class="govuk-notification-banner__heading">We have sent you a new code.</p>`)

	rig.addUser()
	f := rig.browser()
	recoveryToVerify(t, f, "penny@example.com")
	want(t, f.get("/forgot-password"), http.StatusOK, "",
		"<p>If an account uses this email address, we have just sent it an email with a code. Please enter the code this contains below. Use the <strong>back</strong> button below if you would like to change your email address and try again or <strong>Please send me a new code</strong> if you need another one.</p>",
		"<p>If you can&#39;t find this email, it may be in your spam/junk email folder.</p>")
	want(t, f.post("/forgot-password/verify", url.Values{"code": {rig.code("penny@example.com")}}), http.StatusSeeOther, "/forgot-password")
	want(t, f.get("/forgot-password"), http.StatusOK, "", `<h1 class="govuk-heading-l">Choose a new password</h1>`,
		"<p>Please enter a new password twice. Press <strong>Next</strong> to proceed.</p>")
	want(t, f.post("/forgot-password/password", url.Values{"password": {newPassword}, "confirm_password": {newPassword}}),
		http.StatusSeeOther, "/forgot-password/done")
	want(t, f.get("/forgot-password/done"), http.StatusOK, "", `<h1 class="govuk-panel__title">Your password has been changed</h1>`,
		"<p>Your password has been changed. Please sign in with your new password.</p>", `<a href="/signin" class="govuk-button">Sign in</a>`)
}
