package dashboard

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestIdleSessionExpires(t *testing.T) {
	td := newTest(t, nil)
	c := td.signIn(t, pennyClaims)
	signedIn := func() bool {
		return strings.Contains(td.get("/", c).Body.String(), "Select an account to manage")
	}

	for _, step := range []struct {
		advance time.Duration
		want    bool
	}{
		{advance: 14 * time.Minute, want: true},                 // used: the limit slides
		{advance: 15*time.Minute - time.Nanosecond, want: true}, // just inside
		{advance: 15 * time.Minute, want: false},                // exactly the limit: gone
	} {
		td.clk.Advance(step.advance)
		if have := signedIn(); have != step.want {
			t.Fatalf("after %s idle: signed in = %v, want %v", step.advance, have, step.want)
		}
	}
}

func TestIdleExpiryIsExplained(t *testing.T) {
	td := newTest(t, nil)
	c := td.signIn(t, pennyClaims)
	td.clk.Advance(DefaultIdleTimeout)

	w := td.get("/accounts/acc_charlie", c)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("status = %d, want 401", w.Code)
	}
	const notice = "You have been logged out because you were inactive for 15 minutes."
	text := textOf(w.Body.String())
	assertInOrder(t, text, notice, "Sign in")
	if strings.Contains(text, "Charlie QQ Cherry") {
		t.Error("expired session still shows the account")
	}
	if sc := responseCookie(w, sessionCookie); sc == nil || sc.MaxAge >= 0 {
		t.Error("expired session cookie not deleted")
	}
	if text := textOf(td.get("/", c).Body.String()); strings.Contains(text, notice) {
		t.Error("notice shown again for a session already gone")
	}
}

func TestIdleTimeoutIsConfigurable(t *testing.T) {
	td := newTest(t, func(c *Config) { c.IdleTimeout = 2 * time.Minute; c.WarnAfter = time.Minute })
	c := td.signIn(t, pennyClaims)
	td.clk.Advance(2 * time.Minute)
	if text := textOf(td.get("/", c).Body.String()); !strings.Contains(text, "inactive for 2 minutes") {
		t.Errorf("session not expired after the configured idle timeout:\n%s", text)
	}
}

func TestSweepDropsExpired(t *testing.T) {
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	st := newSessionStore(15*time.Minute, 10*time.Minute)
	st.create(session{}, now)
	st.putLogin(loginRecord{created: now})
	later := now.Add(15 * time.Minute)
	st.create(session{}, later)
	st.putLogin(loginRecord{created: later})
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.sessions) != 1 || len(st.logins) != 1 {
		t.Errorf("after sweep: %d sessions, %d logins; want 1, 1", len(st.sessions), len(st.logins))
	}
}

// A session found idle on the server (no countdown ran: JavaScript off, or
// a laptop asleep) is ended at the IdP too, as the countdown's logout is:
// the page posts its ID token to end_session, and the IdP's answer comes
// back to the idle notice. Without it, "Sign in" would let anyone at the
// desk back in without the password while the IdP session lived.
func TestIdleExpiryEndsTheIdPSession(t *testing.T) {
	for _, path := range []string{"/", "/accounts/acc_charlie"} {
		t.Run(path, func(t *testing.T) {
			td := newTest(t, nil)
			td.discovered()
			c := td.signIn(t, pennyClaims)
			td.clk.Advance(DefaultIdleTimeout)

			w := td.get(path, c)
			form := formOf(t, w.Body.String(), "end-session-form")
			if w.Code != http.StatusOK || form.action != testIssuer+"/end_session" ||
				form.fields.Get("id_token_hint") != "raw.id.token" || form.fields.Get("post_logout_redirect_uri") != testBase+"/" {
				t.Fatalf("%d, form %+v; want the end-session form with the session's ID token", w.Code, form)
			}
			if strings.Contains(textOf(w.Body.String()), "Charlie QQ Cherry") {
				t.Error("the expired session still shows the account")
			}
			if sc := responseCookie(w, sessionCookie); sc == nil || sc.MaxAge >= 0 {
				t.Error("expired session cookie not deleted")
			}
			lc := responseCookie(w, logoutCookie)
			if lc == nil {
				t.Fatal("no logout cookie")
			}
			back := td.get("/?state="+url.QueryEscape(form.fields.Get("state")), lc)
			assertInOrder(t, textOf(back.Body.String()), "You have been logged out because you were inactive for 15 minutes.", "Sign in")

			// The session is gone: the old cookie leads to the plain signed-out page.
			if again := td.get(path, c); strings.Contains(again.Body.String(), "end-session-form") {
				t.Error("a session already ended is ended again")
			}
		})
	}
}
