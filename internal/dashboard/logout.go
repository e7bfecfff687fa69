package dashboard

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/carekey/carekey/pkg/text"
)

// csrfField is the name of the hidden form field holding the session's CSRF token.
const csrfField = "csrf_token"

// logout ends the local session and has the browser post to the issuer's
// end_session_endpoint, so the IdP session ends too. It needs the session's
// CSRF token from the form.
func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s, found := d.sessions.get(c.Value, d.cfg.Now())
	if found != lookupFound {
		d.setCookie(w, sessionCookie, "", -1)
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue(csrfField)), []byte(s.csrf)) != 1 {
		d.cfg.Logger.WarnContext(ctx, "logout with a wrong CSRF token", "sub", s.subject)
		d.renderError(w, r, http.StatusForbidden, errorPage{
			Title:   text.M("dashboard.logout.refused"),
			Message: text.M("dashboard.logout.out_of_date"),
			Home:    true,
		})
		return
	}

	d.sessions.delete(c.Value)
	d.setCookie(w, sessionCookie, "", -1)

	why := logoutByUser
	if r.PostFormValue("reason") == logoutIdle { // static/idle.js at the end of the countdown
		why = logoutIdle
	}
	if !d.endIdPSessionOf(w, r, s, why) {
		d.renderError(w, r, http.StatusBadGateway, errorPage{
			Title:   text.M("dashboard.logout.here_only"),
			Message: text.M("dashboard.logout.issuer_unreachable"),
			Home:    true,
		})
	}
}

// endIdPSessionOf sends the browser to the issuer's end_session_endpoint for
// s, a session already ended here, to come back to the dashboard's home,
// which then says why (logoutByUser or logoutIdle). It reports false, having
// written nothing, when the issuer cannot be reached or has no such endpoint.
func (d *Dashboard) endIdPSessionOf(w http.ResponseWriter, r *http.Request, s session, why string) bool {
	ctx := r.Context()
	p, err := d.provider(ctx)
	if err == nil && p.endSession == "" {
		err = errors.New("issuer has no end_session_endpoint")
	}
	if err != nil {
		d.cfg.Logger.ErrorContext(ctx, "logout at issuer", "err", err)
		return false
	}
	// RP-Initiated Logout 1.0 by POST: the ID token (name and email) goes in
	// the body, never in a URL that browsers, proxies and logs keep.
	state := rand.Text()
	d.setCookie(w, logoutCookie, why+"."+state, int(loginTTL.Seconds()))
	d.render(w, r, http.StatusOK, pageLogout, view{Title: text.M("dashboard.logout.title"), EndSession: endSessionForm{
		Action:                p.endSession,
		IDTokenHint:           s.rawIDToken,
		PostLogoutRedirectURI: d.baseURL + "/",
		ClientID:              d.cfg.ClientID,
		State:                 state,
	}})
	return true
}

// Why a logout was sent to the issuer (logoutCookie).
const (
	logoutByUser = "user"
	logoutIdle   = "idle"
)

// loggedOut reports why this browser was sent back from the issuer's
// logout ("" if it was not): the state in the URL must be the one its
// logout cookie holds. The cookie is cleared either way.
func (d *Dashboard) loggedOut(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(logoutCookie)
	if err != nil {
		return ""
	}
	d.setCookie(w, logoutCookie, "", -1)
	why, state, ok := strings.Cut(c.Value, ".")
	got := r.URL.Query().Get("state")
	if !ok || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(state)) != 1 {
		return ""
	}
	return why
}

// endSessionForm is the form that posts the logout to the issuer's
// end_session_endpoint (static/idle.js submits it; without JavaScript the
// user selects Continue).
type endSessionForm struct {
	Action, IDTokenHint, PostLogoutRedirectURI, ClientID, State string
}
