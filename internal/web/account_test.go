package web

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/phone"
	"github.com/carekey/carekey/internal/text"
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
