package oidcop

import (
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/carekey/carekey/internal/session"
)

// hintFor is the verified id_token_hint of a token issued in session sid.
func hintFor(userID, sid string) *oidc.IDTokenClaims {
	c := &oidc.IDTokenClaims{SessionID: session.PublicID(sid), Claims: map[string]any{"sid": session.PublicID(sid)}}
	c.Subject = userID
	return c
}

// A cross-site GET /end_session must not sign the browser out (issue 10,
// point 11): its own session ends only when a valid hint names it; otherwise
// the browser is sent to the "Sign out" page, and a hinted other session
// still ends.
func TestEndSessionEndsTheBrowsersSessionOnlyWhenHinted(t *testing.T) {
	const back = "https://portal.example:443/?state=bye"
	for _, tc := range []struct {
		name        string
		own         bool // the browser has a live session "ses_own"
		hint        string
		wantConfirm bool
		wantEnded   []string
	}{
		{name: "no hint, signed in", own: true, wantConfirm: true},
		{name: "no hint, signed out"},
		{name: "hint names the browser's session", own: true, hint: "ses_own", wantEnded: []string{"ses_own"}},
		{name: "hint names another session", own: true, hint: "ses_other", wantConfirm: true, wantEnded: []string{"ses_other"}},
		{name: "hint from another browser", hint: "ses_other", wantEnded: []string{"ses_other"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := newTestProvider(t)
			tp.newSession(t, "ses_own", "usr_penny")
			tp.newSession(t, "ses_other", "usr_penny")
			ctx := t.Context()
			if tc.own {
				ctx = WithSessionID(ctx, "ses_own")
			} else {
				ctx = WithSessionID(ctx, "ses_gone") // a cookie whose session has ended
			}
			req := &op.EndSessionRequest{ClientID: "dashboard", RedirectURI: back}
			if tc.hint != "" {
				req.UserID, req.IDTokenHintClaims = "usr_penny", hintFor("usr_penny", tc.hint)
			}
			next, err := tp.storage.TerminateSessionFromRequest(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tp.ended, tc.wantEnded) {
				t.Errorf("ended %v, want %v", tp.ended, tc.wantEnded)
			}
			if tc.own && tp.alive(t, "ses_own") == slices.Contains(tc.wantEnded, "ses_own") {
				t.Errorf("browser's session alive = %v", tp.alive(t, "ses_own"))
			}
			if !tc.wantConfirm {
				if next != back {
					t.Errorf("redirect = %q, want %q", next, back)
				}
				return
			}
			u, err := url.Parse(next)
			if err != nil || u.Path != ConfirmLogoutPath || u.Query().Get("next") != back {
				t.Fatalf("redirect = %q, want %s?next=%s", next, ConfirmLogoutPath, back)
			}
			// The page's POST ends the browser's session and goes on to the
			// validated redirect.
			got, err := tp.ConfirmLogout(t.Context(), "ses_own", u.Query().Get("next"), u.Query().Get("mac"))
			if err != nil || got != back {
				t.Fatalf("ConfirmLogout = %q, %v; want %q", got, err, back)
			}
			if tp.alive(t, "ses_own") {
				t.Error("browser's session alive after the confirmed sign-out")
			}
		})
	}
}

// The "Sign out" page's link is made by the provider: an edited next (an
// open redirect) is refused, and nothing ends.
func TestConfirmLogoutRefusesAnEditedLink(t *testing.T) {
	tp := newTestProvider(t)
	tp.newSession(t, "ses_own", "usr_penny")
	next, err := tp.storage.TerminateSessionFromRequest(WithSessionID(t.Context(), "ses_own"),
		&op.EndSessionRequest{RedirectURI: "/logged-out"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(next)
	mac := u.Query().Get("mac")
	for _, tc := range []struct{ name, next, mac string }{
		{"other next", "https://evil.example/", mac},
		{"no mac", "/logged-out", ""},
		{"bad mac", "/logged-out", "AAAA"},
		{"not base64", "/logged-out", "%%%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tp.ConfirmLogout(t.Context(), "ses_own", tc.next, tc.mac); !errors.Is(err, ErrLogoutLinkInvalid) {
				t.Errorf("ConfirmLogout error = %v, want ErrLogoutLinkInvalid", err)
			}
			if !tp.alive(t, "ses_own") {
				t.Fatal("session ended by an edited link")
			}
		})
	}
}
