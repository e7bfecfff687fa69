package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/store"
)

// Changing the phone later (issue 5): a recent full sign-in, the new number
// confirmed like an enrolment, the old number and the email told.

const (
	changedPhone  = "07700 900222"
	changedE164   = "+447700900222"
	changedMasked = "XXX-XXX-XXX22"
	pennyE164     = "+447700900047"
)

// confirmBySMS presses Send Code on the "Confirm your identity" page body,
// types the code from the outbox and returns where the browser ends up (the
// redirects followed).
func (e *env) confirmBySMS(t *testing.T, c *http.Client, body string) *http.Response {
	t.Helper()
	body = mustStatus(t, post(t, c, e.issuer+"/signin/send-code", url.Values{"csrf_token": {csrfOf(t, body)}}), http.StatusOK)
	if !strings.Contains(body, `action="/signin/verify"`) {
		t.Fatalf("no code page after Send Code:\n%s", body)
	}
	return post(t, c, e.issuer+"/signin/verify", url.Values{"csrf_token": {csrfOf(t, body)}, "code": {e.lastCode(t)}})
}

// signedInHere signs the seeded user in at carekey itself (no relying
// party), password then SMS code, and returns the browser.
func (e *env) signedInHere(t *testing.T) *http.Client {
	t.Helper()
	c := e.browser()
	resp := e.confirmBySMS(t, c, e.passwordOnly(t, c, e.issuer+"/signin"))
	if body := mustStatus(t, resp, http.StatusOK); !strings.Contains(body, "You are signed in") {
		t.Fatalf("not signed in:\n%s", body)
	}
	return c
}

func (e *env) get(t *testing.T, c *http.Client, path string) *http.Response {
	t.Helper()
	resp, err := c.Get(e.issuer + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp
}

// changePage opens /account/phone in a recently signed-in browser.
func (e *env) changePage(t *testing.T, c *http.Client) string {
	t.Helper()
	resp := e.get(t, c, "/account/phone")
	body := mustStatus(t, resp, http.StatusOK)
	if resp.Request.URL.Path != "/account/phone" || !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Change your phone number</h1>") {
		t.Fatalf("GET /account/phone ended at %s:\n%s", resp.Request.URL.Path, body)
	}
	return body
}

// enterNumber posts number on the change page body.
func (e *env) enterNumber(t *testing.T, c *http.Client, body, country, number string) *http.Response {
	t.Helper()
	return post(t, c, e.issuer+"/account/phone", url.Values{"csrf_token": {csrfOf(t, body)}, "country": {country}, "phone": {number}})
}

// cookie is the value of the named carekey cookie in c's jar.
func (e *env) cookie(t *testing.T, c *http.Client, name string) string {
	t.Helper()
	u, _ := url.Parse(e.issuer)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name || ck.Name == "__Host-"+name {
			return ck.Value
		}
	}
	return ""
}

