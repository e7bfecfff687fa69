package web

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/recovery"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/pkg/text"
)

// Recovery serves "Forgot your password?" (design.md §3.4): the steps of
// internal/recovery under /forgot-password, a 303 after every POST, the
// page always that of the flow's stored step.
type Recovery struct {
	Service *recovery.Service // nil: /forgot-password says reset is not available
	flows   selfService[recovery.State]
}

// newRecovery is the forgotten-password handler of s (web.New mounts it).
func (s *Server) newRecovery() *Recovery {
	return &Recovery{Service: s.cfg.Recovery, flows: selfService[recovery.State]{srv: s, page: recoveryPage,
		j: journey{cookie: "carekey_recovery", kind: recovery.Kind, entry: "/forgot-password", title: text.TitleForgotPassword,
			soon: [2]text.ID{text.TitleForgotPassword, text.RecoverySoon}},
		steps: map[recovery.State]string{recovery.StateEmail: "forgot_email", recovery.StateVerify: "forgot_verify", recovery.StatePassword: "forgot_password"},
	}}
}

// Mount adds the forgotten-password pages to r.
func (h *Recovery) Mount(r *mux.Router) {
	svc := h.Service
	h.flows.mount(r, svc != nil, func(w http.ResponseWriter, r *http.Request) { h.flows.show(w, r, svc.Start) },
		map[string]http.HandlerFunc{
			"email": h.email,
			"verify": h.flows.do(func(r *http.Request, id string) error {
				return svc.SubmitCode(r.Context(), id, r.PostFormValue(recovery.FieldCode))
			}, "", recovery.StateVerify),
			"resend":   h.flows.do(func(r *http.Request, id string) error { return svc.Resend(r.Context(), id) }, "sent=1", recovery.StateVerify),
			"back":     h.flows.do(func(r *http.Request, id string) error { return svc.Back(r.Context(), id) }, "", recovery.StateVerify),
			"password": h.password,
		})
	if svc != nil {
		r.HandleFunc("/forgot-password/done", h.done).Methods(http.MethodGet)
	}
}

// recoveryPage is the page of f's step, with the address kept in the flow.
func recoveryPage(f flow.Flow) *render.Page {
	return &render.Page{Values: map[string]string{recovery.FieldEmail: f.Data[recovery.FieldEmail]}}
}

func (h *Recovery) email(w http.ResponseWriter, r *http.Request) {
	f, page, ok := h.flows.step(w, r, recovery.StateEmail)
	if !ok {
		return
	}
	page.Values[recovery.FieldEmail] = r.PostFormValue(recovery.FieldEmail)
	h.flows.answer(w, r, f, page, h.Service.SubmitEmail(r.Context(), f.ID, r.PostFormValue(recovery.FieldEmail)), "")
}

func (h *Recovery) password(w http.ResponseWriter, r *http.Request) {
	f, page, ok := h.flows.step(w, r, recovery.StatePassword)
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
		Title: text.TitlePasswordChanged,
		Data:  render.ErrorData{Heading: text.TitlePasswordChanged, Message: text.M(text.PasswordChangedDone), StartAgain: "/signin"},
	})
}
