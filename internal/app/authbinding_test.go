package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// authorizeID starts /authorize for the public client in browser c (its own
// state and PKCE) and returns the auth request ID from the hand-off to the
// login UI, without following it.
func (e *env) authorizeID(t *testing.T, c *http.Client, verifier, state string) string {
	t.Helper()
	r := e.rp(publicID, "", publicRedir, "profile", "accounts", "offline_access")
	stop := *c
	stop.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := stop.Get(r.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode/100 != 3 || loc.Path != "/login" {
		t.Fatalf("authorize: status %d, Location %q: want a hand-off to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	id := loc.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("no authRequestID in %s", loc)
	}
	return id
}

// noFollow returns c that stops at every redirect.
func noFollow(c *http.Client) *http.Client {
	stop := *c
	stop.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &stop
}

// codeIn reports the code a response hands to the client, if any.
func codeIn(resp *http.Response) string {
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return ""
	}
	return loc.Query().Get("code")
}

// followToClient follows redirects inside carekey from resp and returns the
// last response (a redirect to the client, or a page).
func (e *env) followToClient(t *testing.T, c *http.Client, u string) *http.Response {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestAuthRequestBoundToBrowser is the review's account takeover, step by
// step: an attacker starts /authorize for a real client with their own state
// and PKCE, sends the victim the /login?authRequestID=… link, the victim's
// signed-in browser opens it, and the attacker asks the callback for a code.
// Neither the victim's browser nor the attacker's gets a code.
func TestAuthRequestBoundToBrowser(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		victim := e.browser()
		e.login(victim, e.rp(publicID, "", publicRedir, "profile"), oauth2.GenerateVerifier(), "n") // signed in

		attacker := e.browser()
		verifier := oauth2.GenerateVerifier()
		id := e.authorizeID(t, attacker, verifier, "attacker-state")

		// The victim opens the attacker's link with their signed-in browser.
		resp := e.followToClient(t, victim, e.issuer+"/login?authRequestID="+url.QueryEscape(id))
		body := readBody(t, resp)
		if code := codeIn(resp); code != "" {
			t.Fatalf("the victim's browser completed the attacker's request: code in %s", resp.Header.Get("Location"))
		}
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("victim at the attacker's /login: status %d, want 400:\n%s", resp.StatusCode, body)
		}

		// The attacker asks for the code.
		resp, err := noFollow(attacker).Get(e.issuer + "/authorize/callback?id=" + url.QueryEscape(id))
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		code := codeIn(resp)
		if resp.StatusCode != http.StatusBadRequest || code != "" {
			t.Errorf("attacker at the callback: status %d, Location %q; want 400 and no code", resp.StatusCode, resp.Header.Get("Location"))
		}
		if code != "" {
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {publicRedir}, "code_verifier": {verifier}}
			if resp, out := e.tokenRequest(t, publicID, "", form); resp.StatusCode == http.StatusOK {
				t.Fatalf("the attacker got the victim's tokens: %v", out)
			}
		}
	})
}

// TestCallbackFromAnotherBrowser: a completed request's callback answers only
// the browser that started it.
func TestCallbackFromAnotherBrowser(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		user := e.browser()
		id := e.authorizeID(t, user, oauth2.GenerateVerifier(), "s")
		back := e.signInAt(t, user, id)
		if back.Path != "/authorize/callback" {
			t.Fatalf("sign-in ended at %s, want the callback", back)
		}
		other := noFollow(e.browser())
		resp, err := other.Get(e.abs(back))
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		if resp.StatusCode != http.StatusBadRequest || codeIn(resp) != "" {
			t.Errorf("another browser at the callback: status %d, Location %q; want 400 and no code", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// signInAt signs in at /login?authRequestID=id in browser c and returns
// where carekey sends the browser at the end (the callback), not followed.
func (e *env) signInAt(t *testing.T, c *http.Client, id string) *url.URL {
	t.Helper()
	stopAtCallback := *c
	stopAtCallback.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/authorize/callback" || !strings.HasPrefix(req.URL.String(), e.issuer) {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := stopAtCallback.Get(e.issuer + "/login?authRequestID=" + url.QueryEscape(id))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode/100 == 3 { // a session answered at once
		u, _ := url.Parse(resp.Header.Get("Location"))
		readBody(t, resp)
		return u
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Sign in</h1>") {
		t.Fatalf("login: want the sign-in page, got %d:\n%s", resp.StatusCode, body)
	}
	form := url.Values{"csrf_token": {csrfOf(t, body)}, "email": {testEmail}, "password": {testPassword}}
	resp, err = stopAtCallback.PostForm(e.issuer+"/signin", form)
	if err != nil {
		t.Fatal(err)
	}
	return e.confirmPhone(&stopAtCallback, resp, "sms")
}

// TestOneCodePerAuthRequest: the callback of a completed request yields a
// code once; asking again yields nothing.
func TestOneCodePerAuthRequest(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		user := e.browser()
		id := e.authorizeID(t, user, oauth2.GenerateVerifier(), "s")
		back := e.signInAt(t, user, id)
		for i, want := range []bool{true, false, false} {
			resp, err := noFollow(user).Get(e.abs(back))
			if err != nil {
				t.Fatal(err)
			}
			readBody(t, resp)
			if got := codeIn(resp) != ""; got != want {
				t.Errorf("callback call %d: code issued = %v, want %v (status %d)", i+1, got, want, resp.StatusCode)
			}
		}
	})
}

// TestCompletedRequestDiesWithItsSession: a completed request whose session
// has ended (sign-out) yields no code, and a code whose session has ended
// yields no tokens.
func TestCompletedRequestDiesWithItsSession(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		user := e.browser()
		id := e.authorizeID(t, user, oauth2.GenerateVerifier(), "s")
		back := e.signInAt(t, user, id)
		e.endSessions(t)
		resp, err := noFollow(user).Get(e.abs(back))
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		if codeIn(resp) != "" {
			t.Errorf("callback after the session ended issued a code (status %d)", resp.StatusCode)
		}

		verifier := oauth2.GenerateVerifier()
		user = e.browser()
		id = e.authorizeID(t, user, verifier, "s")
		back = e.signInAt(t, user, id)
		resp, err = noFollow(user).Get(e.abs(back))
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		code := codeIn(resp)
		if code == "" {
			t.Fatalf("no code from the callback (status %d)", resp.StatusCode)
		}
		e.endSessions(t)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {publicRedir}, "code_verifier": {verifier}}
		if resp, out := e.tokenRequest(t, publicID, "", form); resp.StatusCode == http.StatusOK {
			t.Errorf("a code whose session had ended was exchanged for tokens: %v", out)
		}
	})
}

// endSessions ends every session of the test user, as a sign-out elsewhere
// or a password reset does.
func (e *env) endSessions(t *testing.T) {
	t.Helper()
	st := e.app.Backends()
	u, err := st.Store.GetUserByEmail(t.Context(), testEmail)
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := st.Sessions.ListByUser(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) == 0 {
		t.Fatal("the user has no session to end")
	}
	for _, s := range sessions {
		if err := st.Sessions.Delete(t.Context(), s.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// abs makes a URL carekey returned absolute against the issuer.
func (e *env) abs(u *url.URL) string {
	base, _ := url.Parse(e.issuer)
	return base.ResolveReference(u).String()
}