func (e *env) phoneOf(t *testing.T, userID string) string {
	t.Helper()
	u, err := e.app.Backends().Store.GetUser(t.Context(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return u.Phone
}

// expectSignInPage checks that resp ended on the sign-in page that brings
// the user back to /account/phone.
func expectSignInPage(t *testing.T, resp *http.Response) string {
	t.Helper()
	body := mustStatus(t, resp, http.StatusOK)
	if resp.Request.URL.Path != "/signin" || !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Sign in</h1>") ||
		!strings.Contains(body, "To change your phone number, please sign in again.") {
		t.Fatalf("want the sign-in page asking to sign in again, got %s:\n%s", resp.Request.URL.Path, body)
	}
	return body
}

func TestPhoneChangeHappyPath(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		c := e.signedInHere(t)
		sessionBefore := e.cookie(t, c, "carekey_session")
		if home := mustStatus(t, e.get(t, c, "/"), http.StatusOK); !strings.Contains(home, `<a href="/account/phone">Change your phone number</a>`) {
			t.Errorf("the signed-in page does not link to /account/phone:\n%s", home)
		}
		body := e.changePage(t, c)
		for _, want := range []string{"Enter a number below that we can send a code via SMS or phone to authenticate you.",
			`<label for="country" class="govuk-label">Country Code</label>`, `<label for="phone" class="govuk-label">Phone Number</label>`, "United Kingdom (+44)",
			"XXX-XXX-XXX47", `name="csrf_token"`} {
			if !strings.Contains(body, want) {
				t.Errorf("change page lacks %q", want)
			}
		}

		resp := e.enterNumber(t, c, body, "44", changedPhone)
		body = mustStatus(t, resp, http.StatusOK)
		if resp.Request.URL.Path != "/signin" || !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Confirm your identity</h1>") ||
			!strings.Contains(body, changedMasked) || !strings.Contains(body, ">Send Code</button>") || !strings.Contains(body, ">Call Me</button>") {
			t.Fatalf("after entering the number: want Confirm your identity for %s, got %s:\n%s", changedMasked, resp.Request.URL.Path, body)
		}
		if e.phoneOf(t, "usr_penny") != pennyE164 {
			t.Error("the phone changed before the new number was confirmed")
		}

		// Send Code goes to the NEW number.
		body = mustStatus(t, post(t, c, e.issuer+"/signin/send-code", url.Values{"csrf_token": {csrfOf(t, body)}}), http.StatusOK)
		box := e.outbox(t)
		if len(box) == 0 || box[0].Channel != "sms" || box[0].To != changedE164 || box[0].Code == nil {
			t.Fatalf("outbox %+v, want a code by SMS to %s first", box, changedE164)
		}
		resp = post(t, c, e.issuer+"/signin/verify", url.Values{"csrf_token": {csrfOf(t, body)}, "code": {*box[0].Code}})
		body = mustStatus(t, resp, http.StatusOK)
		if resp.Request.URL.Path != "/account/phone/done" || !strings.Contains(body, "<h1 class=\"govuk-panel__title\">Your phone number has been changed</h1>") ||
			!strings.Contains(body, changedMasked) {
			t.Fatalf("after the code: %s:\n%s", resp.Request.URL.Path, body)
		}
		if strings.Contains(body, "900222") || strings.Contains(body, "900047") {
			t.Error("the confirmation shows a full phone number")
		}

		// Saved, audited with masked numbers, and the same session kept.
		if p := e.phoneOf(t, "usr_penny"); p != changedE164 {
			t.Errorf("phone %q, want %s", p, changedE164)
		}
		ev, err := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_penny", Type: "user.phone_changed"})
		if err != nil || len(ev) != 1 || ev[0].Detail["old"] != "***47" || ev[0].Detail["new"] != "***22" || ev[0].Detail["method"] != "sms" {
			t.Errorf("phone_changed audit events %+v (%v)", ev, err)
		}
		all, err := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range all {
			for k, v := range ev.Detail {
				if strings.Contains(v, "7700900") {
					t.Errorf("audit event %s holds a full phone number in %s", ev.Type, k)
				}
			}
		}
		if after := e.cookie(t, c, "carekey_session"); after == "" || after != sessionBefore {
			t.Error("the change replaced the session; it must keep the one the user has")
		}
		if e.cookie(t, c, "carekey_flow") != "" {
			t.Error("the finished change flow's cookie is still set")
		}

		// The old number and the email address are told.
		var toOld, toEmail bool
		for _, m := range e.outbox(t) {
			switch {
			case m.Channel == "sms" && m.To == pennyE164 && strings.Contains(m.Body, "was changed. If this wasn't you, contact"):
				toOld = m.Code == nil && !strings.Contains(m.Body, "http")
			case m.Channel == "email" && m.To == testEmail && strings.Contains(m.Subject, "your phone number has been changed"):
				toEmail = strings.Contains(m.Body, "If this wasn't you, contact")
			}
		}
		if !toOld || !toEmail {
			t.Errorf("notices: SMS to the old number %v, email %v; want both", toOld, toEmail)
		}

		// The next sign-in confirms with the new number.
		next := e.browser()
		csrf := csrfOf(t, e.signinPage(t, next))
		body = mustStatus(t, post(t, next, e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {testEmail}, "password": {testPassword}}), http.StatusOK)
		if !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Confirm your identity</h1>") || !strings.Contains(body, changedMasked) || strings.Contains(body, "XXX-XXX-XXX47") {
			t.Errorf("next sign-in does not confirm with %s:\n%s", changedMasked, body)
		}
	})
}

