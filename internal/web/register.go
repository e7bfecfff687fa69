package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/registration"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/web/render"
)

// Register serves "Register for a new account" (design.md §3.1): the three
// steps of internal/registration under /register, a 303 after every POST,
// the page always that of the flow's stored step.
type Register struct {
	Service *registration.Service // nil: /register says registration is not available
	Policy  password.Policy       // for the "Password policy" list
	flows   selfService
}

// newRegister is the registration handler of s (web.New mounts it).
func (s *Server) newRegister() *Register {
	return &Register{Service: s.cfg.Register, Policy: s.cfg.Policy, flows: selfService{
		srv: s,
		j:   journey{cookie: "carekey_register", kind: registration.Kind, entry: "/register", title: "Register for a new account"},
		steps: map[string]string{
			string(registration.StateProfile):     "register_profile",
			string(registration.StateCredentials): "register_credentials",
			string(registration.StateVerify):      "register_verify",
		},
	}}
}

// Mount adds the registration pages to r.
func (h *Register) Mount(r *mux.Router) {
	if h.Service == nil {
		r.HandleFunc("/register", h.flows.srv.comingSoon("Create an account",
			"Registration is not available yet. Please ask the council to create your account.")).Methods(http.MethodGet)
		return
	}
	r.HandleFunc("/register", h.show).Methods(http.MethodGet)
	r.HandleFunc("/register/profile", h.profile).Methods(http.MethodPost)
	r.HandleFunc("/register/credentials", h.credentials).Methods(http.MethodPost)
	r.HandleFunc("/register/verify", h.verify).Methods(http.MethodPost)
	r.HandleFunc("/register/resend", h.resend).Methods(http.MethodPost)
	r.HandleFunc("/register/back", h.back).Methods(http.MethodPost)
}

// profileFields are step 1's inputs, in the order of the form.
func profileFields() []string {
	return []string{
		registration.FieldForename, registration.FieldSurname, registration.FieldProfessional, registration.FieldRole,
		registration.FieldOrganisation, registration.FieldStreet, registration.FieldTown, registration.FieldPostcode,
	}
}

// show shows the current step, starting a flow if there is none. A
// registration begun from a sign-in page remembers its OIDC request.
func (h *Register) show(w http.ResponseWriter, r *http.Request) {
	start := func(ctx context.Context, csrfHash []byte) (flow.Flow, error) {
		authRequest := ""
		s := h.flows.srv
		if sf, _, err := s.loadFlow(ctx, r); err == nil && sf.Valid(s.cfg.Clock.Now()) {
			authRequest = signin.DataOf(sf).AuthRequest
		}
		return h.Service.Start(ctx, csrfHash, authRequest)
	}
	h.flows.show(w, r, start, h.page)
}

// page is the page of f's step with the answers kept in the flow (never
// the password).
func (h *Register) page(f flow.Flow, token string, sent bool) *render.Page {
	page := &render.Page{Title: "Register for a new account", CSRF: token, Values: map[string]string{},
		Data: journeyData{Rules: h.Policy.Rules(), Sent: sent}}
	for _, k := range append(profileFields(), registration.FieldEmail) {
		page.Values[k] = f.Data[k]
	}
	return page
}

// step loads the flow for a POST meant for states (none: any); a form for
// another step sends the browser to the current one (changing nothing).
func (h *Register) step(w http.ResponseWriter, r *http.Request, states ...registration.State) (flow.Flow, *render.Page, bool) {
	f, token, ok := h.flows.post(w, r, stateNames(states)...)
	if !ok {
		return f, nil, false
	}
	return f, h.page(f, token, false), true
}

func (h *Register) profile(w http.ResponseWriter, r *http.Request) {
	f, page, ok := h.step(w, r, registration.StateProfile)
	if !ok {
		return
	}
	for _, k := range profileFields() {
		page.Values[k] = r.PostFormValue(k)
	}
	p := registration.Profile{
		Forename: page.Values[registration.FieldForename], Surname: page.Values[registration.FieldSurname],
		Professional: page.Values[registration.FieldProfessional], Role: page.Values[registration.FieldRole],
		Organisation: page.Values[registration.FieldOrganisation], Street: page.Values[registration.FieldStreet],
		Town: page.Values[registration.FieldTown], Postcode: page.Values[registration.FieldPostcode],
	}
	h.flows.answer(w, r, f, page, h.Service.SubmitProfile(r.Context(), f.ID, p, clientIP(r)), "")
}

func (h *Register) credentials(w http.ResponseWriter, r *http.Request) {
	f, page, ok := h.step(w, r, registration.StateCredentials)
	if !ok {
		return
	}
	page.Values[registration.FieldEmail] = r.PostFormValue(registration.FieldEmail)
	err := h.Service.SubmitCredentials(r.Context(), f.ID, registration.Credentials{
		Email:    r.PostFormValue(registration.FieldEmail),
		Password: r.PostFormValue(registration.FieldPassword),
		Confirm:  r.PostFormValue(registration.FieldConfirm),
	})
	h.flows.answer(w, r, f, page, err, "")
}

func (h *Register) verify(w http.ResponseWriter, r *http.Request) {
	f, page, ok := h.step(w, r, registration.StateVerify)
	if !ok {
		return
	}
	done, err := h.Service.SubmitCode(r.Context(), f.ID, r.PostFormValue(registration.FieldCode), clientIP(r))
	if err != nil {
		h.flows.answer(w, r, f, page, err, "")
		return
	}
	s := h.flows.srv
	s.cookies.clear(w, h.flows.j.cookie)
	s.cookies.set(w, noticeCookie, noticeRegistered, 5*time.Minute)
	if done.AuthRequest != "" {
		// Sign in for the request the registration remembered, straight
		// away: through /login again, a request with prompt=create would
		// open registration once more.
		if err := s.startFlow(r.Context(), w, done.AuthRequest, ""); err != nil {
			s.serverError(w, r, "start sign-in flow", err)
			return
		}
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (h *Register) resend(w http.ResponseWriter, r *http.Request) {
	f, page, ok := h.step(w, r, registration.StateVerify)
	if !ok {
		return
	}
	h.flows.answer(w, r, f, page, h.Service.Resend(r.Context(), f.ID), "sent=1")
}

// back applies in several states: the transition table decides.
func (h *Register) back(w http.ResponseWriter, r *http.Request) {
	f, page, ok := h.step(w, r)
	if !ok {
		return
	}
	h.flows.answer(w, r, f, page, h.Service.Back(r.Context(), f.ID), "")
}
