package web

import (
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/recovery"
	"github.com/carekey/carekey/internal/text"
	"github.com/carekey/carekey/internal/web/render"
)

var recoveryJourney = journey{cookie: "carekey_recovery", kind: recovery.Kind, entry: "/forgot-password", title: "Forgot your password?"}

var recoveryErrors = journeyErrors{badTransition: recovery.ErrBadTransition, expired: recovery.ErrExpired}

func (s *Server) mountRecovery(r *mux.Router) {
	if s.cfg.Recovery == nil {
		r.HandleFunc("/forgot-password", s.comingSoon("Forgot your password?", "Password reset is not available yet. Please contact the council to reset your password.")).Methods(http.MethodGet)
		return
	}
	r.HandleFunc("/forgot-password", s.showRecovery).Methods(http.MethodGet)
	r.HandleFunc("/forgot-password/email", s.recoveryEmail).Methods(http.MethodPost)
	r.HandleFunc("/forgot-password/verify", s.recoveryVerify).Methods(http.MethodPost)
	r.HandleFunc("/forgot-password/resend", s.recoveryResend).Methods(http.MethodPost)
	r.HandleFunc("/forgot-password/back", s.recoveryBack).Methods(http.MethodPost)
	r.HandleFunc("/forgot-password/password", s.recoveryPassword).Methods(http.MethodPost)
	r.HandleFunc("/forgot-password/done", s.recoveryDone).Methods(http.MethodGet)
}

func (s *Server) showRecovery(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, token, err := s.loadJourney(ctx, r, recoveryJourney)
	switch {
	case errors.Is(err, flow.ErrNotFound):
		token, hash := newJourneyToken()
		f, err := s.cfg.Recovery.Start(ctx, hash)
		if err != nil {
			s.serverError(w, r, "start password recovery", err)
			return
		}
		s.cookies.set(w, recoveryJourney.cookie, f.ID+"."+token, journeyCookieTTL)
		http.Redirect(w, r, recoveryJourney.entry, http.StatusSeeOther)
		return
	case err != nil:
		s.serverError(w, r, "load recovery flow", err)
		return
	case !f.Valid(s.cfg.Clock.Now()):
		s.journeyExpired(w, r, recoveryJourney)
		return
	}
	page := s.recoveryPage(f, token)
	page.Data = registerData{Rules: s.cfg.Policy.Rules(), Sent: r.URL.Query().Get("sent") == "1"}
	s.renderRecovery(w, r, f, page, http.StatusOK)
}

func (s *Server) recoveryPage(f flow.Flow, token string) *render.Page {
	return &render.Page{
		Title: "Forgot your password?", CSRF: token,
		Values: map[string]string{recovery.FieldEmail: f.Data[recovery.FieldEmail]},
		Data:   registerData{Rules: s.cfg.Policy.Rules()},
	}
}

func (s *Server) renderRecovery(w http.ResponseWriter, r *http.Request, f flow.Flow, page *render.Page, status int) {
	name := map[recovery.State]string{
		recovery.StateEmail:    "forgot_email",
		recovery.StateVerify:   "forgot_verify",
		recovery.StatePassword: "forgot_password",
	}[recovery.State(f.State)]
	if name == "" {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	s.cfg.Pages.Render(w, r, status, name, page)
}

func (s *Server) recoveryStep(w http.ResponseWriter, r *http.Request, states ...recovery.State) (flow.Flow, *render.Page, bool) {
	f, token, ok := s.journeyPost(w, r, recoveryJourney)
	if !ok {
		return f, nil, false
	}
	for _, st := range states {
		if f.State == string(st) {
			return f, s.recoveryPage(f, token), true
		}
	}
	http.Redirect(w, r, recoveryJourney.entry, http.StatusSeeOther)
	return f, nil, false
}

func (s *Server) recoveryFail(w http.ResponseWriter, r *http.Request, f flow.Flow, page *render.Page, err error) {
	s.showJourneyError(w, r, recoveryJourney, recoveryErrors, err, page, func(status int) {
		s.renderRecovery(w, r, f, page, status)
	})
}

func (s *Server) recoveryEmail(w http.ResponseWriter, r *http.Request) {
	f, page, ok := s.recoveryStep(w, r, recovery.StateEmail)
	if !ok {
		return
	}
	page.Values[recovery.FieldEmail] = r.PostFormValue(recovery.FieldEmail)
	if err := s.cfg.Recovery.SubmitEmail(r.Context(), f.ID, r.PostFormValue(recovery.FieldEmail)); err != nil {
		s.recoveryFail(w, r, f, page, err)
		return
	}
	http.Redirect(w, r, recoveryJourney.entry, http.StatusSeeOther)
}

func (s *Server) recoveryVerify(w http.ResponseWriter, r *http.Request) {
	f, page, ok := s.recoveryStep(w, r, recovery.StateVerify)
	if !ok {
		return
	}
	if err := s.cfg.Recovery.SubmitCode(r.Context(), f.ID, r.PostFormValue(recovery.FieldCode)); err != nil {
		s.recoveryFail(w, r, f, page, err)
		return
	}
	http.Redirect(w, r, recoveryJourney.entry, http.StatusSeeOther)
}

func (s *Server) recoveryResend(w http.ResponseWriter, r *http.Request) {
	f, page, ok := s.recoveryStep(w, r, recovery.StateVerify)
	if !ok {
		return
	}
	if err := s.cfg.Recovery.Resend(r.Context(), f.ID); err != nil {
		s.recoveryFail(w, r, f, page, err)
		return
	}
	http.Redirect(w, r, recoveryJourney.entry+"?sent=1", http.StatusSeeOther)
}

func (s *Server) recoveryBack(w http.ResponseWriter, r *http.Request) {
	f, page, ok := s.recoveryStep(w, r, recovery.StateVerify)
	if !ok {
		return
	}
	if err := s.cfg.Recovery.Back(r.Context(), f.ID); err != nil {
		s.recoveryFail(w, r, f, page, err)
		return
	}
	http.Redirect(w, r, recoveryJourney.entry, http.StatusSeeOther)
}

func (s *Server) recoveryPassword(w http.ResponseWriter, r *http.Request) {
	f, page, ok := s.recoveryStep(w, r, recovery.StatePassword)
	if !ok {
		return
	}
	err := s.cfg.Recovery.SubmitPassword(r.Context(), f.ID, r.PostFormValue(recovery.FieldPassword), r.PostFormValue(recovery.FieldConfirm))
	if err != nil {
		s.recoveryFail(w, r, f, page, err)
		return
	}
	s.cookies.clear(w, recoveryJourney.cookie)
	http.Redirect(w, r, "/forgot-password/done", http.StatusSeeOther)
}

func (s *Server) recoveryDone(w http.ResponseWriter, r *http.Request) {
	s.cfg.Pages.Render(w, r, http.StatusOK, "forgot_done", &render.Page{
		Title: "Your password has been changed",
		Data:  render.ErrorData{Heading: "Your password has been changed", Message: text.Get(text.PasswordChangedDone), StartAgain: "/signin"},
	})
}