// A sign-in more than 10 minutes old is not enough: the user signs in again
// with the password and the current phone, and comes back to the page.
func TestPhoneChangeNeedsARecentSignIn(t *testing.T) {
	for _, real := range []bool{false, true} {
		t.Run(map[bool]string{false: "memory", true: "postgres+redis"}[real], func(t *testing.T) {
			clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
			e := startWithClock(t, real, clk)
			c := e.signedInHere(t)
			early := e.changePage(t, c) // fine at once

			clk.Advance(11 * time.Minute)
			// A form from before is refused too: nothing is started.
			expectSignInPage(t, e.enterNumber(t, c, early, "44", changedPhone))
			for _, m := range e.outbox(t) {
				if m.To == changedE164 {
					t.Fatalf("a stale session started a change: %+v", m)
				}
			}
			body := expectSignInPage(t, e.get(t, c, "/account/phone"))

			// The full sign-in: password, then the CURRENT phone.
			resp := post(t, c, e.issuer+"/signin", url.Values{"csrf_token": {csrfOf(t, body)}, "email": {testEmail}, "password": {testPassword}})
			body = mustStatus(t, resp, http.StatusOK)
			for _, want := range []string{"<h1 class=\"govuk-heading-l\">Confirm your identity</h1>", "XXX-XXX-XXX47", "ask an administrator to reset your phone number"} {
				if !strings.Contains(body, want) {
					t.Errorf("confirm page lacks %q:\n%s", want, body)
				}
			}
			resp = e.confirmBySMS(t, c, body)
			if m := e.outbox(t); len(m) == 0 || m[0].To != pennyE164 {
				t.Errorf("the sign-in code did not go to the current number")
			}
			body = mustStatus(t, resp, http.StatusOK)
			if resp.Request.URL.Path != "/account/phone" || !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Change your phone number</h1>") {
				t.Fatalf("after signing in again: %s:\n%s", resp.Request.URL.Path, body)
			}

			// Recent means at most 10 minutes.
			clk.Advance(10 * time.Minute)
			e.changePage(t, c)
			clk.Advance(time.Second)
			expectSignInPage(t, e.get(t, c, "/account/phone"))
		})
	}
}

func TestPhoneChangeNotSignedIn(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		c := e.browser()
		if resp := e.get(t, c, "/account/phone/done"); readBody(t, resp) == "" || resp.Request.URL.Path != "/signin" {
			t.Errorf("the confirmation page without a session ended at %s", resp.Request.URL.Path)
		}
		expectSignInPage(t, e.get(t, c, "/account/phone"))
		// A POST without a session starts nothing either.
		body := expectSignInPage(t, post(t, c, e.issuer+"/account/phone", url.Values{"csrf_token": {"x"}, "country": {"44"}, "phone": {changedPhone}}))
		// Signing in brings the user back to the page.
		resp := post(t, c, e.issuer+"/signin", url.Values{"csrf_token": {csrfOf(t, body)}, "email": {testEmail}, "password": {testPassword}})
		resp = e.confirmBySMS(t, c, mustStatus(t, resp, http.StatusOK))
		if body := mustStatus(t, resp, http.StatusOK); resp.Request.URL.Path != "/account/phone" || !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Change your phone number</h1>") {
			t.Fatalf("after signing in: %s:\n%s", resp.Request.URL.Path, body)
		}
	})
}

