package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/store"
)

// Issue 10 point 4: after an administrator's reset-phone, the password alone
// does not let anyone enrol their own number: enrolment needs the code
// emailed to the account's address. The reset itself signs the user out
// everywhere (session, refresh token), and the owner is emailed when a phone
// is enrolled. On memory and on PostgreSQL + Redis.
func TestPasswordAloneCannotEnrolAPhone(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		// Penny is signed in, and her dashboard holds a refresh token.
		r := e.rp("dashboard", dashSecret, dashRedirect, "profile", "offline_access")
		victim := e.browser()
		verifier := oauth2.GenerateVerifier()
		code := e.login(victim, r, verifier, "n-1")
		tok, err := r.conf.Exchange(oidc.ClientContext(t.Context(), r.http), code, oauth2.VerifierOption(verifier))
		if err != nil || tok.RefreshToken == "" {
			t.Fatalf("exchange: %v (refresh token %v)", err, tok != nil && tok.RefreshToken != "")
		}

		e.admin(t, http.MethodPost, "/admin/v1/users/usr_penny/reset-phone", "", http.StatusOK)

		// reset-phone ended the session and the refresh token.
		resp, err := victim.Get(e.issuer + "/")
		if err != nil {
			t.Fatal(err)
		}
		if readBody(t, resp); resp.Request.URL.Path != "/signin" {
			t.Errorf("after reset-phone the old session still shows %s", resp.Request.URL.Path)
		}
		if resp, _ := e.tokenRequest(t, "dashboard", dashSecret, url.Values{"grant_type": {"refresh_token"},
			"refresh_token": {tok.RefreshToken}}); resp.StatusCode == http.StatusOK {
			t.Error("the refresh token still works after reset-phone")
		}
		u, err := e.app.Backends().Store.GetUser(t.Context(), "usr_penny")
		if err != nil || u.TokensValidAfter.IsZero() {
			t.Errorf("tokens valid after not set by reset-phone (%v)", err)
		}

		// The attacker knows the password, not the mailbox.
		attacker := e.browser()
		resp = post(t, attacker, e.issuer+"/signin", url.Values{"csrf_token": {csrfOf(t, e.signinPage(t, attacker))},
			"email": {testEmail}, "password": {testPassword}})
		body := mustStatus(t, resp, http.StatusOK)
		if !strings.Contains(body, `action="/signin/email/verify"`) || strings.Contains(body, `action="/signin/enrol"`) {
			t.Fatalf("after the password: want the emailed code step, got:\n%s", body)
		}
		csrf := csrfOf(t, body)
		// Skipping the code: the number is not taken, no code is sent to it.
		for _, path := range []string{"/signin/enrol", "/signin/send-code", "/signin/call"} {
			resp = post(t, attacker, e.issuer+path, url.Values{"csrf_token": {csrf}, "country": {"44"}, "phone": {"07700 900999"}})
			if b := readBody(t, resp); strings.Contains(b, "XXX-XXX-XXX99") || !strings.Contains(b, `action="/signin/email/verify"`) {
				t.Errorf("POST %s skipped the emailed code: %d\n%s", path, resp.StatusCode, b)
			}
		}
		// Guessing the code: each wrong one is refused, then the code is dead.
		right := e.emailCode(t, testEmail)
		wrong := "00000000"
		if right == wrong {
			wrong = "11111111"
		}
		for i := range 5 {
			resp = post(t, attacker, e.issuer+"/signin/email/verify", url.Values{"csrf_token": {csrf}, "code": {wrong}})
			want := http.StatusBadRequest
			if i == 4 {
				want = http.StatusTooManyRequests
			}
			mustStatus(t, resp, want)
		}
		resp = post(t, attacker, e.issuer+"/signin/email/verify", url.Values{"csrf_token": {csrf}, "code": {right}})
		mustStatus(t, resp, http.StatusTooManyRequests)
		for _, m := range e.outbox(t) {
			if m.Channel == "sms" && m.To == "+447700900999" {
				t.Errorf("a code went to the attacker's number: %+v", m)
			}
		}
		if u, _ := e.app.Backends().Store.GetUser(t.Context(), "usr_penny"); u.Phone != "" {
			t.Errorf("phone %q enrolled without the emailed code", u.Phone)
		}

		// The owner, who reads the mailbox, enrols a phone and is told.
		e.signIn(e.browser(), r.conf.AuthCodeURL("st-2", oauth2.S256ChallengeOption(verifier)), testEmail, testPassword)
		if u, _ := e.app.Backends().Store.GetUser(t.Context(), "usr_penny"); u.Phone != "+447700900111" {
			t.Errorf("owner's phone %q, want +447700900111", u.Phone)
		}
		told := false
		for _, m := range e.outbox(t) {
			told = told || m.Channel == "email" && m.To == testEmail && strings.Contains(m.Subject, "a phone number has been set up")
		}
		if !told {
			t.Error("the owner was not emailed about the enrolment")
		}
		ev, err := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_penny", Type: "signin.enrol_code_ok"})
		if err != nil || len(ev) != 1 {
			t.Errorf("enrol_code_ok audit events %d (%v), want 1", len(ev), err)
		}
	})
}
