package dashboard

import (
	"net/http"
	"net/url"
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

func TestLogoutEndsSessionAndRedirectsToIssuer(t *testing.T) {
	td := newTest(t, nil)
	td.discovered()
	c := td.signIn(t, pennyClaims)
	w := td.post("/logout", url.Values{csrfField: {td.csrfOf(t, c)}},
		func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "same-origin") }, c)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST /logout status = %d, want 303", w.Code)
	}
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if have := loc.Scheme + "://" + loc.Host + loc.Path; have != testIssuer+"/end_session" {
		t.Errorf("redirect to %s, want the end_session_endpoint", have)
	}
	q := loc.Query()
	for k, want := range map[string]string{
		"id_token_hint":            "raw.id.token",
		"post_logout_redirect_uri": testBase + "/",
		"client_id":                "dashboard",
	} {
		if have := q.Get(k); have != want {
			t.Errorf("%s = %q, want %q", k, have, want)
		}
	}
	if len(q.Get("state")) < 26 {
		t.Errorf("state = %q, want a random value", q.Get("state"))
	}
	if sc := responseCookie(w, sessionCookie); sc == nil || sc.MaxAge >= 0 {
		t.Error("logout did not delete the session cookie")
	}
	// The old cookie no longer signs anyone in.
	if w := td.get("/", c); strings.Contains(w.Body.String(), "Penny QQ Plumber") {
		t.Error("session still usable after logout")
	}
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
