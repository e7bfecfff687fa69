package web

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/totp"
	"github.com/carekey/carekey/pkg/text"
)

var (
	appKeyRE   = regexp.MustCompile(`id="app-key"[^>]*>([A-Z2-7]+)<`)
	appSetupRE = regexp.MustCompile(`name="setup" value="([^"]+)"`)
	appQRRE    = regexp.MustCompile(`<img id="app-qr" src="data:image/png;base64,[A-Za-z0-9+/=&#;]+" width="200" height="200" alt="[^"]+">`)
)

// withApp turns the authenticator app on in the rig.
func (r *signinRig) withApp() {
	r.t.Helper()
	c, err := keys.NewCipher(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		r.t.Fatal(err)
	}
	r.journey.App = true
	r.journey.Accounts.AppCipher, r.journey.Accounts.AppIssuer = c, "Test"
}

// setUpApp sets up an app from /account/app (the browser signed in with the
// phone just now) and returns its key.
func (r *signinRig) setUpApp() string {
	r.t.Helper()
	body, token := r.page(pathAccountApp, http.StatusOK)
	if !appQRRE.MatchString(body) {
		r.t.Fatalf("no QR code image with alt text:\n%s", body)
	}
	key, setup := appKeyRE.FindStringSubmatch(body), appSetupRE.FindStringSubmatch(body)
	if key == nil || setup == nil {
		r.t.Fatalf("no key or set-up ID:\n%s", body)
	}
	code, _ := totp.Code(key[1], totp.Step(r.clk.Now()))
	wantRedirect(r.t, r.do(http.MethodPost, pathAccountApp, url.Values{"csrf_token": {token}, "setup": {setup[1]}, "code": {code}}),
		pathAccountApp+"?added=1")
	return key[1]
}

func TestAppSetUpThenSignInWithIt(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.withApp()
	r.signedIn(r.clk.Now())
	body, token := r.page(pathAccountApp, http.StatusOK)
	if !strings.Contains(body, `<label for="code" class="govuk-label">Enter the 6-digit code from your app</label>`) {
		t.Fatalf("set-up page lacks the code field:\n%s", body)
	}
	setup := appSetupRE.FindStringSubmatch(body)[1]
	// A wrong code: the same set-up again, with the message on the field.
	rec := r.do(http.MethodPost, pathAccountApp, url.Values{"csrf_token": {token}, "setup": {setup}, "code": {"000000"}})
	wantPage(t, rec, http.StatusBadRequest, text.Get(text.AppCodeMismatch))
	if !strings.Contains(rec.Body.String(), `value="`+setup+`"`) {
		t.Error("a wrong code started a new set-up")
	}
	// Another form's CSRF token: refused.
	wantPage(t, r.do(http.MethodPost, pathAccountApp, url.Values{"csrf_token": {"forged"}, "setup": {setup}, "code": {"000000"}}),
		http.StatusForbidden, text.Get(text.FormOutOfDate))

	key := r.setUpApp()
	if u, _ := r.users.GetUser(t.Context(), "usr_p"); u.TOTPSecret == "" || strings.Contains(u.TOTPSecret, key) {
		t.Fatalf("app not saved sealed: %q", u.TOTPSecret)
	}
	if m := r.sent.Emails(); len(m) == 0 || m[len(m)-1].Template != notify.TemplateAppAdded {
		t.Error("no app_added email")
	}
	body, _ = r.page(pathAccountApp+"?added=1", http.StatusOK)
	if !strings.Contains(body, "Your authenticator app has been set up.") || !strings.Contains(body, ">Remove authenticator app</button>") {
		t.Errorf("after set-up:\n%s", body)
	}

	// Signed out, a new sign-in offers the app beside Send Code and Call Me.
	delete(r.jar, "__Host-"+sessionCookie)
	r.clk.Advance(totp.Period)
	wantRedirect(t, r.do(http.MethodGet, "/signin", nil), "/signin") // a new flow
	r.signIn()
	body, _ = r.page("/signin", http.StatusOK)
	for _, want := range []string{">Send Code</button>", ">Call Me</button>", ">Use your authenticator app</button>"} {
		if !strings.Contains(body, want) {
			t.Errorf("confirm page lacks %s", want)
		}
	}
	wantRedirect(t, r.post("/signin/use-app", nil), "/signin")
	body, _ = r.page("/signin", http.StatusOK)
	if !strings.Contains(body, `<label for="code" class="govuk-label">Enter the 6-digit code from your app</label>`) {
		t.Fatalf("not the app's code page:\n%s", body)
	}
	wantPage(t, r.post("/signin/app", url.Values{"code": {"12345"}}), http.StatusBadRequest, text.Get(text.AppCodeRequired))
	code, _ := totp.Code(key, totp.Step(r.clk.Now()))
	wantRedirect(t, r.post("/signin/app", url.Values{"code": {code}}), "/")
	sess, err := r.sessions.Get(t.Context(), r.jar["__Host-"+sessionCookie].Value)
	if err != nil || !slices.Equal(sess.AMR, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("session %+v, %v; want AMR pwd otp mfa", sess, err)
	}
	// The same code once more, in another sign-in: refused.
	delete(r.jar, "__Host-"+sessionCookie)
	wantRedirect(t, r.do(http.MethodGet, "/signin", nil), "/signin")
	r.signIn()
	wantRedirect(t, r.post("/signin/use-app", nil), "/signin")
	wantPage(t, r.post("/signin/app", url.Values{"code": {code}}), http.StatusBadRequest, text.Get(text.AppCodeMismatch))
}

