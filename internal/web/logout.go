package web

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/oidcop"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/pkg/text"
)

// mountConfirmLogout serves the "Sign out" page /end_session sends a browser
// to when it may not end the browser's session unasked (no id_token_hint, or
// one naming another session): a cross-site link must not sign anyone out.
// Only the page's POST, with the session's CSRF token, ends the session.
func (s *Server) mountConfirmLogout(r *mux.Router) {
	r.HandleFunc(oidcop.ConfirmLogoutPath, s.showConfirmLogout).Methods(http.MethodGet)
	r.HandleFunc(oidcop.ConfirmLogoutPath, s.submitConfirmLogout).Methods(http.MethodPost)
}

// confirmLogoutData is the link /end_session made, carried through the form.
type confirmLogoutData struct{ Next, MAC string }

func (s *Server) showConfirmLogout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	next, mac := q.Get("next"), q.Get("mac")
	if err := s.cfg.Provider.CheckLogoutLink(next, mac); err != nil {
		s.cfg.Pages.Error(w, r, http.StatusBadRequest, text.TitleSignOut, text.LinkInvalid, "")
		return
	}
	sess, ok := s.currentSession(ctx, r)
	if !ok { // nobody to sign out: on to where the client asked
		s.cookies.clear(w, sessionCookie)
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.cfg.Pages.Render(w, r, http.StatusOK, "confirm_logout", &render.Page{
		Title: text.TitleSignOut, CSRF: s.sessionCSRF(sess.ID), Data: confirmLogoutData{Next: next, MAC: mac},
	})
}

func (s *Server) submitConfirmLogout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !s.parseForm(w, r) {
		return
	}
	id := s.cookies.get(r, sessionCookie)
	if id != "" && !s.sessionCSRFValid(id, r.PostFormValue("csrf_token")) {
		s.cfg.Pages.Error(w, r, http.StatusForbidden, text.TitleSignOut, text.FormOutOfDate, "/")
		return
	}
	next, err := s.cfg.Provider.ConfirmLogout(ctx, id, r.PostFormValue("next"), r.PostFormValue("mac"))
	if errors.Is(err, oidcop.ErrLogoutLinkInvalid) {
		s.cfg.Pages.Error(w, r, http.StatusBadRequest, text.TitleSignOut, text.LinkInvalid, "")
		return
	}
	if err != nil {
		s.serverError(w, r, "end session", err)
		return
	}
	s.cookies.clear(w, sessionCookie)
	http.Redirect(w, r, next, http.StatusSeeOther)
}
