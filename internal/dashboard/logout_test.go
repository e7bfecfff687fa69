package dashboard

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestLogoutNeedsCSRFToken(t *testing.T) {
	for _, tc := range []struct {
		name      string
		query     bool // put the right token in the query string
		form      bool // put the right token in the form
		wrong     bool // put a wrong token in the form
		crossSite bool
	}{
		{name: "no token"},
		{name: "wrong token", wrong: true},
		{name: "token in the query only", query: true},
		{name: "cross-site request with the right token", form: true, crossSite: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			td := newTest(t, nil)
			td.discovered()
			c := td.signIn(t, pennyClaims)
			tok := td.csrfOf(t, c)
			target, form := "/logout", url.Values{}
			if tc.query {
				target += "?" + csrfField + "=" + tok
			}
			if tc.form {
				form.Set(csrfField, tok)
			}
			if tc.wrong {
				form.Set(csrfField, "guess")
			}
			w := td.post(target, form, func(r *http.Request) {
				if tc.crossSite {
					r.Header.Set("Sec-Fetch-Site", "cross-site")
				}
			}, c)
			if w.Code != http.StatusForbidden {
				t.Fatalf("POST /logout status = %d, want 403", w.Code)
			}
			if loc := w.Header().Get("Location"); loc != "" {
				t.Errorf("redirected to %s", loc)
			}
			if w := td.get("/", c); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Select an account to manage") {
				t.Error("session gone after a refused logout")
			}
		})
	}
}

// Logout posts id_token_hint to the end_session_endpoint from a form (issue
// 10, point 12): the ID token, with the user's name and email, is never in a
// URL the browser visits, keeps in its history or sends as a referrer.
func TestLogoutEndsSessionAndPostsToIssuer(t *testing.T) {
	td := newTest(t, nil)
	td.discovered()
	c := td.signIn(t, pennyClaims)
	w := td.post("/logout", url.Values{csrfField: {td.csrfOf(t, c)}},
		func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "same-origin") }, c)
	if w.Code != http.StatusOK {
		t.Fatalf("POST /logout status = %d, want 200 (the form to the issuer)", w.Code)
	}
	if loc := w.Header().Get("Location"); loc != "" {
		t.Errorf("redirected to %s, want a form that posts", loc)
	}
	form := formOf(t, w.Body.String(), "end-session-form")
	if form.method != "post" || form.action != testIssuer+"/end_session" {
		t.Errorf("form %s %s, want post to the end_session_endpoint", form.method, form.action)
	}
	for k, want := range map[string]string{
		"id_token_hint":            "raw.id.token",
		"post_logout_redirect_uri": testBase + "/",
		"client_id":                "dashboard",
	} {
		if have := form.fields.Get(k); have != want {
			t.Errorf("%s = %q, want %q", k, have, want)
		}
	}
	if len(form.fields.Get("state")) < 26 {
		t.Errorf("state = %q, want a random value", form.fields.Get("state"))
	}
	if !strings.Contains(w.Body.String(), `<button type="submit" class="govuk-button">Continue</button>`) {
		t.Error("no Continue button for a browser without JavaScript")
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store for a page holding the ID token", cc)
	}
	if sc := responseCookie(w, sessionCookie); sc == nil || sc.MaxAge >= 0 {
		t.Error("logout did not delete the session cookie")
	}
	// The old cookie no longer signs anyone in.
	if w := td.get("/", c); strings.Contains(w.Body.String(), "Penny QQ Plumber") {
		t.Error("session still usable after logout")
	}
}

// htmlForm is a form read from a page.
type htmlForm struct {
	method, action string
	fields         url.Values
}

var (
	formRE  = regexp.MustCompile(`(?s)<form method="([^"]*)" action="([^"]*)" id="([^"]*)">(.*?)</form>`)
	inputRE = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// formOf returns the form with the given id in page.
func formOf(t *testing.T, page, id string) htmlForm {
	t.Helper()
	for _, m := range formRE.FindAllStringSubmatch(page, -1) {
		if m[3] != id {
			continue
		}
		f := htmlForm{method: m[1], action: html.UnescapeString(m[2]), fields: url.Values{}}
		for _, in := range inputRE.FindAllStringSubmatch(m[4], -1) {
			f.fields.Add(in[1], html.UnescapeString(in[2]))
		}
		return f
	}
	t.Fatalf("no form %q in:\n%s", id, page)
	return htmlForm{}
}

func TestLogoutWhenIssuerUnreachable(t *testing.T) {
	td := newTest(t, nil) // not discovered: every request to the issuer fails
	c := td.signIn(t, pennyClaims)
	w := td.post("/logout", url.Values{csrfField: {td.csrfOf(t, c)}}, nil, c)
	if w.Code != http.StatusBadGateway {
		t.Fatalf("POST /logout status = %d, want 502", w.Code)
	}
	assertInOrder(t, textOf(w.Body.String()), "You are logged out of this dashboard")
	if w := td.get("/", c); strings.Contains(w.Body.String(), "Penny QQ Plumber") {
		t.Error("session still usable after logout")
	}
}

func TestLogoutWithoutSession(t *testing.T) {
	td := newTest(t, nil)
	td.discovered()
	w := td.post("/logout", url.Values{}, nil, &http.Cookie{Name: sessionCookie, Value: "unknown"})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Fatalf("POST /logout = %d %q, want 303 /", w.Code, w.Header().Get("Location"))
	}
}

// Coming back from the issuer's logout, the page says so; after the idle
// countdown it says why; a state this browser did not send says nothing.
func TestSignedOutPageSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reason string
		state  func(sent string) string
		want   string
	}{
		{"logout", "", func(s string) string { return s }, "You have been signed out."},
		{"idle", "idle", func(s string) string { return s }, "You have been logged out because you were inactive for 15 minutes."},
		{"another state", "", func(string) string { return "not-the-one" }, ""},
		{"no state", "", func(string) string { return "" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			td := newTest(t, nil)
			td.discovered()
			c := td.signIn(t, pennyClaims)
			form := url.Values{csrfField: {td.csrfOf(t, c)}}
			if tc.reason != "" {
				form.Set("reason", tc.reason)
			}
			w := td.post("/logout", form, func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "same-origin") }, c)
			sent := formOf(t, w.Body.String(), "end-session-form").fields.Get("state")
			lc := responseCookie(w, logoutCookie)
			if lc == nil || !lc.HttpOnly || lc.MaxAge <= 0 {
				t.Fatalf("logout cookie %+v, want a short-lived HttpOnly cookie", lc)
			}
			back := td.get("/?state="+url.QueryEscape(tc.state(sent)), lc)
			body := html.UnescapeString(back.Body.String())
			for _, notice := range []string{"You have been signed out.", "You have been logged out because"} {
				if has := strings.Contains(body, notice); has != (tc.want != "" && strings.HasPrefix(tc.want, notice)) {
					t.Errorf("page has %q = %v, want notice %q", notice, has, tc.want)
				}
			}
			if !strings.Contains(body, "Existing users") || !strings.Contains(body, "Register for new account") {
				t.Error("the signed-out page lacks the guide's Existing users and New users panels")
			}
			if c := responseCookie(back, logoutCookie); c == nil || c.MaxAge >= 0 {
				t.Error("the logout cookie was not cleared")
			}
		})
	}
}
