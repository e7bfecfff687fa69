package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/phone"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/pkg/text"
)

// The phone step of sign-in (design.md §3.3). Every POST loads the flow,
// checks CSRF, asks the journey (internal/signin) to apply one event
// (signin.Journey.Step checks the transition and the flow's expiry) and
// answers 303 or re-renders the current step from the flow Step returns.
// Which page shows is read off the flow's state only.

type phoneData struct {
	Masked    string
	Countries []phone.Country
	Country   string
	// ChangePhone: the flow confirms a signed-in user's new number.
	ChangePhone bool
	// Reauth: the user signs in again to change their phone; if they cannot
	// use it any more they are told to ask an administrator.
	Reauth bool
	// ReauthApp: the user signs in again (with the phone) to set up or
	// remove the authenticator app.
	ReauthApp bool
	// App: "Use your authenticator app" is offered.
	App bool
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
func (h *signinHandler) renderPhoneStep(w http.ResponseWriter, r *http.Request, f flow.Flow, token string, status int, page *render.Page) {
	if page == nil {
		page = &render.Page{}
	}
	page.Title = text.TitleConfirmIdentity
	page.CSRF = token
	d := signin.DataOf(f)
	data := phoneData{Masked: phone.Mask(d.Phone), Countries: phone.Countries(), Country: phone.DefaultCountryCode,
		ChangePhone: d.ChangePhone,
		Reauth:      d.Return == returnAccountPhone,
		ReauthApp:   d.Return == returnAccountApp,
		App:         h.Journey.CanUseApp(f),
		SMS:         h.Journey.CanSMSTo(f), Call: h.Journey.CanCall(),
		Landline: signin.IsLandline(f) && h.Journey.CanSMS()}
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
	case signin.StateApp:
		name = "signin_app"
	}
	page.Data = data
	h.cfg.Pages.Render(w, r, status, name, page)
}

// renderError re-renders the current step of res's flow with message id
// (on field, or at the top when field is "") and status.
func (h *signinHandler) renderError(w http.ResponseWriter, r *http.Request, res stepped, status int, id text.ID, field string) {
	page := &render.Page{}
	page.AddError(id, field)
	h.renderPhoneStep(w, r, res.out.Flow, res.token, status, page)
}

// signinJourney lets the emailed code before enrolment share the
// registration and forgot password journeys' error pages.
var signinJourney = journey{cookie: flowCookie, kind: signin.Kind, entry: "/signin", title: text.TitleConfirmIdentity}

var signinErrors = journeyErrors{badTransition: flow.ErrTransition, expired: signin.ErrExpired}

// enrolEmail answers a step at the emailed code before enrolment: on to
// next, or the error on the code's page.
func (h *signinHandler) enrolEmail(w http.ResponseWriter, r *http.Request, res stepped, next string) {
	var limited *ratelimit.LimitedError
	switch {
	case res.err == nil:
		http.Redirect(w, r, next, http.StatusSeeOther)
	case errors.As(res.err, &limited):
		h.tooManyRequests(w, r, limited)
	default:
		page := &render.Page{}
		h.showJourneyError(w, r, signinJourney, signinErrors, res.err, page, func(status int) {
			h.renderPhoneStep(w, r, res.out.Flow, res.token, status, page)
		})
	}
}

// verifyEnrolEmail takes the code emailed to a user without a phone; the
// right one opens the phone number step.
func (h *signinHandler) verifyEnrolEmail(w http.ResponseWriter, r *http.Request) {
	res, ok := h.step(w, r, func() signin.Action {
		return signin.Action{Event: signin.EventEmailCodeOK, Code: r.PostFormValue("code")}
	})
	if ok {
		h.enrolEmail(w, r, res, "/signin")
	}
}

// resendEnrolEmail is "Please send me a new code" before enrolment.
func (h *signinHandler) resendEnrolEmail(w http.ResponseWriter, r *http.Request) {
	if res, ok := h.step(w, r, event(signin.EventResendEmail)); ok {
		h.enrolEmail(w, r, res, "/signin?sent=1")
	}
}

