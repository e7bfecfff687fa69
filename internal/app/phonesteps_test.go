package app_test

import (
	"github.com/carekey/carekey/pkg/text"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/notify/outbox"
	"github.com/carekey/carekey/internal/notify/twilio"
	"github.com/carekey/carekey/internal/store"
)

// newUser creates a user with no phone, as registration leaves them.
func newUser(t *testing.T, e *env, id, email string) {
	t.Helper()
	now := time.Now().UTC()
	if err := e.app.Backends().Store.CreateUser(t.Context(), store.User{ID: id, Email: email, EmailVerified: true,
		GivenName: "New", FamilyName: "User", PasswordHash: devHash(t), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
}

// Acceptance 1: sign in → enrol phone → Send Code (from the outbox JSON) or
// Call Me (the outbox presses #) → back at the relying party with amr
// pwd + sms|tel + mfa, on memory and on PostgreSQL + Redis.
func TestEnrolThenConfirmBySMSOrCall(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		for _, tc := range []struct{ method, id string }{{"sms", "usr_sms"}, {"tel", "usr_tel"}} {
			t.Run(tc.method, func(t *testing.T) {
				email := tc.id + "@example.com"
				newUser(t, e, tc.id, email)
				amr := e.amrAfter(t, email, tc.method)
				for _, want := range []string{"pwd", tc.method, "mfa"} {
					if !slices.Contains(amr, want) {
						t.Errorf("amr = %v, lacks %s", amr, want)
					}
				}
				u, err := e.app.Backends().Store.GetUser(t.Context(), tc.id)
				if err != nil {
					t.Fatal(err)
				}
				if u.Phone != "+447700900111" || !u.PhoneVerified {
					t.Errorf("phone %q verified %v after enrolment by %s", u.Phone, u.PhoneVerified, tc.method)
				}
				ev, err := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{UserID: tc.id, Type: "user.phone_enrolled"})
				if err != nil || len(ev) != 1 || ev[0].Detail["method"] != tc.method {
					t.Errorf("enrolment audit events %+v (%v)", ev, err)
				}
			})
		}
	})
}

func TestEnrolmentPageAndBadNumbers(t *testing.T) {
	e := start(t, false)
	newUser(t, e, "usr_new", "new.user@example.com")
	c := e.browser()
	csrf := csrfOf(t, e.signinPage(t, c))
	resp, err := c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {"new.user@example.com"}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	body := mustStatus(t, resp, http.StatusOK)
	// First the code emailed to the account (issue 10: the password alone enrols nothing).
	resp = post(t, c, e.issuer+"/signin/email/verify", url.Values{"csrf_token": {csrfOf(t, body)}, "code": {e.emailCode(t, "new.user@example.com")}})
	body = mustStatus(t, resp, http.StatusOK)
	for _, want := range []string{"Enter a number below that we can send a code via SMS or phone to authenticate you.",
		`<label for="country" class="govuk-label">Country Code</label>`, `<label for="phone" class="govuk-label">Phone Number</label>`, "United Kingdom (+44)"} {
		if !strings.Contains(body, want) {
			t.Errorf("enrolment page lacks %q", want)
		}
	}
	csrf = csrfOf(t, body)
	// Each refusal says what is wrong, after the hosted service's words.
	for _, tc := range []struct{ country, number, want string }{
		{"44", "", "Please enter a valid phone number"},
		{"44", "12", "Please enter a valid phone number. The number you entered is too short."},
		{"44", "not a number", "Please enter a valid phone number. Use only digits, spaces and hyphens."},
		{"44", "+1 202 555 0100 ext 9", "Please enter a valid phone number. Use only digits, spaces and hyphens."},
		{"44", "07700 900111 999999", "Please enter a valid phone number. The number you entered is too long."},
		{"44", "01632 96", "Please enter a valid phone number. This is not a number in use in the country you chose."},
		{"44", "09098 790000", "Please enter a valid phone number. We cannot send codes to or call this kind of number (such as premium-rate or shared-cost numbers): use a mobile or landline number."},
		{"999", "07700 900111", "Please enter a valid phone number. Choose a country from the list."},
	} {
		resp, err := c.PostForm(e.issuer+"/signin/enrol", url.Values{"csrf_token": {csrf}, "country": {tc.country}, "phone": {tc.number}})
		if err != nil {
			t.Fatal(err)
		}
		if b := mustStatus(t, resp, http.StatusBadRequest); !strings.Contains(b, `<a href="#phone">`+html.EscapeString(tc.want)+`</a>`) {
			t.Errorf("+%s %q: want %q in the error summary:\n%s", tc.country, tc.number, tc.want, b)
		}
	}
	// Nothing is stored on the user before the number is confirmed.
	resp, err = c.PostForm(e.issuer+"/signin/enrol", url.Values{"csrf_token": {csrf}, "country": {"44"}, "phone": {testPhone}})
	if err != nil {
		t.Fatal(err)
	}
	if b := mustStatus(t, resp, http.StatusOK); !strings.Contains(b, "XXX-XXX-XXX11") {
		t.Errorf("confirm page does not show the new number masked:\n%s", b)
	}
	if u, _ := e.app.Backends().Store.GetUser(t.Context(), "usr_new"); u.Phone != "" {
		t.Errorf("phone %q stored before it was confirmed", u.Phone)
	}
}

