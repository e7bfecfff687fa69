package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/registration"
	"github.com/carekey/carekey/internal/web/render"
)

var registerJourney = journey{cookie: "carekey_register", kind: registration.Kind, entry: "/register", title: "Register for a new account"}

var registerErrors = journeyErrors{
	badTransition: registration.ErrBadTransition,
	expired:       registration.ErrExpired,
	sendFailed:    registration.ErrSendFailed,
}

// profileFields are step 1's inputs, in the order of the form.
var profileFields = []string{
	registration.FieldForename, registration.FieldSurname, registration.FieldProfessional, registration.FieldRole,
	registration.FieldOrganisation, registration.FieldStreet, registration.FieldTown, registration.FieldPostcode,
}

// registerData is the data of the registration pages.
type registerData struct {
	Rules []string // the "Password policy" list (step 2)
	Sent  bool     // a new code has just been sent (step 3)
}

func (s *Server) mountRegister(r *mux.Router) {
	if s.cfg.Register == nil {
		r.HandleFunc("/register", s.comingSoon("Create an account", "Registration is not available yet. Please ask the council to create your account.")).Methods(http.MethodGet)
		return
	}
	r.HandleFunc("/register", s.showRegister).Methods(http.MethodGet)
	r.HandleFunc("/register/profile", s.registerProfile).Methods(http.MethodPost)
	r.HandleFunc("/register/credentials", s.registerCredentials).Methods(http.MethodPost)
	r.HandleFunc("/register/verify", s.registerVerify).Methods(http.MethodPost)
	r.HandleFunc("/register/resend", s.registerResend).Methods(http.MethodPost)
	r.HandleFunc("/register/back", s.registerBack).Methods(http.MethodPost)
}

// showRegister shows the current step, starting a flow if there is none. A
// registration begun from a sign-in page remembers its OIDC request.
func (s *Server) showRegister(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, token, err := s.loadJourney(ctx, r, registerJourney)
	switch {
	case errors.Is(err, flow.ErrNotFound):
		authRequest := ""
		if sf, _, err := s.loadFlow(ctx, r); err == nil && sf.Valid(s.cfg.Clock.Now()) {
			authRequest = sf.Data["auth_request"]
		}
		token, hash := newJourneyToken()
		f, err := s.cfg.Register.Start(ctx, hash, authRequest)
		if err != nil {
			s.serverError(w, r, "start registration", err)
			return
		}
		s.cookies.set(w, registerJourney.cookie, f.ID+"."+token, journeyCookieTTL)
		http.Redirect(w, r, registerJourney.entry, http.StatusSeeOther)
		return
	case err != nil:
		s.serverError(w, r, "load registration flow", err)
		return
	case !f.Valid(s.cfg.Clock.Now()):
		s.journeyExpired(w, r, registerJourney)
		return
	}
	page := s.registerPage(f, token)
	page.Data = registerData{Rules: s.cfg.Policy.Rules(), Sent: r.URL.Query().Get("sent") == "1"}
	s.renderRegister(w, r, f, page, http.StatusOK)
}

// registerPage is the page of f's step with the answers kept in the flow
// (never the password).
func (s *Server) registerPage(f flow.Flow, token string) *render.Page {
	page := &render.Page{Title: "Register for a new account", CSRF: token, Values: map[string]string{}}
	for _, k := range append(profileFields, registration.FieldEmail) {
		page.Values[k] = f.Data[k]
	}
	page.Data = registerData{Rules: s.cfg.Policy.Rules()}
	return page
}

