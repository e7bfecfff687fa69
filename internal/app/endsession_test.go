package app_test

import (
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Issue 10, point 11: a cross-site GET /end_session without id_token_hint
// (an <img> on any web page) must not sign the user out. It shows carekey's
// "Sign out" page; only that page's POST, with the session's CSRF token, ends
// the session, and then the browser goes on to the registered
// post_logout_redirect_uri with its state.
func TestEndSessionWithoutHintAsksFirst(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		c := e.browser()
		e.signInPublic(t, c)

		// The attack: the victim's browser fetches the link.
		q := url.Values{"client_id": {"dashboard"}, "post_logout_redirect_uri": {dashLogoutURI}, "state": {"bye"}}
		resp, err := c.Get(e.issuer + "/end_session?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		page := mustStatus(t, resp, http.StatusOK)
		if !strings.Contains(page, "<h1 class=\"govuk-heading-l\">Sign out</h1>") || !strings.Contains(page, `<button type="submit" class="govuk-button">Sign out</button>`) {
			t.Fatalf("end_session without a hint: want the Sign out page, got:\n%s", page)
		}
		if e.authorizeAsks(t, c) {
			t.Fatal("GET /end_session without id_token_hint signed the user out")
		}

		// A forged POST (no or a wrong CSRF token) ends nothing.
		form := hiddenFields(page)
		for _, csrf := range []string{"", "forged"} {
			f := url.Values{"next": form["next"], "mac": form["mac"], "csrf_token": {csrf}}
			resp, err := c.PostForm(e.issuer+"/end_session/confirm", f)
			if err != nil {
				t.Fatal(err)
			}
			mustStatus(t, resp, http.StatusForbidden)
		}
		// An edited next is not followed.
		edited := url.Values{"next": {"https://evil.example/"}, "mac": form["mac"], "csrf_token": form["csrf_token"]}
		resp, err = c.PostForm(e.issuer+"/end_session/confirm", edited)
		if err != nil {
			t.Fatal(err)
		}
		mustStatus(t, resp, http.StatusBadRequest)
		if e.authorizeAsks(t, c) {
			t.Fatal("a refused sign-out POST signed the user out")
		}

		// The user selects Sign out.
		resp, err = c.PostForm(e.issuer+"/end_session/confirm", form)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != dashLogoutURI+"?state=bye" {
			t.Fatalf("confirmed sign-out: %d to %q, want 303 to %s?state=bye", resp.StatusCode, loc, dashLogoutURI)
		}
		if !e.authorizeAsks(t, c) {
			t.Fatal("session alive after the confirmed sign-out")
		}

		// An unregistered post_logout_redirect_uri is refused before any page.
		c = e.browser()
		e.signInPublic(t, c)
		q.Set("post_logout_redirect_uri", "https://evil.example/")
		resp, err = c.Get(e.issuer + "/end_session?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if body := readBody(t, resp); resp.StatusCode/100 == 2 || resp.StatusCode/100 == 3 || strings.Contains(body, "evil.example") {
			t.Fatalf("unregistered post_logout_redirect_uri: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hiddenFields returns the hidden inputs of page.
func hiddenFields(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		v.Add(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// Issue 10, point 12: in a whole sign-in and logout at the dashboard, no URL
// the browser visits holds personal data: not the user's name, email or
// phone number, not a child's name or birth date, and no token (an ID token
// in id_token_hint would carry them). The accounts still reach the dashboard,
// by userinfo.
func TestNoPersonalDataInURLs(t *testing.T) {
	backendsReal(t, func(t *testing.T, real bool) {
		e := startClocked(t, real, nil, true, nil)
		for ref, child := range map[string]string{"T-8": `{"name":"Aaron QQ Test","birthdate":"2012-12-12"}`, "T-9": `{"name":"Bella QQ Test","birthdate":"2010-10-10"}`} {
			acc := e.admin(t, http.MethodPut, "/admin/v1/accounts/by-ref/case-system/"+ref, child, http.StatusCreated)
			accID, _ := acc["id"].(string)
			e.admin(t, http.MethodPut, "/admin/v1/users/usr_penny/grants/"+accID, `{"relationship":"child"}`, http.StatusCreated)
		}

		c := e.dashBrowser()
		var visited []string
		c.Transport = recordURLs{next: c.Transport, urls: &visited}

		page := e.signInAtDashboard(t, c)
		if !strings.Contains(page, "Aaron QQ Test") || !strings.Contains(page, "Bella QQ Test") {
			t.Fatalf("the accounts claim did not reach the dashboard:\n%s", page)
		}
		// Logout, as a browser does it: the dashboard answers a form that
		// posts to end_session (or, as it used to, a redirect there).
		resp, err := c.PostForm(e.dash.URL+"/logout", url.Values{"csrf_token": {csrfOf(t, page)}})
		if err != nil {
			t.Fatal(err)
		}
		logout := readBody(t, resp)
		if m := regexp.MustCompile(`<form method="post" action="([^"]+)" id="end-session-form">`).FindStringSubmatch(logout); m != nil {
			if resp, err = c.PostForm(html.UnescapeString(m[1]), hiddenFields(logout)); err != nil {
				t.Fatal(err)
			}
			readBody(t, resp)
		}
		// On to the dashboard's post-logout page, as the browser goes.
		for i := 0; resp.StatusCode/100 == 3; i++ {
			if i == 5 {
				t.Fatalf("too many redirects after logout")
			}
			if resp, err = c.Get(resp.Request.URL.ResolveReference(mustParse(t, resp.Header.Get("Location"))).String()); err != nil {
				t.Fatal(err)
			}
			readBody(t, resp)
		}
		if home := resp.Request.URL.String(); !strings.HasPrefix(home, e.dash.URL+"/") || resp.StatusCode != http.StatusOK {
			t.Fatalf("logout ended at %d %s, want the dashboard", resp.StatusCode, home)
		}
		if !e.authorizeAsks(t, c) {
			t.Fatal("IdP session alive after logout at the dashboard")
		}

		personal := []string{"Penny", "Plumber", "penny.plumber", "portal@", "portal%40", "7700900",
			"Aaron", "Bella", "2012-12-12", "2010-10-10", "Charlie", "Pedro", "Peter", "2013-11-07", "2006-05-01", "1981-02-04",
			"id_token"}
		if len(visited) < 6 {
			t.Fatalf("recorded only %d URLs: %v", len(visited), visited)
		}
		for _, u := range visited {
			for _, text := range append([]string{u}, decodedSegments(u)...) {
				for _, p := range personal {
					if strings.Contains(strings.ToLower(text), strings.ToLower(p)) {
						t.Errorf("URL holds %q: %s", p, u)
					}
				}
			}
			if jws := signedJWTRE.FindString(u); jws != "" && !isEncrypted(jws) {
				t.Errorf("URL holds a readable token: %s", u)
			}
		}
	})
}

// signedJWTRE finds a compact JWS or JWE in a URL.
var signedJWTRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*){2,4}`)

// isEncrypted reports whether a compact JOSE token is a JWE (its header has
// "enc"), whose payload no one but the issuer reads: carekey's codes are.
func isEncrypted(tok string) bool {
	h, err := base64.RawURLEncoding.DecodeString(strings.SplitN(tok, ".", 2)[0])
	return err == nil && strings.Contains(string(h), `"enc"`)
}

// decodedSegments returns the query values of u, unescaped, and every
// base64url segment in them decoded, to find data a URL carries encoded.
func decodedSegments(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	for _, vs := range u.Query() {
		for _, v := range vs {
			out = append(out, v)
			for _, seg := range strings.Split(v, ".") {
				if b, err := base64.RawURLEncoding.DecodeString(seg); err == nil {
					out = append(out, string(b))
				}
			}
		}
	}
	return out
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// recordURLs records the URL of every request a client sends.
type recordURLs struct {
	next http.RoundTripper
	urls *[]string
}

func (r recordURLs) RoundTrip(req *http.Request) (*http.Response, error) {
	*r.urls = append(*r.urls, req.URL.String())
	return r.next.RoundTrip(req)
}
