package web

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"slices"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/totp"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/pkg/text"
)

// The authenticator app (issue 16), where the deployment offers it
// (signin.Journey.App). A signed-in user sets it up at /account/app: a QR
// code drawn here (PNG in a data: URL, no script, no outside service) and
// the key in text, then the first code from the app, which saves it. Only a
// session whose sign-in was confirmed with the phone at most recentSignin
// ago may set the app up or remove it; any other browser is sent through a
// sign-in that must use the phone (signin.Journey.StartPhoneOnly) and ends
// back here. At "Confirm your identity", "Use your authenticator app" and
// its code page are steps of the sign-in flow (phone.go's handlers).

const (
	pathAccountApp       = "/account/app"
	pathAccountAppRemove = "/account/app/remove"
	// returnAccountApp is the sign-in flow's DataReturn that brings the
	// browser back to pathAccountApp (see returnPath).
	returnAccountApp = "account_app"
	// qrSize is the QR code's width and height in pixels.
	qrSize = 200
)

// appHandler serves setting up and removing the authenticator app.
type appHandler struct {
	Journey *signin.Journey
	*Server
}

// Mount adds the app's routes to r; they answer 404 where the deployment
// does not offer the app.
func (h *appHandler) Mount(r *mux.Router) {
	r.HandleFunc(pathAccountApp, h.show).Methods(http.MethodGet)
	r.HandleFunc(pathAccountApp, h.confirm).Methods(http.MethodPost)
	r.HandleFunc(pathAccountAppRemove, h.remove).Methods(http.MethodPost)
}

type appData struct {
	HasApp, Added, Removed bool
	// The set-up: its flow ID (a hidden field), the QR code and the key.
	SetupID string
	QR      template.URL // data:image/png;base64,…
	Key     string
}

// phoneConfirmed reports whether sess was signed in with the phone (SMS or
// call) at most recentSignin ago: what setting up or removing the app needs.
func (s *Server) phoneConfirmed(sess session.Session) bool {
	return s.recent(sess) && (slices.Contains(sess.AMR, "sms") || slices.Contains(sess.AMR, "tel"))
}

// signedIn returns the session and user of a browser whose sign-in with the
// phone is recent; any other browser is sent through one (reported false).
func (h *appHandler) signedIn(w http.ResponseWriter, r *http.Request) (session.Session, store.User, bool) {
	ctx := r.Context()
	if !h.Journey.App {
		h.cfg.Pages.Error(w, r, http.StatusNotFound, text.NotFound, text.NotFoundDetail, "")
		return session.Session{}, store.User{}, false
	}
	sess, ok := h.currentSession(ctx, r)
	if !ok || !h.phoneConfirmed(sess) {
		f, token, err := h.Journey.StartPhoneOnly(ctx, returnAccountApp)
		if err != nil {
			h.serverError(w, r, "start sign-in flow", err)
			return session.Session{}, store.User{}, false
		}
		h.setFlowCookie(w, f, token)
		h.cookies.clear(w, returnCookie)
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return session.Session{}, store.User{}, false
	}
	u, err := h.cfg.Users.GetUser(ctx, sess.UserID)
	if err != nil {
		h.serverError(w, r, "load signed-in user", err)
		return session.Session{}, store.User{}, false
	}
	return sess, u, true
}

func (h *appHandler) show(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	page := &render.Page{}
	if u.TOTPSecret != "" {
		h.render(w, r, http.StatusOK, sess, page, appData{HasApp: true, Added: q.Get("added") == "1"})
		return
	}
	setup, err := h.Journey.StartAppSetup(r.Context(), u)
	if err != nil {
		h.serverError(w, r, "start app set-up", err)
		return
	}
	h.renderSetup(w, r, http.StatusOK, sess, page, setup, q.Get("removed") == "1")
}

func (h *appHandler) renderSetup(w http.ResponseWriter, r *http.Request, status int, sess session.Session, page *render.Page, setup signin.AppSetup, removed bool) {
	png, err := totp.QRCode(setup.Key.URL, qrSize)
	if err != nil {
		h.serverError(w, r, "draw QR code", err)
		return
	}
	h.render(w, r, status, sess, page, appData{
		Removed: removed, SetupID: setup.ID, Key: setup.Key.Secret,
		QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), // our own PNG: safe
	})
}

