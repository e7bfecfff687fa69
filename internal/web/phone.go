package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/phone"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/text"
	"github.com/carekey/carekey/internal/web/render"
)

// Sign-in flow states after the password (design.md §3.3). Every sign-in
// passes through the phone step; a session exists only after it.
const (
	stateEnrol   = "enrol"   // no phone yet: enter one
	stateConfirm = "confirm" // "Confirm your identity": Send Code, Call Me, Cancel
	stateCode    = "code"    // a code was sent by SMS
	stateCall    = "call"    // a call was placed
)

// Flow data keys.
const (
	dataUser      = "user"      // user ID, set when the password was right
	dataPhone     = "phone"     // E.164 number being confirmed
	dataEnrolling = "enrolling" // "1" when the number is new (first sign-in)
)

type phoneData struct {
	Masked    string
	Countries []phone.Country
	Country   string
}

// afterPassword moves the flow to the phone step for user u.
func (s *Server) afterPassword(ctx context.Context, flowID, userID, userPhone string) error {
	_, err := s.cfg.Flows.Update(ctx, flowID, func(f *flow.Flow) error {
		f.Set(dataUser, userID)
		if userPhone == "" {
			f.State = stateEnrol
			return nil
		}
		f.Set(dataPhone, userPhone)
		f.State = stateConfirm
		return nil
	})
	return err
}

// renderPhoneStep shows the page for the flow's phone state.
func (s *Server) renderPhoneStep(w http.ResponseWriter, r *http.Request, f flow.Flow, token string, status int, page *render.Page) {
	if page == nil {
		page = &render.Page{}
	}
	page.Title = "Confirm your identity"
	page.CSRF = token
	data := phoneData{Masked: phone.Mask(f.Data[dataPhone]), Countries: phone.Countries(), Country: phone.DefaultCountryCode}
	page.Data = data
	name := "signin_confirm"
	switch f.State {
	case stateEnrol:
		name = "signin_enrol"
		if c := page.Value("country"); c != "" {
			data.Country = c
			page.Data = data
		}
	case stateCode:
		name = "signin_code"
	case stateCall:
		name = "signin_call"
	}
	s.cfg.Pages.Render(w, r, status, name, page)
}

// phoneFlow loads the flow for a POST of the phone step, checking CSRF,
// expiry and that the flow is in one of states. It answers the request itself
// and returns false when the caller must stop.
func (s *Server) phoneFlow(w http.ResponseWriter, r *http.Request, states ...string) (flow.Flow, string, bool) {
	if !s.parseForm(w, r) {
		return flow.Flow{}, "", false
	}
	f, token, err := s.loadFlow(r.Context(), r)
	switch {
	case errors.Is(err, flow.ErrNotFound):
		s.cfg.Pages.Error(w, r, http.StatusForbidden, "Sign in", text.FormOutOfDate, "/signin")
		return f, "", false
	case err != nil:
		s.serverError(w, r, "load sign-in flow", err)
		return f, "", false
	case !secret.Equal(r.PostFormValue("csrf_token"), token):
		s.cfg.Pages.Error(w, r, http.StatusForbidden, "Sign in", text.FormOutOfDate, "/signin")
		return f, "", false
	case !f.Valid(s.cfg.Clock.Now()):
		s.expired(w, r)
		return f, "", false
	}
	for _, st := range states {
		if f.State == st {
			return f, token, true
		}
	}
	// A form for another step: show the current one, change nothing.
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return f, "", false
}