func TestPhoneChangeFormErrors(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		c := e.signedInHere(t)
		page := e.changePage(t, c)
		for _, tc := range []struct {
			name, country, number, want string
		}{
			{"too short", "44", "12", "Please enter a valid phone number. The number you entered is too short."},
			{"letters", "353", "not a number", "Please enter a valid phone number. Use only digits, spaces and hyphens."},
			{"premium rate", "44", "09098 790000", "Please enter a valid phone number. We cannot send codes to or call this kind of number (such as premium-rate or shared-cost numbers): use a mobile or landline number."},
			{"the current number", "44", "07700 900047", "This is already your phone number. Please enter a different number."},
			{"the current number in E.164", "44", "+447700900047", "This is already your phone number. Please enter a different number."},
		} {
			t.Run(tc.name, func(t *testing.T) {
				body := mustStatus(t, e.enterNumber(t, c, page, tc.country, tc.number), http.StatusBadRequest)
				for _, want := range []string{
					`<a href="#phone">` + tc.want + `</a>`,               // the summary links to the field
					`id="phone-error"`, `aria-describedby="phone-error"`, // the message beside it
					`value="` + strings.ReplaceAll(tc.number, "+", "&#43;") + `"`, `<option value="` + tc.country + `" selected>`, // values kept
					"<h1 class=\"govuk-heading-l\">Change your phone number</h1>",
				} {
					if !strings.Contains(body, want) {
						t.Errorf("lacks %q:\n%s", want, body)
					}
				}
			})
		}
		for name, csrf := range map[string]string{"no CSRF token": "", "a wrong CSRF token": "bm90LXRoZS10b2tlbg"} {
			resp := post(t, c, e.issuer+"/account/phone", url.Values{"csrf_token": {csrf}, "country": {"44"}, "phone": {changedPhone}})
			if body := mustStatus(t, resp, http.StatusForbidden); !strings.Contains(body, "This form is out of date") {
				t.Errorf("%s: no clear message:\n%s", name, body)
			}
		}
		if e.cookie(t, c, "carekey_flow") != "" {
			t.Error("a refused form started a change flow")
		}
		for _, m := range e.outbox(t) {
			if m.To == changedE164 {
				t.Errorf("a refused form sent a message to the new number: %+v", m)
			}
		}
		if p := e.phoneOf(t, "usr_penny"); p != pennyE164 {
			t.Errorf("phone %q after refused forms", p)
		}
	})
}

// The flow cookie of A's change is not enough: only a browser signed in as
// A may confirm it.
func TestPhoneChangeBoundToTheSignedInUser(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		now := time.Now().UTC()
		if err := e.app.Backends().Store.CreateUser(t.Context(), store.User{ID: "usr_bob", Email: "bob@example.com", EmailVerified: true,
			GivenName: "Bob", FamilyName: "Other", PasswordHash: devHash(t), Phone: "+447700900333", PhoneVerified: true,
			CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		a := e.signedInHere(t)
		body := mustStatus(t, e.enterNumber(t, a, e.changePage(t, a), "44", changedPhone), http.StatusOK)
		body = mustStatus(t, post(t, a, e.issuer+"/signin/send-code", url.Values{"csrf_token": {csrfOf(t, body)}}), http.StatusOK)
		csrf, code, flowCookie := csrfOf(t, body), e.lastCode(t), e.cookie(t, a, "carekey_flow")

		b := e.browser() // Bob, signed in
		csrfB := csrfOf(t, e.signinPage(t, b))
		resp := post(t, b, e.issuer+"/signin", url.Values{"csrf_token": {csrfB}, "email": {"bob@example.com"}, "password": {testPassword}})
		if body := mustStatus(t, e.confirmBySMS(t, b, mustStatus(t, resp, http.StatusOK)), http.StatusOK); !strings.Contains(body, "You are signed in") {
			t.Fatalf("Bob is not signed in:\n%s", body)
		}
		u, _ := url.Parse(e.issuer)
		for name, c := range map[string]*http.Client{"signed in as someone else": b, "not signed in": e.browser()} {
			c.Jar.SetCookies(u, []*http.Cookie{{Name: "carekey_flow", Value: flowCookie, Path: "/"}})
			if body := mustStatus(t, e.get(t, c, "/signin"), http.StatusForbidden); !strings.Contains(body, "You are not signed in as the person who started this change") {
				t.Errorf("%s: GET /signin shows A's change:\n%s", name, body)
			}
			c.Jar.SetCookies(u, []*http.Cookie{{Name: "carekey_flow", Value: flowCookie, Path: "/"}})
			resp := post(t, c, e.issuer+"/signin/verify", url.Values{"csrf_token": {csrf}, "code": {code}})
			if body := mustStatus(t, resp, http.StatusForbidden); !strings.Contains(body, "You are not signed in as the person who started this change") {
				t.Errorf("%s: verify:\n%s", name, body)
			}
		}
		if p := e.phoneOf(t, "usr_penny"); p != pennyE164 {
			t.Errorf("A's phone changed by another browser: %q", p)
		}
		if p := e.phoneOf(t, "usr_bob"); p != "+447700900333" {
			t.Errorf("Bob's phone changed: %q", p)
		}
		// The refused attempts did not use A's code up: A can still finish.
		resp = post(t, a, e.issuer+"/signin/verify", url.Values{"csrf_token": {csrf}, "code": {code}})
		if body := mustStatus(t, resp, http.StatusOK); resp.Request.URL.Path != "/account/phone/done" {
			t.Errorf("A's own verify after the refusals ended at %s:\n%s", resp.Request.URL.Path, body)
		}
		if p := e.phoneOf(t, "usr_penny"); p != changedE164 {
			t.Errorf("A's phone %q, want %s", p, changedE164)
		}
	})
}

