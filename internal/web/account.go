package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/phone"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/pkg/text"
)

// Changing the phone later (design.md §3.3). Only a browser whose sign-in is
// at most recentSignin old may start it; any other is sent through a full
// sign-in (password and the current phone) that ends back here. The new
// number is confirmed by the sign-in flow's own Send Code / Call Me steps (a
// flow marked signin.PurposeChangePhone, bound to the signed-in user), and
// signin.Journey.Finish saves it instead of starting a session.

const (
	pathAccountPhone     = "/account/phone"
	pathAccountPhoneDone = "/account/phone/done"
	// returnAccountPhone is the sign-in flow's DataReturn that brings the
	// browser back to pathAccountPhone (see returnPath).
	returnAccountPhone = "account_phone"
	// recentSignin is how old a session's sign-in may be for it to change
	// the phone number.
	recentSignin = 10 * time.Minute
)

// accountHandler serves changing the phone: the new number's page, the
// start of its confirmation (a sign-in flow the phone steps then move) and
// the confirmation page. The embedded Server gives the cookies, pages,
// session and shared error pages.
type accountHandler struct {
	Journey *signin.Journey
	*Server
}

// Mount adds the account routes to r.
func (h *accountHandler) Mount(r *mux.Router) {
	r.HandleFunc(pathAccountPhone, h.showChangePhone).Methods(http.MethodGet)
	r.HandleFunc(pathAccountPhone, h.submitChangePhone).Methods(http.MethodPost)
	r.HandleFunc(pathAccountPhoneDone, h.phoneChanged).Methods(http.MethodGet)
}

type changePhoneData struct {
	Masked    string // the current number, masked; "" if there is none
	Countries []phone.Country
	Country   string
}

// recent reports whether sess was signed in at most recentSignin ago.
func (s *Server) recent(sess session.Session) bool {
	return !s.cfg.Clock.Now().After(sess.AuthTime.Add(recentSignin))
}

// reauthenticate sends the browser through a full sign-in that ends back at
// pathAccountPhone.
func (h *accountHandler) reauthenticate(w http.ResponseWriter, r *http.Request) {
	if err := h.startFlow(r.Context(), w, "", returnAccountPhone); err != nil {
		h.serverError(w, r, "start sign-in flow", err)
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (h *accountHandler) showChangePhone(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess, ok := h.currentSession(ctx, r)
	if !ok || !h.recent(sess) {
		h.reauthenticate(w, r)
		return
	}
	u, err := h.cfg.Users.GetUser(ctx, sess.UserID)
	if err != nil {
		h.serverError(w, r, "load signed-in user", err)
		return
	}
	h.renderChangePhone(w, r, http.StatusOK, sess, u, &render.Page{})
}

func (h *accountHandler) renderChangePhone(w http.ResponseWriter, r *http.Request, status int, sess session.Session, u store.User, page *render.Page) {
	page.Title = text.TitleChangePhone
	page.CSRF = h.sessionCSRF(sess.ID)
	data := changePhoneData{Countries: phone.Countries(), Country: phone.DefaultCountryCode}
	if u.Phone != "" {
		data.Masked = phone.Mask(u.Phone)
	}
	if c := page.Value("country"); c != "" {
		data.Country = c
	}
	page.Data = data
	h.cfg.Pages.Render(w, r, status, "account_phone", page)
}

// submitChangePhone takes the new number and starts confirming it: a flow
// at "Confirm your identity" for that number, whose cookie replaces any
// sign-in flow'h.
func (h *accountHandler) submitChangePhone(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !h.parseForm(w, r) {
		return
	}
	sess, ok := h.currentSession(ctx, r)
	if !ok {
		http.Redirect(w, r, pathAccountPhone, http.StatusSeeOther) // which asks for a sign-in
		return
	}
	if !h.sessionCSRFValid(sess.ID, r.PostFormValue("csrf_token")) {
		h.cfg.Pages.Error(w, r, http.StatusForbidden, text.TitleChangePhone, text.FormOutOfDate, pathAccountPhone)
		return
	}
	if !h.recent(sess) {
		http.Redirect(w, r, pathAccountPhone, http.StatusSeeOther)
		return
	}
	u, err := h.cfg.Users.GetUser(ctx, sess.UserID)
	if err != nil {
		h.serverError(w, r, "load signed-in user", err)
		return
	}
	country, input := r.PostFormValue("country"), r.PostFormValue("phone")
	f, token := h.Journey.NewFlow()
	err = h.Journey.StartChange(ctx, f, u.ID, u.Phone, input, country)
	page := &render.Page{Values: map[string]string{"phone": input, "country": country}}
	switch {
	case errors.Is(err, phone.ErrInvalid):
		page.AddError(phoneError(err), "phone")
		h.renderChangePhone(w, r, http.StatusBadRequest, sess, u, page)
		return
	case errors.Is(err, signin.ErrSamePhone):
		page.AddError(text.PhoneSame, "phone")
		h.renderChangePhone(w, r, http.StatusBadRequest, sess, u, page)
		return
	case err != nil:
		h.serverError(w, r, "start phone change", err)
		return
	}
	h.setFlowCookie(w, f, token)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// ownsChange reports whether the browser may act on f: any flow that does
// not change a phone, or a phone change whose user is the one the browser is
// signed in as now. The flow cookie alone is not enough to change a phone.
func (s *Server) ownsChange(ctx context.Context, r *http.Request, f flow.Flow) bool {
	d := signin.DataOf(f)
	if !d.ChangePhone {
		return true
	}
	sess, ok := s.currentSession(ctx, r)
	return ok && sess.UserID != "" && sess.UserID == d.User
}

// notYourChange refuses a phone change flow to a browser that is not signed
// in as its user (signed out since, or someone else's flow cookie).
func (s *Server) notYourChange(w http.ResponseWriter, r *http.Request, f flow.Flow) {
	s.cfg.Logger.WarnContext(r.Context(), "phone change refused: browser not signed in as the flow's user",
		"flow", f.ID, "user", signin.DataOf(f).User)
	s.cookies.clear(w, flowCookie)
	s.cfg.Pages.Error(w, r, http.StatusForbidden, text.TitleChangePhone, text.PhoneChangeNotYours, pathAccountPhone)
}

// phoneChanged is the confirmation after a change, for a signed-in browser.
func (h *accountHandler) phoneChanged(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess, ok := h.currentSession(ctx, r)
	if !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	u, err := h.cfg.Users.GetUser(ctx, sess.UserID)
	if err != nil {
		h.serverError(w, r, "load signed-in user", err)
		return
	}
	h.cfg.Pages.Render(w, r, http.StatusOK, "account_phone_done", &render.Page{
		Title: text.TitlePhoneChanged, Data: changePhoneData{Masked: phone.Mask(u.Phone)},
	})
}