func (s *Server) submitEnrol(w http.ResponseWriter, r *http.Request) {
	f, token, ok := s.phoneFlow(w, r, stateEnrol)
	if !ok {
		return
	}
	country := r.PostFormValue("country")
	input := r.PostFormValue("phone")
	n, err := phone.Parse(input, country)
	if err != nil {
		page := &render.Page{Values: map[string]string{"phone": input, "country": country}}
		page.AddError(text.PhoneInvalid, "phone")
		s.renderPhoneStep(w, r, f, token, http.StatusBadRequest, page)
		return
	}
	_, err = s.cfg.Flows.Update(r.Context(), f.ID, func(f *flow.Flow) error {
		if f.State != stateEnrol {
			return nil
		}
		f.Set(dataPhone, n.E164)
		f.Set(dataEnrolling, "1")
		f.State = stateConfirm
		return nil
	})
	if err != nil {
		s.serverError(w, r, "save phone number", err)
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (s *Server) sendCode(w http.ResponseWriter, r *http.Request) {
	f, token, ok := s.phoneFlow(w, r, stateConfirm, stateCode, stateCall)
	if !ok {
		return
	}
	err := s.cfg.Phones.SendCode(r.Context(), f.ID, f.Data[dataPhone])
	if errors.Is(err, signin.ErrCooldown) {
		err = nil // the code sent moments ago is still good
	}
	if s.phoneSendFailed(w, r, f, token, err) {
		return
	}
	s.setState(w, r, f.ID, stateCode)
}

func (s *Server) placeCall(w http.ResponseWriter, r *http.Request) {
	f, token, ok := s.phoneFlow(w, r, stateConfirm, stateCode, stateCall)
	if !ok {
		return
	}
	if s.phoneSendFailed(w, r, f, token, s.cfg.Phones.PlaceCall(r.Context(), f.ID, f.Data[dataPhone])) {
		return
	}
	s.setState(w, r, f.ID, stateCall)
}

// phoneSendFailed answers a failed send or call and reports whether it did.
func (s *Server) phoneSendFailed(w http.ResponseWriter, r *http.Request, f flow.Flow, token string, err error) bool {
	var limited *signin.RateLimitedError
	switch {
	case err == nil:
		return false
	case errors.As(err, &limited):
		w.Header().Set("Retry-After", strconv.Itoa(int(limited.RetryAfter.Seconds())+1))
		s.cfg.Pages.Error(w, r, http.StatusTooManyRequests, "Confirm your identity", text.TooManyRequests, "")
	case errors.Is(err, signin.ErrTooManySends):
		s.cfg.Pages.Error(w, r, http.StatusTooManyRequests, "Confirm your identity", text.TooManyRequests, "/signin")
	case errors.Is(err, notify.ErrUndeliverable):
		page := &render.Page{}
		page.AddError(text.PhoneUnavailable, "")
		s.renderPhoneStep(w, r, f, token, http.StatusBadRequest, page)
	default:
		s.serverError(w, r, "send code or call", err)
	}
	return true
}

func (s *Server) setState(w http.ResponseWriter, r *http.Request, flowID, state string) {
	_, err := s.cfg.Flows.Update(r.Context(), flowID, func(f *flow.Flow) error {
		f.State = state
		return nil
	})
	if err != nil {
		s.serverError(w, r, "update sign-in flow", err)
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (s *Server) verifyCode(w http.ResponseWriter, r *http.Request) {
	f, token, ok := s.phoneFlow(w, r, stateCode)
	if !ok {
		return
	}
	typed := secret.NormalizeCode(r.PostFormValue("code"))
	page := &render.Page{}
	if len(typed) != 6 || strings.Trim(typed, "0123456789") != "" {
		page.AddError(text.CodeRequired, "code")
		s.renderPhoneStep(w, r, f, token, http.StatusBadRequest, page)
		return
	}
	err := s.cfg.Phones.VerifyCode(r.Context(), f.ID, typed)
	switch {
	case errors.Is(err, signin.ErrWrongCode), errors.Is(err, signin.ErrNoCode):
		page.AddError(text.CodeMismatch, "code")
		s.renderPhoneStep(w, r, f, token, http.StatusBadRequest, page)
		return
	case err != nil:
		s.serverError(w, r, "check code", err)
		return
	}
	s.finishSignin(w, r, f, "sms")
}

type callStatus struct {
	State string `json:"state"`
}

// callStatus tells the waiting page's script how the call went.
func (s *Server) callStatus(w http.ResponseWriter, r *http.Request) {
	f, _, err := s.loadFlow(r.Context(), r)
	st := "failed"
	if err == nil && f.Valid(s.cfg.Clock.Now()) && f.State == stateCall {
		st = f.Data[signin.DataCallState]
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(callStatus{State: st})
}

func (s *Server) continueCall(w http.ResponseWriter, r *http.Request) {
	f, token, ok := s.phoneFlow(w, r, stateCall)
	if !ok {
		return
	}
	switch f.Data[signin.DataCallState] {
	case "verified":
		s.finishSignin(w, r, f, "tel")
	case "failed":
		page := &render.Page{}
		page.AddError(text.CallFailed, "")
		f.State = stateConfirm
		if _, err := s.cfg.Flows.Update(r.Context(), f.ID, func(fl *flow.Flow) error { fl.State = stateConfirm; return nil }); err != nil {
			s.serverError(w, r, "update sign-in flow", err)
			return
		}
		s.renderPhoneStep(w, r, f, token, http.StatusBadRequest, page)
	default:
		page := &render.Page{}
		page.AddError(text.CallPending, "")
		s.renderPhoneStep(w, r, f, token, http.StatusOK, page)
	}
}

func (s *Server) cancelSignin(w http.ResponseWriter, r *http.Request) {
	f, _, ok := s.phoneFlow(w, r, statePassword, stateEnrol, stateConfirm, stateCode, stateCall)
	if !ok {
		return
	}
	if err := s.cfg.Flows.Delete(r.Context(), f.ID); err != nil {
		s.serverError(w, r, "cancel sign-in", err)
		return
	}
	s.cookies.clear(w, flowCookie)
	if id := f.Data["auth_request"]; id != "" {
		if ar, err := s.cfg.Provider.AuthRequest(r.Context(), id); err == nil {
			http.Redirect(w, r, errorRedirect(ar, "access_denied"), http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// finishSignin runs once the phone is confirmed by method ("sms" or "tel"):
// a new phone is saved, the session starts with a fresh ID and the OIDC
// request is completed.
func (s *Server) finishSignin(w http.ResponseWriter, r *http.Request, f flow.Flow, method string) {
	ctx := r.Context()
	userID := f.Data[dataUser]
	now := s.cfg.Clock.Now()
	if f.Data[dataEnrolling] == "1" {
		if err := s.cfg.Signin.EnrolPhone(ctx, userID, f.Data[dataPhone], method, now); err != nil {
			s.serverError(w, r, "save enrolled phone", err)
			return
		}
	}
	if err := s.cfg.Signin.SecondFactorOK(ctx, userID, method, clientIP(r)); err != nil {
		s.cfg.Logger.WarnContext(ctx, "audit second factor", "err", err)
	}
	sess, err := s.newSession(ctx, w, userID, []string{"pwd", method, "mfa"})
	if err != nil {
		s.serverError(w, r, "create session", err)
		return
	}
	if err := s.cfg.Flows.Delete(ctx, f.ID); err != nil {
		s.cfg.Logger.WarnContext(ctx, "delete finished flow", "flow", f.ID, "err", err)
	}
	s.cookies.clear(w, flowCookie)
	if ar := f.Data["auth_request"]; ar != "" {
		s.complete(w, r, ar, sess)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
