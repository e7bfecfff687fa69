package web

import (
	"context"
	"github.com/carekey/carekey/pkg/text"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/registration"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/web/render"
)

// Register serves "Register for a new account" (design.md §3.1): the three
// steps of internal/registration under /register, a 303 after every POST,
// the page always that of the flow's stored step.
type Register struct {
	Service *registration.Service // nil: /register says registration is not available
	flows   selfService[registration.State]
}

// newRegister is the registration handler of s (web.New mounts it).
func (s *Server) newRegister() *Register {
	return &Register{Service: s.cfg.Register, flows: selfService[registration.State]{srv: s, page: registerPage,
		j: journey{cookie: "carekey_register", kind: registration.Kind, entry: "/register", title: text.TitleRegister,
			soon: [2]text.ID{text.TitleCreateAccount, text.RegistrationSoon}},
		steps: map[registration.State]string{
			registration.StateProfile: "register_profile", registration.StateCredentials: "register_credentials", registration.StateVerify: "register_verify"},
	}}
}

// Mount adds the registration pages to r. Back applies in several states:
// the transition table decides.
func (h *Register) Mount(r *mux.Router) {
	svc := h.Service
	h.flows.mount(r, svc != nil, h.show, map[string]http.HandlerFunc{
		"profile":     h.profile,
		"credentials": h.credentials,
		"verify":      h.verify,
		"resend":      h.flows.do(func(r *http.Request, id string) error { return svc.Resend(r.Context(), id) }, "sent=1", registration.StateVerify),
		"back":        h.flows.do(func(r *http.Request, id string) error { return svc.Back(r.Context(), id) }, ""),
	})
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
	h.flows.show(w, r, start)
}

// registerPage is the page of f's step with the answers kept in the flow
// (never the password).
func registerPage(f flow.Flow) *render.Page {
	page := &render.Page{Values: map[string]string{}}
	for _, k := range append(profileFields(), registration.FieldEmail) {
		page.Values[k] = f.Data[k]
	}
	return page
}

func (h *Register) profile(w http.ResponseWriter, r *http.Request) {
	f, page, ok := h.flows.step(w, r, registration.StateProfile)
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
	f, page, ok := h.flows.step(w, r, registration.StateCredentials)
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
	f, page, ok := h.flows.step(w, r, registration.StateVerify)
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
