package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/store"
)

const newPassword = "Brand-new-pass-1"

// outboxMessage is one message of /dev/outbox.json.
type outboxMessage struct {
	ID      string  `json:"id"`
	Channel string  `json:"channel"`
	To      string  `json:"to"`
	Subject string  `json:"subject"`
	Body    string  `json:"body"`
	Code    *string `json:"code"`
	SentAt  string  `json:"sent_at"`
}

// outbox reads /dev/outbox.json, newest first.
func (e *env) outbox(t testing.TB) []outboxMessage {
	t.Helper()
	resp, err := e.srv.Client().Get(e.issuer + "/dev/outbox.json")
	if err != nil {
		t.Fatal(err)
	}
	body := mustStatus(t, resp, http.StatusOK)
	var out struct {
		Messages []outboxMessage `json:"messages"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("outbox.json: %v\n%s", err, body)
	}
	return out.Messages
}

// emailCode is the newest emailed code to addr, read from /dev/outbox.json.
func (e *env) emailCode(t testing.TB, addr string) string {
	t.Helper()
	for _, m := range e.outbox(t) {
		if m.Channel == "email" && m.To == addr && m.Code != nil {
			if len(*m.Code) != 8 || !strings.Contains(m.Body, *m.Code) {
				t.Fatalf("code %q not 8 digits or not in the body", *m.Code)
			}
			if _, err := time.Parse(time.RFC3339, m.SentAt); err != nil {
				t.Fatalf("sent_at %q: %v", m.SentAt, err)
			}
			return *m.Code
		}
	}
	t.Fatalf("no emailed code to %s in /dev/outbox.json", addr)
	return ""
}

func post(t testing.TB, c *http.Client, u string, form url.Values) *http.Response {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	return resp
}

func profileForm(csrf string) url.Values {
	return url.Values{"csrf_token": {csrf}, "forename": {"Nina"}, "surname": {"Newcomer"}, "professional": {"yes"},
		"role": {"Foster carer"}, "organisation": {"Norfolk Fostering"}, "street": {"1 King Street"}, "town": {"Norwich"},
		"postcode": {"nr12dh"}}
}

// registerToVerify walks steps 1 and 2 in browser c (from GET /register) and
// returns the body of step 3.
func (e *env) registerToVerify(t testing.TB, c *http.Client, email string) string {
	t.Helper()
	resp, err := c.Get(e.issuer + "/register")
	if err != nil {
		t.Fatal(err)
	}
	body := mustStatus(t, resp, http.StatusOK)
	if !strings.Contains(body, "Forename *") || !strings.Contains(body, "NB: The address details you add at this stage should be your work address details.") {
		t.Fatalf("step 1:\n%s", body)
	}
	body = mustStatus(t, post(t, c, e.issuer+"/register/profile", profileForm(csrfOf(t, body))), http.StatusOK)
	if !strings.Contains(body, "Please enter your work email address and enter a password twice.") || !strings.Contains(body, "<h2 class=\"govuk-heading-m\">Password policy</h2>") {
		t.Fatalf("step 2:\n%s", body)
	}
	body = mustStatus(t, post(t, c, e.issuer+"/register/credentials", url.Values{"csrf_token": {csrfOf(t, body)},
		"email": {email}, "password": {newPassword}, "confirm_password": {newPassword}}), http.StatusOK)
	if !strings.Contains(body, "We have just sent you an email to confirm your email address.") {
		t.Fatalf("step 3:\n%s", body)
	}
	return body
}

// TestRegisterThenSignIn is acceptance 1: a new user registers over HTTP,
// reading the code from /dev/outbox.json, then signs in through the OIDC
// code flow, on memory and on PostgreSQL + Redis.
func TestRegisterThenSignIn(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		const email = "nina.newcomer@example.com"
		r := e.rp("dashboard", dashSecret, dashRedirect, "profile", "email")
		c := e.browser()
		verifier := oauth2.GenerateVerifier()
		authURL := r.conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier))
		// From the sign-in page's "Sign up now": the registration remembers the request.
		resp, err := c.Get(authURL)
		if err != nil {
			t.Fatal(err)
		}
		mustStatus(t, resp, http.StatusOK)
		body := e.registerToVerify(t, c, "  Nina.Newcomer@Example.com ")
		code := e.emailCode(t, email)
		resp = post(t, c, e.issuer+"/register/verify", url.Values{"csrf_token": {csrfOf(t, body)}, "code": {code[:4] + " " + code[4:]}})
		body = mustStatus(t, resp, http.StatusOK)
		if resp.Request.URL.Path != "/signin" || !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Sign in</h1>") {
			t.Fatalf("after registration: %s\n%s", resp.Request.URL, body)
		}
		if !strings.Contains(body, "Your account has been created. Sign in to continue.") {
			t.Errorf("no notice that the account was created:\n%s", body)
		}
		again, err := c.Get(e.issuer + "/signin")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(mustStatus(t, again, http.StatusOK), "Your account has been created") {
			t.Error("the notice shows again on the next visit")
		}
		u, err := e.app.Backends().Store.GetUserByEmail(t.Context(), email)
		if err != nil {
			t.Fatal(err)
		}
		if u.Profile.Postcode != "NR1 2DH" || !u.EmailVerified || u.GivenName != "Nina" {
			t.Fatalf("user %+v", u)
		}
		if ev, _ := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{UserID: u.ID, Type: "user.registered"}); len(ev) != 1 {
			t.Fatalf("audit: %v", ev)
		}
		back := e.signIn(e.browser(), r.conf.AuthCodeURL("st-2", oauth2.S256ChallengeOption(verifier)), email, newPassword)
		if back.Query().Get("code") == "" || back.Query().Get("state") != "st-2" {
			t.Fatalf("sign-in with the new account: redirect %s", back)
		}
	})
}

var summaryRE = regexp.MustCompile(`(?s)<div class="govuk-error-summary".*?</div>`)

// TestRegisterBadInput: every error at the top (linked) and beside the field,
// values kept, passwords never echoed, HTTP 400; 410 for an expired flow; a
// form for an earlier step re-renders the current one and changes nothing.
func TestRegisterBadInput(t *testing.T) {
	clk := clocktest.New(time.Now().UTC())
	e := startWithClock(t, false, clk)
	c := e.browser()
	resp, _ := c.Get(e.issuer + "/register")
	body := mustStatus(t, resp, http.StatusOK)
	csrf := csrfOf(t, body)
	form := profileForm(csrf)
	form.Set("forename", "")
	form.Set("postcode", "NR1")
	form.Set("organisation", strings.Repeat("x", 101))
	body = mustStatus(t, post(t, c, e.issuer+"/register/profile", form), http.StatusBadRequest)
	summary := summaryRE.FindString(body)
	for _, want := range []string{`<a href="#forename">Please enter your forename</a>`, `<a href="#postcode">Please enter a valid UK post code`, `<a href="#organisation">This must be 100 characters or fewer</a>`} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary lacks %s:\n%s", want, summary)
		}
	}
	if !strings.Contains(body, `aria-describedby="forename-error"`) || !strings.Contains(body, `id="forename-error"`) || !strings.Contains(body, `value="Newcomer"`) || !strings.Contains(body, strings.Repeat("x", 101)) {
		t.Errorf("field errors or kept values missing:\n%s", body)
	}
	mustStatus(t, post(t, c, e.issuer+"/register/profile", profileForm(csrf)), http.StatusOK)

	// Step 2: every failed rule, in the guide's words; passwords not echoed.
	body = mustStatus(t, post(t, c, e.issuer+"/register/credentials", url.Values{"csrf_token": {csrf}, "email": {"nina@example.com"},
		"password": {"1weak pass"}, "confirm_password": {"other"}}), http.StatusBadRequest)
	for _, want := range []string{"It must be at least 14 characters long", "It must contain only letters, digits, and special characters",
		"It must start with a letter", "It must contain at least one upper-case letter", "It must contain at least one special character.",
		"The passwords you entered do not match", `value="nina@example.com"`, `autocomplete="new-password"`} {
		if !strings.Contains(body, want) {
			t.Errorf("step 2 lacks %q", want)
		}
	}
	if strings.Contains(body, "1weak pass") {
		t.Error("the password was echoed")
	}
	// A profile form posted now shows step 2 again, unchanged.
	resp = post(t, c, e.issuer+"/register/profile", profileForm(csrf))
	body = mustStatus(t, resp, http.StatusOK)
	if !strings.Contains(body, "Step 2 of 3") {
		t.Fatalf("stale form: %s", body)
	}
	// Expired: 410 with "Start again".
	clk.Advance(time.Hour + time.Second)
	resp = post(t, c, e.issuer+"/register/credentials", url.Values{"csrf_token": {csrf}})
	body = mustStatus(t, resp, http.StatusGone)
	if !strings.Contains(body, "Start again") {
		t.Fatalf("expired: %s", body)
	}
}

// TestRegisterCodeRules: wrong codes, resend cooldown and maximum, tries that
// a resend does not reset, over HTTP with a fake clock.
func TestRegisterCodeRules(t *testing.T) {
	clk := clocktest.New(time.Now().UTC())
	e := startWithClock(t, false, clk)
	c := e.browser()
	const email = "codes@example.com"
	body := e.registerToVerify(t, c, email)
	csrf := csrfOf(t, body)
	if !strings.Contains(body, `autocomplete="one-time-code"`) || !strings.Contains(body, `inputmode="numeric"`) {
		t.Fatal("code input lacks one-time-code / numeric")
	}
	code := e.emailCode(t, email)
	wrong := "00000000"
	if code == wrong {
		wrong = "11111111"
	}
	verify := func(typed string, want int) string {
		t.Helper()
		return mustStatus(t, post(t, c, e.issuer+"/register/verify", url.Values{"csrf_token": {csrf}, "code": {typed}}), want)
	}
	resend := func(want int) *http.Response {
		t.Helper()
		resp := post(t, c, e.issuer+"/register/resend", url.Values{"csrf_token": {csrf}})
		if resp.StatusCode != want {
			t.Fatalf("resend: %d, want %d\n%s", resp.StatusCode, want, readBody(t, resp))
		}
		return resp
	}
	for range 3 {
		if b := verify(wrong, http.StatusBadRequest); !strings.Contains(b, "does not match our records") {
			t.Fatalf("wrong code page:\n%s", b)
		}
	}
	resp := resend(http.StatusTooManyRequests)
	if resp.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After on the cooldown")
	}
	readBody(t, resp)
	clk.Advance(time.Minute)
	readBody(t, resend(http.StatusOK))
	code = e.emailCode(t, email)
	verify(wrong, http.StatusBadRequest)
	verify(wrong, http.StatusTooManyRequests) // 5 tries over two codes
	if b := verify(code, http.StatusTooManyRequests); !strings.Contains(b, "Please request a new code") {
		t.Fatalf("right code after 5 tries:\n%s", b)
	}
	for range 3 { // sends 3..5
		clk.Advance(time.Minute)
		readBody(t, resend(http.StatusOK))
	}
	clk.Advance(time.Minute)
	readBody(t, resend(http.StatusTooManyRequests)) // the 6th
	verify(e.emailCode(t, email), http.StatusOK)    // the 5th code works: 5 more tries came with it
}

// TestRegisterConcurrentCodes: 20 parallel right codes, one user.
func TestRegisterConcurrentCodes(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		c := e.browser()
		const email = "race@example.com"
		body := e.registerToVerify(t, c, email)
		csrf, code := csrfOf(t, body), e.emailCode(t, email)
		var wg sync.WaitGroup
		var mu sync.Mutex
		toSignin := 0
		nofollow := *c
		nofollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		for range 20 {
			wg.Go(func() {
				resp, err := nofollow.PostForm(e.issuer+"/register/verify", url.Values{"csrf_token": {csrf}, "code": {code}})
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusSeeOther && resp.Header.Get("Location") == "/signin" {
					mu.Lock()
					toSignin++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if toSignin != 1 {
			t.Errorf("%d submissions completed, want 1", toSignin)
		}
		if ev, _ := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{Type: "user.registered"}); len(ev) != 1 {
			t.Errorf("%d registrations, want 1", len(ev))
		}
	})
}

// TestRegistrationAndRecoveryDoNotEnumerate is acceptance 3: for a known and
// an unknown email, registration and forgot password answer with the same
// status, body (less the CSRF token) and redirect.
func TestRegistrationAndRecoveryDoNotEnumerate(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		type answer struct {
			status   int
			location string
			body     string
		}
		norm := func(s string) string { return csrfRE.ReplaceAllString(s, `name="csrf_token" value="X"`) }
		step := func(c *http.Client, path string, form url.Values) answer {
			c2 := *c
			c2.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp := post(t, &c2, e.issuer+path, form)
			a := answer{status: resp.StatusCode, location: resp.Header.Get("Location")}
			readBody(t, resp)
			r2, err := c.Get(e.issuer + a.location)
			if err != nil {
				t.Fatal(err)
			}
			a.body = norm(readBody(t, r2))
			return a
		}
		register := func(email string) answer {
			c := e.browser()
			resp, _ := c.Get(e.issuer + "/register")
			body := readBody(t, resp)
			body = readBody(t, post(t, c, e.issuer+"/register/profile", profileForm(csrfOf(t, body))))
			return step(c, "/register/credentials", url.Values{"csrf_token": {csrfOf(t, body)}, "email": {email}, "password": {newPassword}, "confirm_password": {newPassword}})
		}
		forgot := func(email string) answer {
			c := e.browser()
			resp, _ := c.Get(e.issuer + "/forgot-password")
			body := readBody(t, resp)
			return step(c, "/forgot-password/email", url.Values{"csrf_token": {csrfOf(t, body)}, "email": {email}})
		}
		if k, u := register(testEmail), register("nobody.new@example.com"); k != u {
			t.Errorf("registration differs:\nknown   %d %s\nunknown %d %s\n%s\n----\n%s", k.status, k.location, u.status, u.location, k.body, u.body)
		}
		if k, u := forgot(testEmail), forgot("nobody.else@example.com"); k != u {
			t.Errorf("forgot password differs:\nknown   %d %s\nunknown %d %s", k.status, k.location, u.status, u.location)
		}
		var already, reset, toUnknown bool
		for _, m := range e.outbox(t) {
			already = already || (m.To == testEmail && strings.Contains(m.Subject, "you already have an account") && m.Code == nil)
			reset = reset || (m.To == testEmail && strings.Contains(m.Subject, "reset your password") && m.Code != nil)
			toUnknown = toUnknown || m.To == "nobody.else@example.com"
			if m.To == testEmail && strings.Contains(m.Body, "http") && !strings.Contains(m.Body, e.issuer+"/forgot-password") {
				t.Errorf("email link not built from the issuer:\n%s", m.Body)
			}
		}
		if !already || !reset || toUnknown {
			t.Errorf("outbox: already-registered %v, reset code %v, email to unknown %v", already, reset, toUnknown)
		}
	})
}

// TestForgotPassword walks design.md §3.4 over HTTP: the code from the
// outbox, the history rule, sessions revoked, then sign-in with the new
// password.
func TestForgotPassword(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		r := e.rp("dashboard", dashSecret, dashRedirect, "profile", "email")
		old := e.browser()
		verifier := oauth2.GenerateVerifier()
		e.signIn(old, r.conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier)), testEmail, testPassword)
		u, _ := e.app.Backends().Store.GetUserByEmail(t.Context(), testEmail)

		c := e.browser()
		resp, _ := c.Get(e.issuer + "/forgot-password")
		body := mustStatus(t, resp, http.StatusOK)
		csrf := csrfOf(t, body)
		mustStatus(t, post(t, c, e.issuer+"/forgot-password/email", url.Values{"csrf_token": {csrf}, "email": {testEmail}}), http.StatusOK)
		code := e.emailCode(t, testEmail)
		body = mustStatus(t, post(t, c, e.issuer+"/forgot-password/verify", url.Values{"csrf_token": {csrf}, "code": {code}}), http.StatusOK)
		if !strings.Contains(body, "Choose a new password") {
			t.Fatalf("password step:\n%s", body)
		}
		body = mustStatus(t, post(t, c, e.issuer+"/forgot-password/password", url.Values{"csrf_token": {csrf}, "password": {testPassword}, "confirm_password": {testPassword}}), http.StatusBadRequest)
		if !strings.Contains(body, "It must be different to your current password") {
			t.Fatalf("history not checked:\n%s", body)
		}
		resp = post(t, c, e.issuer+"/forgot-password/password", url.Values{"csrf_token": {csrf}, "password": {newPassword}, "confirm_password": {newPassword}})
		body = mustStatus(t, resp, http.StatusOK)
		if !strings.Contains(body, "Your password has been changed") || !strings.Contains(body, `href="/signin"`) {
			t.Fatalf("done page:\n%s", body)
		}
		if n, _ := e.app.Backends().Sessions.DeleteByUser(t.Context(), u.ID); len(n) != 0 {
			t.Errorf("%d sessions survived the reset", len(n))
		}
		back := e.signIn(e.browser(), r.conf.AuthCodeURL("st-3", oauth2.S256ChallengeOption(verifier)), testEmail, newPassword)
		if back.Query().Get("code") == "" {
			t.Fatalf("sign-in with the new password: %s", back)
		}
	})
}

// prompt=create (the dashboard's "Register for new account", Initiating
// User Registration via OpenID Connect 1.0) opens registration at once; the
// new account then signs in for the same request and goes back to the
// relying party with a code.
func TestPromptCreateRegistersThenSignsIn(t *testing.T) {
	e := start(t, false)
	const email = "nina.newcomer@example.com"
	r := e.rp("dashboard", dashSecret, dashRedirect, "profile", "email")
	c := e.browser()
	verifier := oauth2.GenerateVerifier()
	authURL := r.conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "create"))
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	if body := mustStatus(t, resp, http.StatusOK); resp.Request.URL.Path != "/register" || !strings.Contains(body, "Forename *") {
		t.Fatalf("prompt=create landed on %s:\n%s", resp.Request.URL, body)
	}
	body := e.registerToVerify(t, c, email)
	code := e.emailCode(t, email)
	resp = post(t, c, e.issuer+"/register/verify", url.Values{"csrf_token": {csrfOf(t, body)}, "code": {code}})
	if body := mustStatus(t, resp, http.StatusOK); resp.Request.URL.Path != "/signin" || !strings.Contains(body, "Your account has been created.") {
		t.Fatalf("after registration: %s\n%s", resp.Request.URL, body)
	}
	back := e.signIn(c, e.issuer+"/signin", email, newPassword)
	if back.Query().Get("code") == "" || back.Query().Get("state") != "st-1" {
		t.Fatalf("the new account did not go back to the relying party for st-1: %s", back)
	}
}
