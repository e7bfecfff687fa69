package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/oidcop"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/pkg/text"
)

const (
	wtNext = "https://rp.example/bye?state=s1"
	wtMAC  = "mac-from-end-session"
)

func wtConfirmURL() string {
	return oidcop.ConfirmLogoutPath + "?" + url.Values{"next": {wtNext}, "mac": {wtMAC}}.Encode()
}

func wtConfirmForm(csrf string) string {
	return url.Values{"csrf_token": {csrf}, "next": {wtNext}, "mac": {wtMAC}}.Encode()
}

// The "Sign out" page asks a signed-in browser to confirm, carrying the
// link end_session made and the session's CSRF token in the form.
func TestConfirmLogoutPage(t *testing.T) {
	e := wtServer(t)
	sess, cookie := e.signedIn(t, "penny@example.org")
	rec := e.get(wtConfirmURL(), cookie)
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200:\n%s", rec.Code, body)
	}

	for _, want := range []string{
		"<h1 class=\"govuk-heading-l\">Sign out</h1>",
		"Do you want to sign out of Test Service?",
		`<form method="post" action="/end_session/confirm">`,
		`<input type="hidden" name="csrf_token" value="` + e.srv.sessionCSRF(sess.ID) + `">`,
		`<input type="hidden" name="next" value="https://rp.example/bye?state=s1">`,
		`<input type="hidden" name="mac" value="` + wtMAC + `">`,
		`<button type="submit" class="govuk-button">Sign out</button>`,
		`<a href="/">Stay signed in</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if len(e.provider.confirms) != 0 {
		t.Errorf("showing the page ended the session: %+v", e.provider.confirms)
	}
	if _, err := e.sessions.Get(context.Background(), sess.ID); err != nil {
		t.Errorf("showing the page ended the session: %v", err)
	}
}

// A link end_session did not make (its MAC fails) is refused with the
// "link not valid" page: the page never redirects to an unchecked next.
func TestConfirmLogoutRefusesAForgedLink(t *testing.T) {
	e := wtServer(t)
	e.provider.logoutLinkErr = oidcop.ErrLogoutLinkInvalid
	_, cookie := e.signedIn(t, "penny@example.org")
	for _, c := range [][]*http.Cookie{{cookie}, nil} {
		rec := e.get(oidcop.ConfirmLogoutPath+"?next=https://evil.example/&mac=forged", c...)
		if rec.Code != http.StatusBadRequest || rec.Header().Get("Location") != "" || !wtHasText(rec.Body.String(), text.LinkInvalid) {
			t.Errorf("forged link (signed in %v): %d, Location %q", c != nil, rec.Code, rec.Header().Get("Location"))
		}
	}
}

// Nobody to sign out (no cookie, or a session that has ended): straight on
// to where the client asked, clearing a stale cookie.
func TestConfirmLogoutWithoutASession(t *testing.T) {
	e := wtServer(t)
	for name, cs := range map[string][]*http.Cookie{
		"no cookie":     nil,
		"ended session": {{Name: "__Host-" + sessionCookie, Value: "gone"}},
	} {
		rec := e.get(wtConfirmURL(), cs...)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != wtNext {
			t.Errorf("%s: %d to %q, want 303 to %s", name, rec.Code, rec.Header().Get("Location"), wtNext)
		}
		if c := wtCookie(rec, "__Host-"+sessionCookie); c == nil || c.MaxAge != -1 {
			t.Errorf("%s: session cookie not cleared: %v", name, rec.Result().Cookies())
		}
	}
}

// The POST ends the session only with the session's CSRF token and from
// the same origin; then the provider ends it and the browser goes on.
func TestConfirmLogoutPost(t *testing.T) {
	e := wtServer(t)
	sess, cookie := e.signedIn(t, "penny@example.org")

	for name, r := range map[string]*http.Request{
		"no token":    wtPostForm(oidcop.ConfirmLogoutPath, wtConfirmForm(""), cookie),
		"wrong token": wtPostForm(oidcop.ConfirmLogoutPath, wtConfirmForm(secret.Token()), cookie),
		"another session's token": wtPostForm(oidcop.ConfirmLogoutPath,
			wtConfirmForm(e.srv.sessionCSRF("other-session")), cookie),
	} {
		rec := e.do(r)
		if rec.Code != http.StatusForbidden || !wtHasText(rec.Body.String(), text.FormOutOfDate) {
			t.Errorf("%s: %d, want 403 with the out-of-date words", name, rec.Code)
		}
	}
	// A cross-site POST, even with the right token, is refused.
	r := wtPostForm(oidcop.ConfirmLogoutPath, wtConfirmForm(e.srv.sessionCSRF(sess.ID)), cookie)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if rec := e.do(r); rec.Code != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", rec.Code)
	}
	if len(e.provider.confirms) != 0 {
		t.Fatalf("refused POSTs reached the provider: %+v", e.provider.confirms)
	}

	e.provider.confirmNext = "https://rp.example/after"
	rec := e.do(wtPostForm(oidcop.ConfirmLogoutPath, wtConfirmForm(e.srv.sessionCSRF(sess.ID)), cookie))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "https://rp.example/after" {
		t.Errorf("confirmed: %d to %q, want 303 to the provider's next", rec.Code, rec.Header().Get("Location"))
	}
	if got := e.provider.confirms; len(got) != 1 || got[0] != (wtConfirm{sess.ID, wtNext, wtMAC}) {
		t.Errorf("ConfirmLogout calls %+v, want one with the session, next and mac", got)
	}
	if c := wtCookie(rec, "__Host-"+sessionCookie); c == nil || c.MaxAge != -1 {
		t.Errorf("session cookie not cleared: %v", rec.Result().Cookies())
	}
}

// A form shown before the pepper was replaced still posts: the token is
// checked under every key of the pepper.
func TestConfirmLogoutTokenUnderAnOlderPepperKey(t *testing.T) {
	old := secret.Pepper{[]byte("wt-old-pepper-0123456789abcdef!!")}
	e := wtServer(t, func(c *Config) { c.Pepper = append(secret.Pepper{[]byte("wt-new-pepper-0123456789abcdef!!")}, old...) })
	sess, cookie := e.signedIn(t, "penny@example.org")
	oldToken := (&Server{cfg: Config{Pepper: old}}).sessionCSRF(sess.ID)
	if oldToken == e.srv.sessionCSRF(sess.ID) {
		t.Fatal("the two keys make the same token")
	}
	if rec := e.do(wtPostForm(oidcop.ConfirmLogoutPath, wtConfirmForm(oldToken), cookie)); rec.Code != http.StatusSeeOther {
		t.Errorf("token under the older key: %d, want 303", rec.Code)
	}
}

// The provider's refusals: a forged link is the 400 page, anything else a
// server error; the session cookie stays.
func TestConfirmLogoutProviderErrors(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
	}{
		{oidcop.ErrLogoutLinkInvalid, http.StatusBadRequest},
		{errors.New("redis down"), http.StatusInternalServerError},
	} {
		e := wtServer(t)
		sess, cookie := e.signedIn(t, "penny@example.org")
		e.provider.confirmErr = tc.err
		rec := e.do(wtPostForm(oidcop.ConfirmLogoutPath, wtConfirmForm(e.srv.sessionCSRF(sess.ID)), cookie))
		if rec.Code != tc.status || rec.Header().Get("Location") != "" || wtCookie(rec, "__Host-"+sessionCookie) != nil {
			t.Errorf("%v: %d, Location %q, cookies %v; want %d, no redirect, cookie kept", tc.err, rec.Code,
				rec.Header().Get("Location"), rec.Result().Cookies(), tc.status)
		}
	}
}

// Without a session cookie there is no token to check: the provider
// decides (it ends nothing) and the browser goes on.
func TestConfirmLogoutPostWithoutASession(t *testing.T) {
	e := wtServer(t)
	rec := e.do(wtPostForm(oidcop.ConfirmLogoutPath, wtConfirmForm("")))
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != wtNext {
		t.Errorf("%d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if got := e.provider.confirms; len(got) != 1 || got[0].SessionID != "" {
		t.Errorf("ConfirmLogout calls %+v", got)
	}
}

// A malformed form is 400, before any check.
func TestConfirmLogoutMalformedForm(t *testing.T) {
	e := wtServer(t)
	_, cookie := e.signedIn(t, "penny@example.org")
	if rec := e.do(wtPostForm(oidcop.ConfirmLogoutPath, "csrf_token=%zz", cookie)); rec.Code != http.StatusBadRequest {
		t.Errorf("malformed form: %d, want 400", rec.Code)
	}
	if len(e.provider.confirms) != 0 {
		t.Error("malformed form reached the provider")
	}
}
