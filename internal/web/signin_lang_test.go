package web

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/pkg/text"
)

// signinWords are the sign-in page's heading, labels and button, as HTML,
// in language l.
func signinWords(l text.Lang) []string {
	w := func(id text.ID) string { return html.EscapeString(l.Get(id)) }
	return []string{
		`<html lang="` + string(l) + `"`,
		`<h1 class="govuk-heading-l">` + w(text.TitleSignIn) + `</h1>`,
		`<label for="email" class="govuk-label">` + w("signin.email.label") + `</label>`,
		`<label for="password" class="govuk-label">` + w("signin.password.label") + `</label>`,
		`<a href="/forgot-password">` + w(text.TitleForgotPassword) + `</a>`,
		`<button type="submit" class="govuk-button">` + w("signin.button") + `</button>`,
		w("signin.no_account") + ` <a href="/register">` + w("signin.sign_up") + `</a>`,
	}
}

func wantAll(t *testing.T, body string, words ...string) {
	t.Helper()
	for _, want := range words {
		if !strings.Contains(body, want) {
			t.Errorf("lacks %q", want)
		}
	}
}

func wantNone(t *testing.T, body string, words ...string) {
	t.Helper()
	for _, unwanted := range words {
		if strings.Contains(body, unwanted) {
			t.Errorf("shows %q", unwanted)
		}
	}
}

// englishSignin are the English words of "Sign in" (the guide's), which a
// Welsh page must not show.
var englishSignin = []string{">Sign in<", ">Email address<", ">Password<", "Forgot your password?", "Don&#39;t have an account?", "Sign up now"}

// The language cookie shows "Sign in" in Welsh; without it the page is the
// guide's English, word for word.
func TestSigninPageInWelsh(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.page("/signin", http.StatusSeeOther)
	english, _ := r.page("/signin", http.StatusOK)
	wantAll(t, english, signinWords(text.English)...)
	wantAll(t, english, `<html lang="en"`, `<h1 class="govuk-heading-l">Sign in</h1>`,
		`<label for="email" class="govuk-label">Email address</label>`, `<label for="password" class="govuk-label">Password</label>`,
		`<a href="/forgot-password">Forgot your password?</a>`, `<button type="submit" class="govuk-button">Sign in</button>`,
		`Don&#39;t have an account? <a href="/register">Sign up now</a>`)

	r.jar["__Host-"+langCookie] = &http.Cookie{Name: "__Host-" + langCookie, Value: "cy"}
	welsh, _ := r.page("/signin", http.StatusOK)
	wantAll(t, welsh, signinWords(text.Welsh)...)
	wantAll(t, welsh, `<html lang="cy"`, `<h1 class="govuk-heading-l">Mewngofnodi</h1>`,
		`<label for="email" class="govuk-label">Cyfeiriad e-bost</label>`, `<label for="password" class="govuk-label">Cyfrinair</label>`,
		`<button type="submit" class="govuk-button">Mewngofnodi</button>`)
	wantNone(t, welsh, englishSignin...)
}

// A Welsh reader's sign-in stays Welsh: the registered banner, a wrong
// password, the phone step and a form out of date.
func TestSigninJourneyInWelsh(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.page("/signin", http.StatusSeeOther)
	r.jar["__Host-"+langCookie] = &http.Cookie{Name: "__Host-" + langCookie, Value: "cy"}
	r.jar["__Host-"+noticeCookie] = &http.Cookie{Name: "__Host-" + noticeCookie, Value: noticeRegistered}
	body, _ := r.page("/signin", http.StatusOK)
	wantAll(t, body, html.EscapeString(text.Welsh.Get("signin.registered")), ">"+text.Welsh.Get(text.BannerSuccess)+"<")

	rec := r.post("/signin", url.Values{"email": {tEmail}, "password": {"wrong password"}})
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", rec.Code)
	}
	wantAll(t, rec.Body.String(), html.EscapeString(text.Welsh.Get(text.SignInFailed)), `<html lang="cy"`)
	wantNone(t, rec.Body.String(), englishSignin...)

	r.signIn()
	body, _ = r.page("/signin", http.StatusOK)
	wantAll(t, body, `<h1 class="govuk-heading-l">`+text.Welsh.Get(text.TitleConfirmIdentity)+`</h1>`,
		"<dt>"+text.Welsh.Get("phone.number")+"</dt>", ">"+text.Welsh.Get("signin.cancel")+"</button>")
	wantNone(t, body, "Confirm your identity", ">Cancel<", "Phone Number")

	rec = r.do(http.MethodPost, "/signin/cancel", url.Values{"csrf_token": {"stale"}})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("stale form: %d", rec.Code)
	}
	wantAll(t, rec.Body.String(), `<h1 class="govuk-heading-l">Mewngofnodi</h1>`, html.EscapeString(text.Welsh.Get(text.FormOutOfDate)))
	wantNone(t, rec.Body.String(), ">Sign in<")
}

// "We have sent you a new code." before enrolment is a success banner (it
// was a 500), in the reader's language.
func TestSigninEnrolEmailSentBanner(t *testing.T) {
	for _, l := range text.Langs() {
		t.Run(string(l), func(t *testing.T) {
			r := newSigninRig(t, "") // first sign-in: no phone yet
			r.page("/signin", http.StatusSeeOther)
			r.jar["__Host-"+langCookie] = &http.Cookie{Name: "__Host-" + langCookie, Value: string(l)}
			r.signIn()
			r.clk.Advance(2 * time.Minute)
			wantRedirect(t, r.post("/signin/email/resend", nil), "/signin?sent=1")
			body, _ := r.page("/signin?sent=1", http.StatusOK)
			w := func(id text.ID) string { return html.EscapeString(l.Get(id)) }
			wantAll(t, body, `<html lang="`+string(l)+`"`, `id="success-banner-title">`+w(text.BannerSuccess)+`</h2>`,
				`<p class="govuk-notification-banner__heading">`+w(text.EmailCodeResent)+`</p>`,
				`<strong>`+w("email_code.send_new")+`</strong> `+w("signin.enrol_email.another")+` <strong>`+w("signin.enrol_email.back")+`</strong>`)
			if l == text.English {
				wantAll(t, body, "Please enter the code this contains below. Use <strong>Please send me a new code</strong> if you need another one, or the <strong>back</strong> button below to stop signing in.",
					"If you can&#39;t find this email, it may be in your spam/junk email folder.")
			} else {
				wantNone(t, body, "We have sent you a new code.", "Please send me a new code", "spam/junk")
			}
			if again, _ := r.page("/signin", http.StatusOK); strings.Contains(again, "success-banner") {
				t.Error("the banner shows without ?sent=1")
			}
		})
	}
}