func (h *signinHandler) submitEnrol(w http.ResponseWriter, r *http.Request) {
	var country, input string
	res, ok := h.step(w, r, func() signin.Action {
		country, input = r.PostFormValue("country"), r.PostFormValue("phone")
		return signin.Action{Event: signin.EventPhoneEntered, Phone: input, Country: country}
	})
	switch {
	case !ok:
	case errors.Is(res.err, phone.ErrInvalid):
		page := &render.Page{Values: map[string]string{"phone": input, "country": country}}
		page.AddError(phoneError(res.err), "phone")
		h.renderPhoneStep(w, r, res.out.Flow, res.token, http.StatusBadRequest, page)
	case res.err != nil:
		h.signinFailed(w, r, "save phone number", res.err)
	default:
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	}
}

// sendCode is Send Code (or send a new code); within the cooldown the code
// sent moments ago is still good and nothing is sent.
func (h *signinHandler) sendCode(w http.ResponseWriter, r *http.Request) {
	if res, ok := h.step(w, r, event(signin.EventSendCode)); ok {
		h.sent(w, r, res)
	}
}

func (h *signinHandler) placeCall(w http.ResponseWriter, r *http.Request) {
	if res, ok := h.step(w, r, event(signin.EventPlaceCall)); ok {
		h.sent(w, r, res)
	}
}

// sent answers a send or a call: on to the step, or why it was not made.
func (h *signinHandler) sent(w http.ResponseWriter, r *http.Request, res stepped) {
	switch err := res.err; {
	case err == nil:
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	case errors.Is(err, signin.ErrChannelUnavailable):
		h.renderError(w, r, res, http.StatusBadRequest, text.ChannelUnavailable, "")
	case errors.Is(err, signin.ErrTooManySends):
		h.cfg.Pages.Error(w, r, http.StatusTooManyRequests, text.TitleConfirmIdentity, text.TooManyRequests, "/signin")
	case errors.Is(err, notify.ErrUndeliverable):
		h.renderError(w, r, res, http.StatusBadRequest, text.PhoneUnavailable, "")
	default:
		h.signinFailed(w, r, "send code or call", err)
	}
}

// signinFailed answers the errors any sign-in step may return: 429, the
// flow moved or ended meanwhile (303 to the current step), expired (410),
// not this browser's phone change (403), else a server error.
func (h *signinHandler) signinFailed(w http.ResponseWriter, r *http.Request, doing string, err error) {
	var limited *ratelimit.LimitedError
	switch {
	case errors.As(err, &limited):
		h.tooManyRequests(w, r, limited)
	case errors.Is(err, flow.ErrTransition), errors.Is(err, flow.ErrNotFound):
		// Another request moved or ended the flow meanwhile.
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	case errors.Is(err, signin.ErrExpired):
		h.expired(w, r)
	default:
		h.serverError(w, r, doing, err)
	}
}

