package dashboard

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
)

// csrfField is the name of the hidden form field holding the session's CSRF token.
const csrfField = "csrf_token"

// logout ends the local session and sends the browser to the issuer's
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
			Title:   "You have not been logged out",
			Message: "This page was out of date. Go back, reload the page and select Logout again.",
			Home:    true,
		})
		return
	}

	d.sessions.delete(c.Value)
	d.setCookie(w, sessionCookie, "", -1)

	p, err := d.provider(ctx)
	if err == nil && p.endSession == "" {
		err = errors.New("issuer has no end_session_endpoint")
	}
	if err != nil {
		d.cfg.Logger.ErrorContext(ctx, "logout at issuer", "err", err)
		d.renderError(w, r, http.StatusBadGateway, errorPage{
			Title: "You are logged out of this dashboard",
			Message: "We could not reach the sign-in service to end your sign-in there. " +
				"Close your browser to finish logging out.",
			Home: true,
		})
		return
	}
	u, err := url.Parse(p.endSession)
	if err != nil {
		d.cfg.Logger.ErrorContext(ctx, "parse end_session_endpoint", "err", err)
		d.renderUnavailable(w, r)
		return
	}
	q := u.Query()
	q.Set("id_token_hint", s.rawIDToken)
	q.Set("post_logout_redirect_uri", d.baseURL+"/")
	q.Set("client_id", d.cfg.ClientID)
	q.Set("state", rand.Text())
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}