// Setting up or removing the app needs a sign-in with the phone at most
// ten minutes old; any other browser signs in again, with the phone.
func TestAppNeedsARecentPhoneSignin(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.withApp()
	r.signedIn(r.clk.Now())
	r.setUpApp()
	for name, sess := range map[string]session.Session{
		"eleven minutes old":     {AuthTime: r.clk.Now().Add(-11 * time.Minute), AMR: []string{"pwd", "sms", "mfa"}},
		"signed in with the app": {AuthTime: r.clk.Now(), AMR: []string{"pwd", "otp", "mfa"}},
	} {
		t.Run(name, func(t *testing.T) {
			sess.ID, sess.UserID, sess.CreatedAt, sess.LastSeen = secret.Token(), "usr_p", sess.AuthTime, r.clk.Now()
			sess.IdleTimeout, sess.ExpiresAt = time.Hour, r.clk.Now().Add(time.Hour)
			if err := r.sessions.Create(t.Context(), sess); err != nil {
				t.Fatal(err)
			}
			r.jar["__Host-"+sessionCookie] = &http.Cookie{Name: "__Host-" + sessionCookie, Value: sess.ID}
			wantRedirect(t, r.do(http.MethodGet, pathAccountApp, nil), "/signin")
			wantRedirect(t, r.do(http.MethodPost, pathAccountAppRemove, url.Values{"csrf_token": {r.srv.sessionCSRF(sess.ID)}}), "/signin")
			if u, _ := r.users.GetUser(t.Context(), "usr_p"); u.TOTPSecret == "" {
				t.Fatal("app removed without a recent sign-in with the phone")
			}
		})
	}
	// The sign-in that follows says why, offers only the phone, and ends
	// back at the app's page.
	body, _ := r.page("/signin", http.StatusOK)
	if !strings.Contains(body, "To set up or remove an authenticator app, please sign in again.") {
		t.Errorf("sign-in page does not say why:\n%s", body)
	}
	r.signIn()
	body, _ = r.page("/signin", http.StatusOK)
	if strings.Contains(body, "Use your authenticator app") || !strings.Contains(body, "first confirm your identity with your phone") {
		t.Errorf("phone-only sign-in:\n%s", body)
	}
	wantRedirect(t, r.post("/signin/send-code", nil), "/signin")
	wantRedirect(t, r.post("/signin/verify", url.Values{"code": {r.lastSMSCode()}}), pathAccountApp)
	_, token := r.page(pathAccountApp, http.StatusOK)
	wantRedirect(t, r.do(http.MethodPost, pathAccountAppRemove, url.Values{"csrf_token": {token}}), pathAccountApp+"?removed=1")
	if u, _ := r.users.GetUser(t.Context(), "usr_p"); u.TOTPSecret != "" {
		t.Error("app not removed")
	}
	if m := r.sent.Emails(); len(m) == 0 || m[len(m)-1].Template != notify.TemplateAppRemoved {
		t.Error("no app_removed email")
	}
	body, _ = r.page(pathAccountApp+"?removed=1", http.StatusOK)
	if !strings.Contains(body, "Your authenticator app has been removed.") || !appQRRE.MatchString(body) {
		t.Errorf("after removal:\n%s", body)
	}
}

func TestAppOffWhereNotConfigured(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.signedIn(r.clk.Now())
	r.page(pathAccountApp, http.StatusNotFound)
	if body, _ := r.page("/", http.StatusOK); strings.Contains(body, "/account/app") {
		t.Error("home links to the app with mfa.app off")
	}
}
