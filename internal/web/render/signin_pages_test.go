package render_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/pkg/text"
)

// The sign-in, signed-in and sign-out pages in Welsh: lang="cy", the
// Welsh heading, and none of the English words they show in English.
func TestSigninPagesInWelsh(t *testing.T) {
	pages := newPages(t, nil)
	for name, heading := range map[string]text.ID{
		"signin": text.TitleSignIn, "signin_enrol_email": text.TitleConfirmIdentity, "signin_enrol": text.TitleConfirmIdentity,
		"signin_confirm": text.TitleConfirmIdentity, "signin_code": text.TitleConfirmIdentity, "signin_call": text.TitleConfirmIdentity,
		"signin_app": text.TitleConfirmIdentity, "signed_in": text.TitleSignedIn, "logged_out": text.TitleSignedOut,
		"confirm_logout": text.TitleSignOut,
	} {
		t.Run(name, func(t *testing.T) {
			data := pageData()
			for _, k := range []string{"Registered", "Sent", "ChangePhone", "ChangeApp", "Landline", "Reauth", "ReauthApp"} {
				data[k] = true
			}
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			rec := httptest.NewRecorder()
			pages.Render(rec, req.WithContext(text.WithLang(req.Context(), text.Welsh)), http.StatusOK, name, &render.Page{Title: heading, CSRF: "tok", Data: data})
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d:\n%s", rec.Code, body)
			}
			for _, want := range []string{`<html lang="cy">`, `<h1 class="govuk-heading-l">` + html.EscapeString(text.Welsh.Get(heading)) + `</h1>`} {
				if !strings.Contains(body, want) {
					t.Errorf("lacks %q", want)
				}
			}
			english := []string{">Sign in<", ">Sign out<", "Confirm your identity", "You are signed in", "You have signed out", ">Cancel<", ">Continue<",
				"Verify Code", "Phone Number", "Email address", ">Password<", "Forgot your password", "have an account", "Sign up now",
				"sign in again", "Sign in again", "Stay signed in", "authenticator app", "text message", "landline", "verification code",
				"send a new code", "Please send me", "We are calling", "Waiting for", "If you can", "Your account has been created",
				"We have sent you", "Enter a", "Change your phone number", "close this window", "Do you want", "Success", "this service"}
			for _, en := range english {
				if strings.Contains(body, en) {
					t.Errorf("shows English %q", en)
				}
			}
		})
	}
}
