package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// signinPage starts a sign-in flow in c and returns the page.
func (e *env) signinPage(t testing.TB, c *http.Client) string {
	t.Helper()
	resp, err := c.Get(e.issuer + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	return mustStatus(t, resp, http.StatusOK)
}

func TestSigninPageUsesTheGuidesWordsAndLabels(t *testing.T) {
	e := start(t, false)
	body := e.signinPage(t, e.browser())
	for _, want := range []string{
		`<html lang="en">`,
		`<h1 class="govuk-heading-l">Sign in</h1>`,
		`<label for="email" class="govuk-label">Email address</label>`,
		`<label for="password" class="govuk-label">Password</label>`,
		`>Forgot your password?</a>`,
		`<button type="submit" class="govuk-button">Sign in</button>`,
		`Don't have an account? <a href="/register">Sign up now</a>`,
		`autocomplete="current-password"`,
	} {
		if !strings.Contains(body, want) && !strings.Contains(body, strings.ReplaceAll(want, "'", "&#39;")) {
			t.Errorf("sign-in page lacks %q", want)
		}
	}
	// Every input except hidden ones has a label.
	for _, m := range regexp.MustCompile(`<input id="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if !strings.Contains(body, `<label for="`+m[1]+`"`) {
			t.Errorf("input %s has no label", m[1])
		}
	}
	// Keyboard order: email, password, then the link (issue 14: the link sat
	// between the two fields).
	if email, pw, link := strings.Index(body, `id="email"`), strings.Index(body, `id="password"`), strings.Index(body, "Forgot your password?"); !(email < pw && pw < link) {
		t.Errorf("tab order: email at %d, password at %d, Forgot your password? at %d; want the link after both fields", email, pw, link)
	}
}

func TestSigninWrongEmailAndWrongPasswordLookAlike(t *testing.T) {
	e := start(t, false)
	try := func(email, password string) (int, string) {
		c := e.browser()
		csrf := csrfOf(t, e.signinPage(t, c))
		resp, err := c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {email}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, resp)
		return resp.StatusCode, csrfRE.ReplaceAllString(body, "")
	}
	s1, b1 := try(testEmail, "Wrong-password-123")
	s2, b2 := try("nobody.here@example.com", "Wrong-password-123")
	if s1 != http.StatusUnauthorized || s1 != s2 {
		t.Errorf("statuses %d and %d, want 401 for both", s1, s2)
	}
	b2 = strings.ReplaceAll(b2, "nobody.here@example.com", testEmail)
	if b1 != b2 {
		t.Errorf("pages differ between a wrong password and an unknown email")
	}
	if !strings.Contains(b1, "The email address or password you entered is incorrect.") || !strings.Contains(b1, "There is a problem") {
		t.Errorf("no generic error with summary:\n%s", b1)
	}
	if !strings.Contains(b1, `value="`+testEmail+`"`) || strings.Contains(b1, "Wrong-password-123") {
		t.Errorf("email should be kept and the password never echoed")
	}
}

func TestSigninRequiredFields(t *testing.T) {
	e := start(t, false)
	c := e.browser()
	csrf := csrfOf(t, e.signinPage(t, c))
	resp, err := c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	body := mustStatus(t, resp, http.StatusBadRequest)
	for _, want := range []string{`<a href="#email">Please enter your email address</a>`, `<a href="#password">Please enter your password</a>`, `aria-describedby="email-error"`} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %q", want)
		}
	}
}

func TestSigninCSRF(t *testing.T) {
	e := start(t, false)
	c := e.browser()
	e.signinPage(t, c)
	resp, err := c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {"forged"}, "email": {testEmail}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	mustStatus(t, resp, http.StatusForbidden)
	// No flow cookie at all (a cross-site form post).
	resp, err = e.browser().PostForm(e.issuer+"/signin", url.Values{"email": {testEmail}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	mustStatus(t, resp, http.StatusForbidden)
}

func TestSigninCookiesAreSafe(t *testing.T) {
	e := start(t, true) // production cookie settings
	c := e.browser()
	resp, err := c.Get(e.issuer + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	var found bool
	for _, r := range []*http.Response{resp, resp.Request.Response} {
		if r == nil {
			continue
		}
		for _, sc := range r.Header.Values("Set-Cookie") {
			if strings.Contains(sc, "carekey_flow") {
				found = true
				for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
					if !strings.Contains(sc, want) {
						t.Errorf("flow cookie %q lacks %s", sc, want)
					}
				}
			}
		}
	}
	if !found {
		t.Error("no flow cookie set")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
}

func TestOversizeRequests(t *testing.T) {
	e := start(t, false)
	c := e.browser()
	csrf := csrfOf(t, e.signinPage(t, c))
	big := strings.Repeat("a", 1<<20)
	resp, err := c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {big}})
	if err != nil {
		t.Fatal(err)
	}
	mustStatus(t, resp, http.StatusRequestEntityTooLarge)
	resp, err = c.Get(e.issuer + "/authorize?x=" + strings.Repeat("b", 10<<10))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestURITooLong && resp.StatusCode != http.StatusBadRequest {
		t.Errorf("long query: status %d", resp.StatusCode)
	}
	readBody(t, resp)
}

func TestReadiness(t *testing.T) {
	e := start(t, false)
	resp, err := e.srv.Client().Get(e.issuer + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	mustStatus(t, resp, http.StatusOK)
}