// twilioConfig makes carekey verify Twilio webhooks (the dev outbox still
// places the calls).
const webhookToken = "0123456789abcdef0123456789abcdef"

func withTwilioWebhook(c *config.Config) {
	c.Voice = config.Voice{Provider: "twilio", Twilio: config.TwilioPhone{
		AccountSID: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", AuthToken: webhookToken, From: "+441632960000",
		WebhookURL: c.Issuer + "/webhooks/twilio/voice",
	}}
}

// callPlaced signs in with the password, chooses Call Me, and returns the
// browser, the waiting page's CSRF token and the call the outbox holds.
func (e *env) callPlaced(t *testing.T) (*http.Client, string, outbox.Message) {
	t.Helper()
	c := e.browser()
	body := e.passwordOnly(t, c, e.issuer+"/signin")
	resp, err := c.PostForm(e.issuer+"/signin/call", url.Values{"csrf_token": {csrfOf(t, body)}})
	if err != nil {
		t.Fatal(err)
	}
	body = mustStatus(t, resp, http.StatusOK)
	if !strings.Contains(body, `action="/signin/continue"`) || !strings.Contains(body, `src="/static/callwait.js"`) {
		t.Fatalf("no waiting page:\n%s", body)
	}
	m, ok := e.app.Senders().Outbox.Last(outbox.ChannelVoice, "+447700900047")
	if !ok || m.Reference == "" {
		t.Fatal("no call in the outbox")
	}
	return c, csrfOf(t, body), m
}

// webhook posts a Twilio webhook to path?ref=ref with form, signed with
// token (or with the given signature when sig is not empty).
func (e *env) webhook(t *testing.T, path, ref string, form url.Values, token, sig string) (int, string) {
	t.Helper()
	u := e.issuer + path + "?" + url.Values{"ref": {ref}}.Encode()
	if sig == "" {
		sig = twilio.Signature(token, u, form)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sig)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, readBody(t, resp)
}

func (e *env) callState(t *testing.T, c *http.Client) string {
	t.Helper()
	resp, err := c.Get(e.issuer + "/signin/call-status")
	if err != nil {
		t.Fatal(err)
	}
	body := mustStatus(t, resp, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("call status Content-Type %q", ct)
	}
	return body
}

