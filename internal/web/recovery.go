package web

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/recovery"
	"github.com/carekey/carekey/internal/text"
	"github.com/carekey/carekey/internal/web/render"
)

// Recovery serves "Forgot your password?" (design.md §3.4): the steps of
// internal/recovery under /forgot-password, a 303 after every POST, the
// page always that of the flow's stored step.
type Recovery struct {
	Service *recovery.Service // nil: /forgot-password says reset is not available
	Policy  password.Policy   // for the "Password policy" list
	flows   selfService
}

// newRecovery is the forgotten-password handler of s (web.New mounts it).
func (s *Server) newRecovery() *Recovery {
	return &Recovery{Service: s.cfg.Recovery, Policy: s.cfg.Policy, flows: selfService{
		srv: s,
		j:   journey{cookie: "carekey_recovery", kind: recovery.Kind, entry: "/forgot-password", title: "Forgot your password?"},
		steps: map[string]string{
			string(recovery.StateEmail):    "forgot_email",
			string(recovery.StateVerify):   "forgot_verify",
			string(recovery.StatePassword): "forgot_password",
		},
	}}
}

// Mount adds the forgotten-password pages to r.
func (h *Recovery) Mount(r *mux.Router) {
	if h.Service == nil {
		r.HandleFunc("/forgot-password", h.flows.srv.comingSoon("Forgot your password?",
			"Password reset is not available yet. Please contact the council to reset your password.")).Methods(http.MethodGet)
		return
	}
	r.HandleFunc("/forgot-password", h.show).Methods(http.MethodGet)
	r.HandleFunc("/forgot-password/email", h.email).Methods(http.MethodPost)
	r.HandleFunc("/forgot-password/verify", h.verify).Methods(http.MethodPost)
	r.HandleFunc("/forgot-password/resend", h.resend).Methods(http.MethodPost)
	r.HandleFunc("/forgot-password/back", h.back).Methods(http.MethodPost)
	r.HandleFunc("/forgot-password/password", h.password).Methods(http.MethodPost)
	r.HandleFunc("/forgot-password/done", h.done).Methods(http.MethodGet)
}

// show shows the current step, starting a flow if there is none.
func (h *Recovery) show(w http.ResponseWriter, r *http.Request) {
	h.flows.show(w, r, h.Service.Start, h.page)
}

// page is the page of f's step, with the address kept in the flow.
func (h *Recovery) page(f flow.Flow, token string, sent bool) *render.Page {
	return &render.Page{
		Title: "Forgot your password?", CSRF: token,
		Values: map[string]string{recovery.FieldEmail: f.Data[recovery.FieldEmail]},
		Data:   journeyData{Rules: h.Policy.Rules(), Sent: sent},
	}
}

// step loads the flow for a POST meant for state; a form for another step
// sends the browser to the current one (changing nothing).
func (h *Recovery) step(w http.ResponseWriter, r *http.Request, state recovery.State) (flow.Flow, *render.Page, bool) {
	f, token, ok := h.flows.post(w, r, string(state))
	if !ok {
		return f, nil, false
	}
	return f, h.page(f, token, false), true
}

func (h *Recovery) email(w http.ResponseWriter, r *http.Request) {
	f, page, ok := h.step(w, r, recovery.StateEmail)
	if !ok {
		return
	}
	page.Values[recovery.FieldEmail] = r.PostFormValue(recovery.FieldEmail)
	h.flows.answer(w, r, f, page, h.Service.SubmitEmail(r.Context(), f.ID, r.PostFormValue(recovery.FieldEmail)), "")
}

func (h *Recovery) verify(w http.ResponseWriter, r *http.Request) {
	f, page, ok := h.step(w, r, recovery.StateVerify)
	if !ok {
		return
	}
	h.flows.answer(w, r, f, page, h.Service.SubmitCode(r.Context(), f.ID, r.PostFormValue(recovery.FieldCode)), "")
}

func (h *Recovery) resend(w http.ResponseWriter, r *http.Request) {
	f, page, ok := h.step(w, r, recovery.StateVerify)
	if !ok {
		return
	}
	h.flows.answer(w, r, f, page, h.Service.Resend(r.Context(), f.ID), "sent=1")
}

func (h *Recovery) back(w http.ResponseWriter, r *http.Request) {
	f, page, ok := h.step(w, r, recovery.StateVerify)
	if !ok {
		return
	}
	h.flows.answer(w, r, f, page, h.Service.Back(r.Context(), f.ID), "")
}

func (h *Recovery) password(w http.ResponseWriter, r *http.Request) {
	f, page, ok := h.step(w, r, recovery.StatePassword)
	if !ok {
		return
	}
	err := h.Service.SubmitPassword(r.Context(), f.ID, r.PostFormValue(recovery.FieldPassword), r.PostFormValue(recovery.FieldConfirm))
	if err != nil {
		h.flows.answer(w, r, f, page, err, "")
		return
	}
	h.flows.srv.cookies.clear(w, h.flows.j.cookie)
	http.Redirect(w, r, "/forgot-password/done", http.StatusSeeOther)
}

func (h *Recovery) done(w http.ResponseWriter, r *http.Request) {
	h.flows.srv.cfg.Pages.Render(w, r, http.StatusOK, "forgot_done", &render.Page{
		Title: "Your password has been changed",
		Data:  render.ErrorData{Heading: "Your password has been changed", Message: text.Get(text.PasswordChangedDone), StartAgain: "/signin"},
	})
}