func TestPhoneChangeByCall(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		c := e.signedInHere(t)
		body := mustStatus(t, e.enterNumber(t, c, e.changePage(t, c), "44", changedPhone), http.StatusOK)
		body = mustStatus(t, post(t, c, e.issuer+"/signin/call", url.Values{"csrf_token": {csrfOf(t, body)}}), http.StatusOK)
		if box := e.outbox(t); len(box) == 0 || box[0].Channel != "voice" || box[0].To != changedE164 {
			t.Fatalf("newest outbox message %+v, want a call to %s", box, changedE164)
		}
		e.pressHash(t)
		resp := post(t, c, e.issuer+"/signin/continue", url.Values{"csrf_token": {csrfOf(t, body)}})
		if body := mustStatus(t, resp, http.StatusOK); resp.Request.URL.Path != "/account/phone/done" {
			t.Fatalf("after #: %s:\n%s", resp.Request.URL.Path, body)
		}
		if p := e.phoneOf(t, "usr_penny"); p != changedE164 {
			t.Errorf("phone %q, want %s", p, changedE164)
		}
		ev, err := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_penny", Type: "user.phone_changed"})
		if err != nil || len(ev) != 1 || ev[0].Detail["method"] != "tel" {
			t.Errorf("phone_changed audit events %+v (%v), want one by tel", ev, err)
		}
	})
}

// Cancel while confirming the new number goes back to the signed-in home,
// signed in, with the phone as it was.
func TestPhoneChangeCancel(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		c := e.signedInHere(t)
		body := mustStatus(t, e.enterNumber(t, c, e.changePage(t, c), "44", changedPhone), http.StatusOK)
		if !strings.Contains(body, "Before we change your phone number, we need to check that the new number is yours.") ||
			!strings.Contains(body, `<a href="/account/phone">Enter a different number</a>`) {
			t.Errorf("the confirm page does not say it is for a change:\n%s", body)
		}
		once := *c // stop at the first redirect
		once.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp := post(t, &once, e.issuer+"/signin/cancel", url.Values{"csrf_token": {csrfOf(t, body)}})
		readBody(t, resp)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Errorf("cancel: %d to %q, want 303 to the signed-in home", resp.StatusCode, resp.Header.Get("Location"))
		}
		if body := mustStatus(t, e.get(t, c, "/"), http.StatusOK); !strings.Contains(body, "You are signed in") {
			t.Errorf("not signed in after cancel:\n%s", body)
		}
		if e.cookie(t, c, "carekey_flow") != "" {
			t.Error("the cancelled flow's cookie is still set")
		}
		if p := e.phoneOf(t, "usr_penny"); p != pennyE164 {
			t.Errorf("phone %q after cancel", p)
		}
	})
}