// tooManyRequests is the 429 page with Retry-After in whole seconds, saying
// when to try again and linking back to "Sign in".
func (s *Server) tooManyRequests(w http.ResponseWriter, r *http.Request, limited *ratelimit.LimitedError) {
	secs := max(int((limited.RetryAfter+999_999_999)/1_000_000_000), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.cfg.Pages.Render(w, r, http.StatusTooManyRequests, "error", &render.Page{
		Title: text.TitleSignIn,
		Data: render.ErrorData{Heading: text.TitleSignIn, Message: text.M(text.TooManyRequests),
			RetryIn: retryIn(secs), BackTo: "/signin"},
	})
}

// retryIn words a wait of secs seconds for a person: "1 minute", "about 4
// minutes", "about 2 hours".
func retryIn(secs int) *text.Message {
	var m text.Message
	switch mins := (secs + 59) / 60; {
	case mins <= 1:
		m = text.M(text.WaitOneMinute)
	case mins < 90:
		m = text.M(text.WaitMinutes, mins)
	default:
		m = text.M(text.WaitHours, (mins+59)/60)
	}
	return &m
}

// verifyCode takes the SMS code; the right one finishes the sign-in (or the
// phone change).
func (h *signinHandler) verifyCode(w http.ResponseWriter, r *http.Request) {
	h.checkCode(w, r, signin.EventCodeOK, text.CodeMismatch, signin.ErrWrongCode, signin.ErrNoCode)
}

// checkCode takes a code typed for event e: the right one finishes the
// sign-in; an error in wrong is shown in the words of mismatch.
func (h *signinHandler) checkCode(w http.ResponseWriter, r *http.Request, e signin.Event, mismatch text.ID, wrong ...error) {
	res, ok := h.step(w, r, func() signin.Action {
		return signin.Action{Event: e, Code: r.PostFormValue("code")}
	})
	var inv *text.Invalid
	switch err := res.err; {
	case !ok:
	case errors.As(err, &inv):
		page := &render.Page{}
		addInvalid(page, inv)
		h.renderPhoneStep(w, r, res.out.Flow, res.token, http.StatusBadRequest, page)
	case slices.ContainsFunc(wrong, func(target error) bool { return errors.Is(err, target) }):
		h.renderError(w, r, res, http.StatusBadRequest, mismatch, "code")
	case errors.Is(err, signin.ErrNoApp):
		h.renderError(w, r, res, http.StatusBadRequest, text.ChannelUnavailable, "")
	case err != nil:
		h.signinFailed(w, r, "check code", err)
	default:
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	}
}

type callStatus struct {
	State string `json:"state"`
}

// callStatus tells the waiting page's script how the call went (JSON).
func (h *signinHandler) callStatus(w http.ResponseWriter, r *http.Request) {
	f, _, err := h.loadFlow(r.Context(), r)
	st := signin.CallFailed
	if err == nil {
		st = h.Journey.CallState(f, h.cfg.Clock.Now())
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(callStatus{State: st})
}

// continueCall is Continue after Call Me: # pressed finishes the sign-in.
func (h *signinHandler) continueCall(w http.ResponseWriter, r *http.Request) {
	res, ok := h.step(w, r, event(signin.EventCallAnswered))
	switch err := res.err; {
	case !ok:
	case errors.Is(err, signin.ErrCallPending):
		h.renderError(w, r, res, http.StatusOK, text.CallPending, "")
	case errors.Is(err, signin.ErrCallUnavailable):
		h.renderError(w, r, res, http.StatusBadRequest, text.PhoneUnavailable, "")
	case errors.Is(err, signin.ErrCallNotAnswered):
		h.renderError(w, r, res, http.StatusBadRequest, text.CallFailed, "")
	case err != nil:
		h.signinFailed(w, r, "finish call", err)
	default:
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	}
}

func (h *signinHandler) cancelSignin(w http.ResponseWriter, r *http.Request) {
	if res, ok := h.step(w, r, event(signin.EventCancel)); ok {
		if res.err != nil {
			h.signinFailed(w, r, "cancel sign-in", res.err)
			return
		}
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	}
}

// cancelled answers a cancelled flow f: a phone change goes home, a
// sign-in for a relying party back to it with access_denied.
func (h *signinHandler) cancelled(w http.ResponseWriter, r *http.Request, f flow.Flow) {
	h.cookies.clear(w, flowCookie)
	d := signin.DataOf(f)
	if d.ChangePhone {
		http.Redirect(w, r, "/", http.StatusSeeOther) // the phone stays as it was
		return
	}
	if d.AuthRequest != "" {
		if ar, err := h.cfg.Provider.AuthRequest(r.Context(), d.AuthRequest); err == nil {
			http.Redirect(w, r, errorRedirect(ar, "access_denied"), http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
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