func (h *appHandler) render(w http.ResponseWriter, r *http.Request, status int, sess session.Session, page *render.Page, data appData) {
	page.Title = text.TitleSetUpApp
	if data.HasApp {
		page.Title = text.TitleYourApp
	}
	page.CSRF = h.sessionCSRF(sess.ID)
	page.Data = data
	w.Header().Set("Cache-Control", "no-store") // the page holds a secret
	h.cfg.Pages.Render(w, r, status, "account_app", page)
}

// form checks a POST from the app's page: a session whose phone sign-in is
// recent (else a new sign-in) and the session's CSRF token.
func (h *appHandler) form(w http.ResponseWriter, r *http.Request) (session.Session, store.User, bool) {
	if !h.parseForm(w, r) {
		return session.Session{}, store.User{}, false
	}
	sess, ok := h.currentSession(r.Context(), r)
	if ok && !h.sessionCSRFValid(sess.ID, r.PostFormValue("csrf_token")) {
		h.cfg.Pages.Error(w, r, http.StatusForbidden, text.TitleSetUpApp, text.FormOutOfDate, pathAccountApp)
		return session.Session{}, store.User{}, false
	}
	return h.signedIn(w, r)
}

// confirm takes the first code from the app being set up; the right one
// saves it.
func (h *appHandler) confirm(w http.ResponseWriter, r *http.Request) {
	sess, u, ok := h.form(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	id := r.PostFormValue("setup")
	err := h.Journey.ConfirmApp(ctx, id, u.ID, r.PostFormValue("code"), clientIP(r))
	page := &render.Page{}
	var inv *text.Invalid
	switch {
	case err == nil:
		http.Redirect(w, r, pathAccountApp+"?added=1", http.StatusSeeOther)
		return
	case errors.As(err, &inv):
		addInvalid(page, inv)
	case errors.Is(err, signin.ErrAppWrongCode):
		page.AddError(text.AppCodeMismatch, "code")
	case errors.Is(err, signin.ErrSetupGone):
		// Expired (or never this user's): a new key to scan.
		setup, err := h.Journey.StartAppSetup(ctx, u)
		if err != nil {
			h.serverError(w, r, "start app set-up", err)
			return
		}
		page.AddError(text.AppSetupExpired, "")
		h.renderSetup(w, r, http.StatusBadRequest, sess, page, setup, false)
		return
	default:
		h.serverError(w, r, "confirm app", err)
		return
	}
	setup, err := h.Journey.LoadAppSetup(ctx, id, u.ID)
	if err != nil {
		h.serverError(w, r, "reload app set-up", err)
		return
	}
	h.renderSetup(w, r, http.StatusBadRequest, sess, page, setup, false)
}

// remove removes the user's app.
func (h *appHandler) remove(w http.ResponseWriter, r *http.Request) {
	_, u, ok := h.form(w, r)
	if !ok {
		return
	}
	err := h.Journey.Accounts.RemoveApp(r.Context(), u.ID, "user", clientIP(r))
	if err != nil && !errors.Is(err, signin.ErrNoApp) {
		h.serverError(w, r, "remove app", err)
		return
	}
	http.Redirect(w, r, pathAccountApp+"?removed=1", http.StatusSeeOther)
}

// useApp is "Use your authenticator app" at "Confirm your identity".
func (h *signinHandler) useApp(w http.ResponseWriter, r *http.Request) {
	res, ok := h.step(w, r, event(signin.EventUseApp))
	switch {
	case !ok:
	case errors.Is(res.err, signin.ErrNoApp):
		h.renderError(w, r, res, http.StatusBadRequest, text.ChannelUnavailable, "")
	case res.err != nil:
		h.signinFailed(w, r, "choose the app", res.err)
	default:
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	}
}

// verifyApp takes a code from the authenticator app; the right one
// finishes the sign-in.
func (h *signinHandler) verifyApp(w http.ResponseWriter, r *http.Request) {
	h.checkCode(w, r, signin.EventAppCodeOK, text.AppCodeMismatch, signin.ErrAppWrongCode)
}