func (s *Server) renderRegister(w http.ResponseWriter, r *http.Request, f flow.Flow, page *render.Page, status int) {
	name := map[registration.State]string{
		registration.StateProfile:     "register_profile",
		registration.StateCredentials: "register_credentials",
		registration.StateVerify:      "register_verify",
	}[registration.State(f.State)]
	if name == "" { // done: the flow is finished
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	s.cfg.Pages.Render(w, r, status, name, page)
}

// registerStep loads the flow for a POST meant for state; a form for another
// step sends the browser to the current one (changing nothing).
func (s *Server) registerStep(w http.ResponseWriter, r *http.Request, state registration.State) (flow.Flow, *render.Page, bool) {
	f, token, ok := s.journeyPost(w, r, registerJourney)
	if !ok {
		return f, nil, false
	}
	if f.State != string(state) {
		http.Redirect(w, r, registerJourney.entry, http.StatusSeeOther)
		return f, nil, false
	}
	return f, s.registerPage(f, token), true
}

func (s *Server) registerFail(w http.ResponseWriter, r *http.Request, f flow.Flow, page *render.Page, err error) {
	s.showJourneyError(w, r, registerJourney, registerErrors, err, page, func(status int) {
		s.renderRegister(w, r, f, page, status)
	})
}

func (s *Server) registerProfile(w http.ResponseWriter, r *http.Request) {
	f, page, ok := s.registerStep(w, r, registration.StateProfile)
	if !ok {
		return
	}
	for _, k := range profileFields {
		page.Values[k] = r.PostFormValue(k)
	}
	p := registration.Profile{
		Forename: page.Values[registration.FieldForename], Surname: page.Values[registration.FieldSurname],
		Professional: page.Values[registration.FieldProfessional], Role: page.Values[registration.FieldRole],
		Organisation: page.Values[registration.FieldOrganisation], Street: page.Values[registration.FieldStreet],
		Town: page.Values[registration.FieldTown], Postcode: page.Values[registration.FieldPostcode],
	}
	if err := s.cfg.Register.SubmitProfile(r.Context(), f.ID, p, clientIP(r)); err != nil {
		s.registerFail(w, r, f, page, err)
		return
	}
	http.Redirect(w, r, registerJourney.entry, http.StatusSeeOther)
}

func (s *Server) registerCredentials(w http.ResponseWriter, r *http.Request) {
	f, page, ok := s.registerStep(w, r, registration.StateCredentials)
	if !ok {
		return
	}
	page.Values[registration.FieldEmail] = r.PostFormValue(registration.FieldEmail)
	err := s.cfg.Register.SubmitCredentials(r.Context(), f.ID, registration.Credentials{
		Email:    r.PostFormValue(registration.FieldEmail),
		Password: r.PostFormValue(registration.FieldPassword),
		Confirm:  r.PostFormValue(registration.FieldConfirm),
	})
	if err != nil {
		s.registerFail(w, r, f, page, err)
		return
	}
	http.Redirect(w, r, registerJourney.entry, http.StatusSeeOther)
}

func (s *Server) registerVerify(w http.ResponseWriter, r *http.Request) {
	f, page, ok := s.registerStep(w, r, registration.StateVerify)
	if !ok {
		return
	}
	done, err := s.cfg.Register.SubmitCode(r.Context(), f.ID, r.PostFormValue(registration.FieldCode), clientIP(r))
	if err != nil {
		s.registerFail(w, r, f, page, err)
		return
	}
	s.cookies.clear(w, registerJourney.cookie)
	s.cookies.set(w, noticeCookie, noticeRegistered, 5*time.Minute)
	next := "/signin"
	if done.AuthRequest != "" {
		next = "/login?authRequestID=" + url.QueryEscape(done.AuthRequest)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) registerResend(w http.ResponseWriter, r *http.Request) {
	f, page, ok := s.registerStep(w, r, registration.StateVerify)
	if !ok {
		return
	}
	if err := s.cfg.Register.Resend(r.Context(), f.ID); err != nil {
		s.registerFail(w, r, f, page, err)
		return
	}
	http.Redirect(w, r, registerJourney.entry+"?sent=1", http.StatusSeeOther)
}

func (s *Server) registerBack(w http.ResponseWriter, r *http.Request) {
	f, page, ok := s.journeyPostAny(w, r)
	if !ok {
		return
	}
	if err := s.cfg.Register.Back(r.Context(), f.ID); err != nil {
		s.registerFail(w, r, f, page, err)
		return
	}
	http.Redirect(w, r, registerJourney.entry, http.StatusSeeOther)
}

// journeyPostAny is registerStep for Back, which applies in several states
// (the transition table decides).
func (s *Server) journeyPostAny(w http.ResponseWriter, r *http.Request) (flow.Flow, *render.Page, bool) {
	f, token, ok := s.journeyPost(w, r, registerJourney)
	if !ok {
		return f, nil, false
	}
	return f, s.registerPage(f, token), true
}
