package web

import (
	"encoding/json"
	"errors"
	"fmt"
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

// The phone step of sign-in (design.md §3.3). Every POST loads the flow,
// checks CSRF and expiry, asks the journey (internal/signin) to apply one
// event and answers 303 or re-renders the current step. Which page shows is
// read off the flow's state only.

type phoneData struct {
	Masked    string
	Countries []phone.Country
	Country   string
	// ChangePhone: the flow confirms a signed-in user's new number.
	ChangePhone bool
	// Reauth: the user signs in again to change their phone; if they cannot
	// use it any more they are told to ask an administrator.
	Reauth bool
	// SMS and Call: the ways of confirming this deployment offers (a
	// channel without a provider is not shown).
	SMS, Call bool
	// Landline: Send Code is not offered because the number is a landline
	// (the page says why).
	Landline bool
	// Sent: a new code was emailed before enrolment ("We have sent you a
	// new code.").
	Sent bool
}

// renderPhoneStep shows the page for the flow's phone state.
func (s *Server) renderPhoneStep(w http.ResponseWriter, r *http.Request, f flow.Flow, token string, status int, page *render.Page) {
	if page == nil {
		page = &render.Page{}
	}
	page.Title = "Confirm your identity"
	page.CSRF = token
	data := phoneData{Masked: phone.Mask(f.Data[signin.DataPhone]), Countries: phone.Countries(), Country: phone.DefaultCountryCode,
		ChangePhone: f.Data[signin.DataPurpose] == signin.PurposeChangePhone,
		Reauth:      f.Data[signin.DataReturn] == returnAccountPhone,
		SMS:         s.cfg.Phones.CanSMSTo(f), Call: s.cfg.Phones.CanCall(),
		Landline: signin.IsLandline(f) && s.cfg.Phones.CanSMS()}
	name := "signin_confirm"
	switch signin.State(f.State) {
	case signin.StateEnrolEmail:
		name = "signin_enrol_email"
		data.Sent = r.Method == http.MethodGet && r.URL.Query().Get("sent") == "1"
	case signin.StateEnrol:
		name = "signin_enrol"
		if c := page.Value("country"); c != "" {
			data.Country = c
		}
	case signin.StateCode:
		name = "signin_code"
	case signin.StateCall:
		name = "signin_call"
	}
	page.Data = data
	s.cfg.Pages.Render(w, r, status, name, page)
}

// phoneFlow loads the flow for a POST of the phone step, checking CSRF,
// expiry and that event applies in the flow's state. It answers the request
// itself and returns false when the caller must stop.
func (s *Server) phoneFlow(w http.ResponseWriter, r *http.Request, event signin.Event) (flow.Flow, string, bool) {
	if !s.parseForm(w, r) {
		return flow.Flow{}, "", false
	}
	f, token, err := s.loadFlow(r.Context(), r)
	switch {
	case errors.Is(err, flow.ErrNotFound) && s.resumeSignin(r.Context(), w, r):
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return f, "", false
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
	case !s.ownsChange(r.Context(), r, f):
		s.notYourChange(w, r, f)
		return f, "", false
	case !signin.Can(signin.State(f.State), event):
		// A form for another step: show the current one, change nothing.
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return f, "", false
	}
	return f, token, true
}

// signinJourney lets the emailed code before enrolment share the
// registration and forgot password journeys' error pages.
var signinJourney = journey{cookie: flowCookie, kind: kindSignin, entry: "/signin", title: "Confirm your identity"}

var signinErrors = journeyErrors{badTransition: signin.ErrBadTransition}

// enrolEmailFailed answers an error of the emailed code step.
func (s *Server) enrolEmailFailed(w http.ResponseWriter, r *http.Request, f flow.Flow, token string, err error) {
	var limited *signin.RateLimitedError
	if errors.As(err, &limited) {
		s.tooManyRequests(w, r, limited)
		return
	}
	page := &render.Page{}
	s.showJourneyError(w, r, signinJourney, signinErrors, err, page, func(status int) {
		s.renderPhoneStep(w, r, f, token, status, page)
	})
}

// verifyEnrolEmail takes the code emailed to a user without a phone; the
// right one opens the phone number step.
func (s *Server) verifyEnrolEmail(w http.ResponseWriter, r *http.Request) {
	f, token, ok := s.phoneFlow(w, r, signin.EventEmailCodeOK)
	if !ok {
		return
	}
	if err := s.cfg.Phones.VerifyEnrolCode(r.Context(), f.ID, r.PostFormValue("code")); err != nil {
		s.enrolEmailFailed(w, r, f, token, err)
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// resendEnrolEmail is "Please send me a new code" before enrolment.
func (s *Server) resendEnrolEmail(w http.ResponseWriter, r *http.Request) {
	f, token, ok := s.phoneFlow(w, r, signin.EventResendEmail)
	if !ok {
		return
	}
	if err := s.cfg.Phones.ResendEnrolCode(r.Context(), f.ID); err != nil {
		s.enrolEmailFailed(w, r, f, token, err)
		return
	}
	http.Redirect(w, r, "/signin?sent=1", http.StatusSeeOther)
}

func (s *Server) submitEnrol(w http.ResponseWriter, r *http.Request) {
	f, token, ok := s.phoneFlow(w, r, signin.EventPhoneEntered)
	if !ok {
		return
	}
	country, input := r.PostFormValue("country"), r.PostFormValue("phone")
	err := s.cfg.Phones.EnterPhone(r.Context(), f.ID, input, country)
	switch {
	case errors.Is(err, phone.ErrInvalid):
		page := &render.Page{Values: map[string]string{"phone": input, "country": country}}
		page.AddError(phoneError(err), "phone")
		s.renderPhoneStep(w, r, f, token, http.StatusBadRequest, page)
		return
	case s.journeyFailed(w, r, "save phone number", err):
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (s *Server) sendCode(w http.ResponseWriter, r *http.Request) {
	f, token, ok := s.phoneFlow(w, r, signin.EventSendCode)
	if !ok {
		return
	}
	err := s.cfg.Phones.SendCode(r.Context(), f.ID)
	if errors.Is(err, signin.ErrCooldown) {
		err = nil // the code sent moments ago is still good
	}
	if s.phoneSendFailed(w, r, f, token, err) {
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (s *Server) placeCall(w http.ResponseWriter, r *http.Request) {
	f, token, ok := s.phoneFlow(w, r, signin.EventPlaceCall)
	if !ok {
		return
	}
	if s.phoneSendFailed(w, r, f, token, s.cfg.Phones.PlaceCall(r.Context(), f.ID)) {
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// phoneSendFailed answers a failed send or call and reports whether it did.
func (s *Server) phoneSendFailed(w http.ResponseWriter, r *http.Request, f flow.Flow, token string, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, signin.ErrChannelUnavailable):
		page := &render.Page{}
		page.AddError(text.ChannelUnavailable, "")
		s.renderPhoneStep(w, r, f, token, http.StatusBadRequest, page)
	case errors.Is(err, signin.ErrTooManySends):
		s.cfg.Pages.Error(w, r, http.StatusTooManyRequests, "Confirm your identity", text.TooManyRequests, "/signin")
	case errors.Is(err, notify.ErrUndeliverable):
		page := &render.Page{}
		page.AddError(text.PhoneUnavailable, "")
		s.renderPhoneStep(w, r, f, token, http.StatusBadRequest, page)
	default:
		s.journeyFailed(w, r, "send code or call", err)
	}
	return true
}

// journeyFailed answers the errors every journey step may return, and
// reports whether err was one (nil is not).
func (s *Server) journeyFailed(w http.ResponseWriter, r *http.Request, doing string, err error) bool {
	var limited *signin.RateLimitedError
	switch {
	case err == nil:
		return false
	case errors.As(err, &limited):
		s.tooManyRequests(w, r, limited)
	case errors.Is(err, signin.ErrBadTransition), errors.Is(err, flow.ErrNotFound):
		// Another request moved or ended the flow meanwhile.
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	default:
		s.serverError(w, r, doing, err)
	}
	return true
}

// tooManyRequests is the 429 page with Retry-After in whole seconds, saying
// when to try again and linking back to "Sign in".
func (s *Server) tooManyRequests(w http.ResponseWriter, r *http.Request, limited *signin.RateLimitedError) {
	secs := max(int((limited.RetryAfter+999_999_999)/1_000_000_000), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.cfg.Pages.Render(w, r, http.StatusTooManyRequests, "error", &render.Page{
		Title: "Sign in",
		Data: render.ErrorData{Heading: "Sign in", Message: text.Get(text.TooManyRequests),
			RetryIn: retryIn(secs), BackTo: "/signin"},
	})
}

// retryIn words a wait of secs seconds for a person: "1 minute", "about 4
// minutes", "about 2 hours".
func retryIn(secs int) string {
	switch m := (secs + 59) / 60; {
	case m <= 1:
		return "1 minute"
	case m < 90:
		return fmt.Sprintf("about %d minutes", m)
	default:
		return fmt.Sprintf("about %d hours", (m+59)/60)
	}
}

func (s *Server) verifyCode(w http.ResponseWriter, r *http.Request) {
	f, token, ok := s.phoneFlow(w, r, signin.EventCodeOK)
	if !ok {
		return
	}
	typed := codeDigits(r.PostFormValue("code"))
	page := &render.Page{}
	if len(typed) != 6 || strings.Trim(typed, "0123456789") != "" {
		page.AddError(text.CodeRequired, "code")
		s.renderPhoneStep(w, r, f, token, http.StatusBadRequest, page)
		return
	}
	done, err := s.cfg.Phones.VerifyCode(r.Context(), f.ID, typed)
	switch {
	case errors.Is(err, signin.ErrWrongCode), errors.Is(err, signin.ErrNoCode):
		page.AddError(text.CodeMismatch, "code")
		s.renderPhoneStep(w, r, f, token, http.StatusBadRequest, page)
		return
	case err != nil:
		s.serverError(w, r, "check code", err)
		return
	}
	s.finishSignin(w, r, done, "sms")
}

// codeDigits trims what users paste around a code: spaces and dashes.
func codeDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

type callStatus struct {
	State string `json:"state"`
}

// callStatus tells the waiting page's script how the call went (JSON).
func (s *Server) callStatus(w http.ResponseWriter, r *http.Request) {
	f, _, err := s.loadFlow(r.Context(), r)
	st := signin.CallFailed
	if now := s.cfg.Clock.Now(); err == nil && f.Valid(now) {
		st = s.cfg.Phones.CallState(f, now)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(callStatus{State: st})
}

func (s *Server) continueCall(w http.ResponseWriter, r *http.Request) {
	f, token, ok := s.phoneFlow(w, r, signin.EventCallAnswered)
	if !ok {
		return
	}
	done, err := s.cfg.Phones.FinishCall(r.Context(), f.ID)
	page := &render.Page{}
	switch {
	case err == nil:
		s.finishSignin(w, r, done, "tel")
	case errors.Is(err, signin.ErrCallPending):
		page.AddError(text.CallPending, "")
		s.renderPhoneStep(w, r, f, token, http.StatusOK, page)
	case errors.Is(err, signin.ErrCallUnavailable):
		page.AddError(text.PhoneUnavailable, "")
		s.renderPhoneStep(w, r, done, token, http.StatusBadRequest, page)
	case errors.Is(err, signin.ErrCallNotAnswered):
		page.AddError(text.CallFailed, "")
		s.renderPhoneStep(w, r, done, token, http.StatusBadRequest, page)
	default:
		s.journeyFailed(w, r, "finish call", err)
	}
}

func (s *Server) cancelSignin(w http.ResponseWriter, r *http.Request) {
	f, _, ok := s.phoneFlow(w, r, signin.EventCancel)
	if !ok {
		return
	}
	if _, err := s.cfg.Phones.Cancel(r.Context(), f.ID); s.journeyFailed(w, r, "cancel sign-in", err) {
		return
	}
	s.cookies.clear(w, flowCookie)
	if f.Data[signin.DataPurpose] == signin.PurposeChangePhone {
		http.Redirect(w, r, "/", http.StatusSeeOther) // the phone stays as it was
		return
	}
	if id := f.Data[signin.DataAuthRequest]; id != "" {
		if ar, err := s.cfg.Provider.AuthRequest(r.Context(), id); err == nil {
			http.Redirect(w, r, errorRedirect(ar, "access_denied"), http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// finishSignin runs once the journey has moved f to verified by method
// ("sms" or "tel"): a new phone is saved, the session starts with a fresh ID
// and the OIDC request is completed. Nothing before this creates a session.
func (s *Server) finishSignin(w http.ResponseWriter, r *http.Request, f flow.Flow, method string) {
	ctx := r.Context()
	if signin.State(f.State) != signin.StateVerified {
		s.serverError(w, r, "finish sign-in", errors.New("flow is not verified"))
		return
	}
	if f.Data[signin.DataPurpose] == signin.PurposeChangePhone {
		s.finishPhoneChange(w, r, f, method) // account.go: no new session
		return
	}
	userID := f.Data[signin.DataUser]
	now := s.cfg.Clock.Now()
	if f.Data[signin.DataEnrolling] == "1" {
		if err := s.cfg.Signin.EnrolPhone(ctx, userID, f.Data[signin.DataPhone], f.Data[signin.DataPhoneKind], method, now); err != nil {
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
	if ar := f.Data[signin.DataAuthRequest]; ar != "" {
		s.complete(w, r, ar, sess)
		return
	}
	http.Redirect(w, r, returnPath(f.Data[signin.DataReturn]), http.StatusSeeOther)
}

// phoneError is the message for a refused number: the hosted service's
// "Please enter a valid phone number", and what is wrong with it.
func phoneError(err error) text.ID {
	var pe *phone.Error
	if !errors.As(err, &pe) {
		return text.PhoneInvalid
	}
	switch pe.Reason {
	case phone.ReasonTooShort:
		return text.PhoneTooShort
	case phone.ReasonTooLong:
		return text.PhoneTooLong
	case phone.ReasonCharacters:
		return text.PhoneCharacters
	case phone.ReasonInvalid:
		return text.PhoneNotInUse
	case phone.ReasonNotCallable:
		return text.PhoneNotCallable
	case phone.ReasonCountry:
		return text.PhoneCountry
	}
	return text.PhoneInvalid // empty
}