// Acceptance 5 (webhook side): Twilio's signed key press verifies the call;
// forged webhooks get 403 and change nothing.
func TestVoiceWebhook(t *testing.T) {
	e := startWith(t, false, withTwilioWebhook)
	c, csrf, call := e.callPlaced(t)
	pressed := url.Values{"CallSid": {"CA0123"}, "Digits": {"#"}, "From": {"+441632960000"}, "To": {"+447700900047"}}
	flowID, _, _ := strings.Cut(call.Reference, ".")

	for _, tc := range []struct {
		name, ref, token, sig string
	}{
		{"no signature", call.Reference, webhookToken, "-"},
		{"signed with another token", call.Reference, "ffffffffffffffffffffffffffffffff", ""},
		{"unknown reference", flowID + ".bm90LXRoZS1zZWNyZXQ", webhookToken, ""},
		{"unknown flow", "flw_nobody.secret", webhookToken, ""},
		{"no reference", "", webhookToken, ""},
	} {
		sig := tc.sig
		if sig == "-" {
			sig = "bm90IGEgc2lnbmF0dXJl"
		}
		if st, _ := e.webhook(t, "/webhooks/twilio/voice", tc.ref, pressed, tc.token, sig); st != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", tc.name, st)
		}
	}
	if s := e.callState(t, c); !strings.Contains(s, `"pending"`) {
		t.Fatalf("forged webhooks changed the call: %s", s)
	}
	// Continue while waiting: still waiting, no session.
	resp, err := c.PostForm(e.issuer+"/signin/continue", url.Values{"csrf_token": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	if b := mustStatus(t, resp, http.StatusOK); !strings.Contains(b, "We have not yet heard that you pressed #") {
		t.Errorf("continue while pending:\n%s", b)
	}

	st, twiml := e.webhook(t, "/webhooks/twilio/voice", call.Reference, pressed, webhookToken, "")
	if st != http.StatusOK || !strings.Contains(twiml, "<Response>") || !strings.Contains(twiml, "Thank you") {
		t.Fatalf("signed key press: %d %s", st, twiml)
	}
	if s := e.callState(t, c); !strings.Contains(s, `"verified"`) {
		t.Errorf("after #: %s", s)
	}
	// The same (replayed) webhook is refused: the reference is used.
	if st, _ := e.webhook(t, "/webhooks/twilio/voice", call.Reference, pressed, webhookToken, ""); st != http.StatusForbidden {
		t.Errorf("replayed webhook: %d, want 403", st)
	}
	resp, err = c.PostForm(e.issuer+"/signin/continue", url.Values{"csrf_token": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Request.URL.Path, "/") {
		t.Fatalf("continue after #: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	resp, err = c.Get(e.issuer + "/")
	if err != nil {
		t.Fatal(err)
	}
	if b := mustStatus(t, resp, http.StatusOK); !strings.Contains(b, "You are signed in") {
		t.Errorf("no session after the call was answered")
	}
	// After the sign-in, even a status callback for the call is refused.
	if st, _ := e.webhook(t, "/webhooks/twilio/voice/status", call.Reference, url.Values{"CallStatus": {"completed"}}, webhookToken, ""); st != http.StatusForbidden {
		t.Errorf("status callback for a finished sign-in: %d, want 403", st)
	}
}

func TestCallNotAnswered(t *testing.T) {
	e := startWith(t, false, withTwilioWebhook)
	for _, tc := range []struct {
		status string
		digits string
		want   string
	}{
		{status: "no-answer", want: "the call was not answered or # was not pressed"},
		{status: "busy", want: "The phone number you provided is busy or unavailable. Please check the number and try again."},
		{digits: "5", want: "the call was not answered or # was not pressed"},
	} {
		t.Run(tc.status+tc.digits, func(t *testing.T) {
			c, csrf, call := e.callPlaced(t)
			if tc.digits != "" {
				st, twiml := e.webhook(t, "/webhooks/twilio/voice", call.Reference, url.Values{"Digits": {tc.digits}}, webhookToken, "")
				if st != http.StatusOK || !strings.Contains(twiml, "Goodbye") {
					t.Errorf("wrong key: %d %s", st, twiml)
				}
			} else {
				st, _ := e.webhook(t, "/webhooks/twilio/voice/status", call.Reference, url.Values{"CallStatus": {tc.status}}, webhookToken, "")
				if st != http.StatusNoContent {
					t.Errorf("status callback: %d", st)
				}
			}
			if s := e.callState(t, c); !strings.Contains(s, `"failed"`) {
				t.Errorf("call state %s, want failed", s)
			}
			resp, err := c.PostForm(e.issuer+"/signin/continue", url.Values{"csrf_token": {csrf}})
			if err != nil {
				t.Fatal(err)
			}
			body := mustStatus(t, resp, http.StatusBadRequest)
			if !strings.Contains(body, tc.want) || !strings.Contains(body, ">Send Code</button>") || !strings.Contains(body, ">Call Me</button>") {
				t.Errorf("after a failed call: want %q with Send Code and Call Me:\n%s", tc.want, body)
			}
			// A late # for the failed call changes nothing.
			if st, _ := e.webhook(t, "/webhooks/twilio/voice", call.Reference, url.Values{"Digits": {"#"}}, webhookToken, ""); st != http.StatusForbidden {
				t.Errorf("# after the call failed: %d, want 403", st)
			}
		})
	}
}

func TestSigninRateLimits(t *testing.T) {
	e := startWith(t, false, func(c *config.Config) {
		c.RateLimits.SigninPerIP = config.RateLimit{Max: 3, Window: time.Minute}
	})
	try := func(email string) *http.Response {
		c := e.browser()
		csrf := csrfOf(t, e.signinPage(t, c))
		resp, err := c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {email}, "password": {"Wrong-password-123"}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for i := range 3 {
		mustStatus(t, try("someone"+strconv.Itoa(i)+"@example.com"), http.StatusUnauthorized)
	}
	resp := try(testEmail)
	body := mustStatus(t, resp, http.StatusTooManyRequests)
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 120 { // sliding window: at most two windows
		t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(body, "Too many attempts. Please wait a few minutes and try again.") {
		t.Errorf("no clear message:\n%s", body)
	}
	// The limited attempt was not counted against the account.
	if u, _ := e.app.Backends().Store.GetUser(t.Context(), "usr_penny"); u.FailedLogins != 0 {
		t.Errorf("failed logins %d after a limited attempt", u.FailedLogins)
	}
}

func TestSigninPerAccountLimit(t *testing.T) {
	e := startWith(t, false, func(c *config.Config) {
		c.RateLimits.SigninPerAccount = config.RateLimit{Max: 2, Window: time.Minute}
	})
	var last *http.Response
	var body string
	for range 3 {
		c := e.browser()
		csrf := csrfOf(t, e.signinPage(t, c))
		resp, err := c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {" Penny.Plumber.Portal@Example.com"}, "password": {"x"}})
		if err != nil {
			t.Fatal(err)
		}
		body = readBody(t, resp)
		last = resp
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("third attempt at one account: %d Retry-After %q", last.StatusCode, last.Header.Get("Retry-After"))
	}
	// The page says when to try again and has a way out (issue 14).
	if !strings.Contains(body, "You can try again in ") || !strings.Contains(body, `<a href="/signin">Back to sign in</a>`) {
		t.Errorf("429 page without when to try again or a way back:\n%s", body)
	}
}

func TestCodesAndCallsPerPhoneLimits(t *testing.T) {
	backendsWith(t, func(c *config.Config) {
		c.MFA.ResendCooldown = time.Nanosecond
		c.MFA.MaxSends = 100
	}, func(t *testing.T, e *env) {
		c := e.browser()
		csrf := csrfOf(t, e.passwordOnly(t, c, e.issuer+"/signin"))
		post := func(path string) *http.Response {
			resp, err := c.PostForm(e.issuer+path, url.Values{"csrf_token": {csrf}})
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
		for range 5 {
			mustStatus(t, post("/signin/send-code"), http.StatusOK)
		}
		resp := post("/signin/send-code")
		if mustStatus(t, resp, http.StatusTooManyRequests); resp.Header.Get("Retry-After") == "" {
			t.Error("6th code: no Retry-After")
		}
		for range 3 {
			mustStatus(t, post("/signin/call"), http.StatusOK)
		}
		resp = post("/signin/call")
		if mustStatus(t, resp, http.StatusTooManyRequests); resp.Header.Get("Retry-After") == "" {
			t.Error("4th call: no Retry-After")
		}
		sms := 0
		for _, m := range e.app.Senders().Outbox.Messages() {
			if m.Channel == outbox.ChannelSMS {
				sms++
			}
		}
		if sms != 5 {
			t.Errorf("%d codes sent, want 5", sms)
		}
	})
}

func TestResendKeepsTheTries(t *testing.T) {
	e := startWith(t, false, func(c *config.Config) { c.MFA.ResendCooldown = time.Nanosecond })
	c := e.browser()
	csrf := csrfOf(t, e.passwordOnly(t, c, e.issuer+"/signin"))
	post := func(path string, v url.Values) (int, string) {
		v.Set("csrf_token", csrf)
		resp, err := c.PostForm(e.issuer+path, v)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, readBody(t, resp)
	}
	post("/signin/send-code", url.Values{})
	for range 4 {
		post("/signin/verify", url.Values{"code": {"000000"}})
	}
	post("/signin/send-code", url.Values{}) // a new code, but the fifth try is the last
	post("/signin/verify", url.Values{"code": {"000000"}})
	if st, _ := post("/signin/verify", url.Values{"code": {e.lastCode(t)}}); st != http.StatusBadRequest {
		t.Errorf("right code after 5 wrong tries across a resend: %d, want 400", st)
	}
}

func TestCancelReturnsToTheRelyingParty(t *testing.T) {
	e := start(t, false)
	r := e.rp(publicID, "", publicRedir, "profile")
	c := e.browser()
	body := e.passwordOnly(t, c, r.conf.AuthCodeURL("st", oauthS256(t)))
	resp, err := c.PostForm(e.issuer+"/signin/cancel", url.Values{"csrf_token": {csrfOf(t, body)}})
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("error") != "access_denied" || loc.Query().Get("code") != "" {
		t.Errorf("cancel: %d %s", resp.StatusCode, loc)
	}
}

func oauthS256(t *testing.T) oauth2.AuthCodeOption {
	t.Helper()
	return oauth2.S256ChallengeOption(oauth2.GenerateVerifier())
}

// welshTransport is a browser whose reader asks for Welsh.
type welshTransport struct{ next http.RoundTripper }

func (w welshTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept-Language", "cy")
	return w.next.RoundTrip(r)
}

// A call placed from a page in Welsh speaks Welsh, and so do the replies
// to its key press: the confirmation, and the refusal of a wrong key.
func TestCallMeInWelsh(t *testing.T) {
	e := startWith(t, false, withTwilioWebhook)
	for _, tc := range []struct {
		digits string
		want   text.ID
	}{
		{"#", text.CallConfirmed},
		{"5", text.CallNotHash},
	} {
		t.Run(tc.digits, func(t *testing.T) {
			c := e.browser()
			next := c.Transport
			if next == nil {
				next = http.DefaultTransport
			}
			c.Transport = welshTransport{next}
			body := e.toConfirm(t, c, e.issuer+"/signin")
			if !strings.Contains(body, `lang="cy"`) {
				t.Fatalf("the confirm page is not in Welsh:\n%s", body)
			}
			resp, err := c.PostForm(e.issuer+"/signin/call", url.Values{"csrf_token": {csrfOf(t, body)}})
			if err != nil {
				t.Fatal(err)
			}
			mustStatus(t, resp, http.StatusOK)
			call, ok := e.app.Senders().Outbox.Last(outbox.ChannelVoice, "+447700900047")
			if !ok || call.Reference == "" {
				t.Fatal("no call in the outbox")
			}
			st, twiml := e.webhook(t, "/webhooks/twilio/voice", call.Reference, url.Values{"Digits": {tc.digits}}, webhookToken, "")
			if st != http.StatusOK || !strings.Contains(twiml, `language="cy-GB"`) || !strings.Contains(twiml, html.EscapeString(text.Welsh.Get(tc.want))) {
				t.Errorf("reply to %s: %d\n%s\nwant Welsh %q", tc.digits, st, twiml, text.Welsh.Get(tc.want))
			}
		})
	}
}
