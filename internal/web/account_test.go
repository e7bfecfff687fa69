package web

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/phone"
	"github.com/carekey/carekey/pkg/text"
)

// A sign-in's DataReturn names a page on an allow-list; anything else, a URL
// above all, ends at the signed-in home, so no flow can redirect elsewhere.
func TestReturnPathIsAnAllowList(t *testing.T) {
	for have, want := range map[string]string{
		returnAccountPhone:       pathAccountPhone,
		"":                       "/",
		"/account/phone":         "/",
		"https://evil.example/":  "/",
		"//evil.example/phone":   "/",
		"account_phone/../admin": "/",
	} {
		if got := returnPath(have); got != want {
			t.Errorf("returnPath(%q) = %q, want %q", have, got, want)
		}
	}
}

// With the language cookie set to Welsh, "Change your phone number" is in
// Welsh, every word of it.
func TestChangePhoneInWelsh(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.signedIn(r.clk.Now())
	r.jar["__Host-"+langCookie] = &http.Cookie{Name: "__Host-" + langCookie, Value: string(text.Welsh)}
	body, _ := r.page(pathAccountPhone, http.StatusOK)
	body = html.UnescapeString(body)
	for _, want := range []string{
		`<html lang="cy">`,
		"<title>Newid eich rhif ffôn - Test</title>",
		`<h1 class="govuk-heading-l">Newid eich rhif ffôn</h1>`,
		"<p>Eich rhif ffôn yw " + phone.Mask(tPhone) + ".</p>",
		text.Welsh.Get("account.phone.intro"),
		">Cod Gwlad</label>", ">Rhif Ffôn</label>",
		`<button type="submit" class="govuk-button">Parhau</button>`,
		`<a href="/">Canslo</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s:\n%s", want, body)
		}
	}
	for _, english := range []string{"Change your phone number", "Your phone number is", "Enter a number below", ">Continue<", ">Cancel<"} {
		if strings.Contains(body, english) {
			t.Errorf("English %q on the Welsh page", english)
		}
	}
}

// The phone change's confirmation and the authenticator app's pages, with
// their success banners, in Welsh.
func TestAccountPagesInWelsh(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.withApp()
	r.signedIn(r.clk.Now())
	r.jar["__Host-"+langCookie] = &http.Cookie{Name: "__Host-" + langCookie, Value: string(text.Welsh)}
	check := func(path string, want ...string) {
		t.Helper()
		body, _ := r.page(path, http.StatusOK)
		body = html.UnescapeString(body)
		for _, w := range append([]string{`<html lang="cy">`}, want...) {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %s:\n%s", path, w, body)
			}
		}
	}
	check(pathAccountPhoneDone, `<h1 class="govuk-panel__title">Mae eich rhif ffôn wedi cael ei newid</h1>`,
		"<p>O hyn ymlaen, byddwn yn cadarnhau pwy ydych chi gyda "+phone.Mask(tPhone)+" pan fyddwch yn mewngofnodi.</p>",
		`<a href="/" class="govuk-button">Parhau</a>`)
	check(pathAccountApp, `<h1 class="govuk-heading-l">Sefydlu ap dilysu</h1>`,
		`<h2 class="govuk-heading-m">1. Ychwanegu Test at eich ap</h2>`,
		`alt="`+text.Welsh.Get("account.app.qr_alt")+`"`,
		`<label for="code" class="govuk-label">Rhowch y cod 6 digid o'ch ap</label>`)
	r.setUpApp()
	check(pathAccountApp+"?added=1", `<h1 class="govuk-heading-l">Eich ap dilysu</h1>`,
		`id="success-banner-title">Llwyddiant</h2>`, "Mae eich ap dilysu wedi cael ei sefydlu.",
		">Tynnu'r ap dilysu</button>")
	_, token := r.page(pathAccountApp, http.StatusOK)
	wantRedirect(t, r.do(http.MethodPost, pathAccountAppRemove, url.Values{"csrf_token": {token}}), pathAccountApp+"?removed=1")
	check(pathAccountApp+"?removed=1", `id="success-banner-title">Llwyddiant</h2>`, "Mae eich ap dilysu wedi cael ei dynnu.")
}
