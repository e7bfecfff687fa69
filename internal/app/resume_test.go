package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// loseFlow deletes browser c's sign-in flow from the flow store, as a Redis
// restart does.
func (e *env) loseFlow(t *testing.T, c *http.Client) {
	t.Helper()
	u, _ := url.Parse(e.issuer)
	for _, ck := range c.Jar.Cookies(u) {
		if strings.HasSuffix(ck.Name, "carekey_flow") {
			id, _, _ := strings.Cut(ck.Value, ".")
			if err := e.app.Backends().Flows.Delete(t.Context(), id); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatal("no flow cookie")
}

// A sign-in whose flow is lost (a Redis restart) while its auth request
// lives starts again for that request, so the user still gets back to the
// council's service: whether the browser reloads the page or posts the form.
func TestSigninResumesWhenItsFlowIsLost(t *testing.T) {
	for _, tc := range []struct {
		name string
		next func(e *env, c *http.Client, csrf string) *http.Response
	}{
		{"form posted", func(e *env, c *http.Client, csrf string) *http.Response {
			return post(e.t, c, e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {testEmail}, "password": {testPassword}})
		}},
		{"page reloaded", func(e *env, c *http.Client, _ string) *http.Response {
			resp, err := c.Get(e.issuer + "/signin")
			if err != nil {
				e.t.Fatal(err)
			}
			return resp
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			backends(t, func(t *testing.T, e *env) {
				r := e.rp("dashboard", dashSecret, dashRedirect, "profile")
				c := e.browser()
				resp, err := c.Get(r.conf.AuthCodeURL("st-resume", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
				if err != nil {
					t.Fatal(err)
				}
				csrf := csrfOf(t, mustStatus(t, resp, http.StatusOK))
				e.loseFlow(t, c)

				body := mustStatus(t, tc.next(e, c, csrf), http.StatusOK)
				if !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Sign in</h1>") {
					t.Fatalf("want the sign-in page again, got:\n%s", body)
				}
				resp = post(t, c, e.issuer+"/signin", url.Values{"csrf_token": {csrfOf(t, body)}, "email": {testEmail}, "password": {testPassword}})
				back := e.confirmPhone(c, resp, "sms")
				if got := back.Query().Get("state"); got != "st-resume" || back.Query().Get("code") == "" {
					t.Errorf("back at %s, want the dashboard with a code and state st-resume", back)
				}
			})
		})
	}
}
