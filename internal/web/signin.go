package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/clientip"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/oidcop"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/pkg/text"
)

// signinHandler serves the sign-in pages: /login (the OIDC provider's
// LoginURL), "Sign in" and the phone steps (phone.go). Each POST loads the
// flow once, asks the journey to apply one event (signin.Journey.Step, which
// owns the flow's lifecycle: transitions, expiry, the session at the end)
// and answers 303 or renders the page read off the flow Step returns. The
// embedded Server gives the cookies, pages and shared error pages.
type signinHandler struct {
	Journey *signin.Journey
	*Server
}

// Mount adds the sign-in routes to r.
func (h *signinHandler) Mount(r *mux.Router) {
	r.HandleFunc("/login", h.login).Methods(http.MethodGet)
	r.HandleFunc("/signin", h.showSignin).Methods(http.MethodGet)
	r.HandleFunc("/signin", h.submitSignin).Methods(http.MethodPost)
	r.HandleFunc("/signin/email/verify", h.verifyEnrolEmail).Methods(http.MethodPost)
	r.HandleFunc("/signin/email/resend", h.resendEnrolEmail).Methods(http.MethodPost)
	r.HandleFunc("/signin/email/back", h.cancelSignin).Methods(http.MethodPost)
	r.HandleFunc("/signin/enrol", h.submitEnrol).Methods(http.MethodPost)
	r.HandleFunc("/signin/send-code", h.sendCode).Methods(http.MethodPost)
	r.HandleFunc("/signin/verify", h.verifyCode).Methods(http.MethodPost)
	r.HandleFunc("/signin/call", h.placeCall).Methods(http.MethodPost)
	r.HandleFunc("/signin/call-status", h.callStatus).Methods(http.MethodGet)
	r.HandleFunc("/signin/continue", h.continueCall).Methods(http.MethodPost)
	r.HandleFunc("/signin/cancel", h.cancelSignin).Methods(http.MethodPost)
	r.HandleFunc("/signin/use-app", h.useApp).Methods(http.MethodPost) // app.go
	r.HandleFunc("/signin/app", h.verifyApp).Methods(http.MethodPost)
}

// login is op's LoginURL: /login?authRequestID=…. prompt=create goes to
// registration; an existing session that satisfies prompt and max_age
// completes the request at once; otherwise a sign-in flow starts.
func (h *signinHandler) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.URL.Query().Get("authRequestID")
	// The flow a sign-in needs is written with the auth request's read (one
	// round trip) and deleted again if this request does not start one.
	start := func() (flow.Flow, string, error) { return h.cfg.Signin.Start(ctx, id, "") }
	drop := func() {}
	if id != "" {
		start, drop = h.cfg.Signin.StartAhead(ctx, id, "")
	}
	started := false
	defer func() {
		if !started {
			drop()
		}
	}()
	ar, err := h.cfg.Provider.AuthRequest(ctx, id)
	if errors.Is(err, authstate.ErrNotFound) || id == "" {
		h.cfg.Pages.Error(w, r, http.StatusBadRequest, text.TitleSignIn, text.LinkInvalid, "")
		return
	}
	if err != nil {
		h.serverError(w, r, "load auth request", err)
		return
	}
	if !oidcop.SameBrowser(ar, h.cookies.get(r, browserCookie)) {
		// Someone else's request (a link sent to this browser): never sign
		// in for it.
		h.refuseAuthRequest(w, r, "login", oidcop.ErrWrongBrowser)
		return
	}
	if l, ok := text.FromUILocales(strings.Join(ar.UILocales, " ")); ok {
		// The client asked for a language: the journey's pages use it
		// (until the user picks the other with a page's language link).
		h.setLang(w, l)
	}
	if slices.Contains(ar.Prompt, "create") {
		// Initiating User Registration via OpenID Connect 1.0: the
		// registration finds this request through the sign-in flow and,
		// once the account is made, signs its owner in for it.
		started = true
		if err := h.keepFlow(w, start, ar.ID); err != nil {
			h.serverError(w, r, "start sign-in flow", err)
			return
		}
		to := "/register"
		if h.cfg.Register == nil { // registration is off: sign in instead
			to = "/signin"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	now := h.cfg.Clock.Now()
	if sess, ok := h.currentSession(ctx, r); ok && reusable(ar, sess, now) {
		h.complete(w, r, ar.ID, sess)
		return
	}
	if slices.Contains(ar.Prompt, "none") {
		http.Redirect(w, r, errorRedirect(ar, "login_required"), http.StatusSeeOther)
		return
	}
	started = true
	if err := h.keepFlow(w, start, ar.ID); err != nil {
		h.serverError(w, r, "start sign-in flow", err)
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// reusable reports whether an existing session may answer the auth request
// without a new sign-in.
func reusable(ar authstate.AuthRequest, sess session.Session, now time.Time) bool {
	if slices.Contains(ar.Prompt, "login") || slices.Contains(ar.Prompt, "select_account") {
		return false
	}
	if ar.HintSubject != "" && ar.HintSubject != sess.UserID { // id_token_hint names someone else
		return false
	}
	if ar.MaxAge != nil && now.Sub(sess.AuthTime) > time.Duration(*ar.MaxAge)*time.Second {
		return false
	}
	return true
}

// errorRedirect builds the client's redirect URI (validated by op when the
// request was created) with an OAuth error.
func errorRedirect(ar authstate.AuthRequest, code string) string {
	u, err := url.Parse(ar.RedirectURI)
	if err != nil {
		return "/"
	}
	q := u.Query()
	q.Set("error", code)
	if ar.State != "" {
		q.Set("state", ar.State)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// startFlow starts a sign-in and sets its cookie. authRequestID is the OIDC
// request to complete at the end, or returnTo (a name returnPath knows) where
// to go instead; both may be empty (the signed-in home).
func (s *Server) startFlow(ctx context.Context, w http.ResponseWriter, authRequestID, returnTo string) error {
	f, token, err := s.cfg.Signin.Start(ctx, authRequestID, returnTo)
	if err != nil {
		return err
	}
	s.setFlowCookies(w, f, token, authRequestID)
	return nil
}

// keepFlow sets the cookies of the flow for authRequestID that start (from
// signin.Journey.StartAhead) has started.
func (s *Server) keepFlow(w http.ResponseWriter, start func() (flow.Flow, string, error), authRequestID string) error {
	f, token, err := start()
	if err != nil {
		return err
	}
	s.setFlowCookies(w, f, token, authRequestID)
	return nil
}

// setFlowCookies gives the browser the flow's cookie and, with it, the auth
// request it completes (returnCookie) or none.
func (s *Server) setFlowCookies(w http.ResponseWriter, f flow.Flow, token, authRequestID string) {
	s.setFlowCookie(w, f, token)
	if authRequestID != "" {
		s.cookies.set(w, returnCookie, authRequestID, s.cfg.FlowTTL)
	} else {
		s.cookies.clear(w, returnCookie)
	}
}

// resumeSignin starts a fresh sign-in flow for the auth request the lost one
// answered (returnCookie), if that request still waits for a sign-in in this
// browser, so the user still goes back to the council's service. It reports
// whether it did.
func (s *Server) resumeSignin(ctx context.Context, w http.ResponseWriter, r *http.Request) bool {
	id := s.cookies.get(r, returnCookie)
	if id == "" {
		return false
	}
	ar, err := s.cfg.Provider.AuthRequest(ctx, id)
	if err != nil || ar.Done || !oidcop.SameBrowser(ar, s.cookies.get(r, browserCookie)) {
		s.cookies.clear(w, returnCookie)
		return false
	}
	if err := s.startFlow(ctx, w, ar.ID, ""); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "resume sign-in flow", "err", err)
		return false
	}
	s.cfg.Logger.InfoContext(ctx, "sign-in flow lost: started again for its auth request", "client", ar.ClientID)
	return true
}

func (s *Server) setFlowCookie(w http.ResponseWriter, f flow.Flow, token string) {
	s.cookies.set(w, flowCookie, f.ID+"."+token, s.cfg.FlowTTL)
}

// returnPath is where a sign-in without an auth request ends: the page named
// by the flow's DataReturn if it is on this allow-list, else the signed-in
// home. Only names are stored, never URLs, so no one can make carekey
// redirect elsewhere.
func returnPath(name string) string {
	switch name {
	case returnAccountPhone:
		return pathAccountPhone
	case returnAccountApp:
		return pathAccountApp
	default:
		return "/"
	}
}

// loadFlow returns the sign-in flow named by the cookie and its CSRF token
// (signin.Journey.Load: one read; flow.ErrNotFound, or signin.ErrExpired
// with the flow).
func (s *Server) loadFlow(ctx context.Context, r *http.Request) (flow.Flow, string, error) {
	id, token, _ := strings.Cut(s.cookies.get(r, flowCookie), ".")
	f, err := s.cfg.Signin.Load(ctx, id, token)
	return f, token, err
}

func (h *signinHandler) showSignin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, token, err := h.loadFlow(ctx, r)
	switch {
	case errors.Is(err, flow.ErrNotFound):
		if h.resumeSignin(ctx, w, r) {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		if _, ok := h.currentSession(ctx, r); ok {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		if err := h.startFlow(ctx, w, "", ""); err != nil {
			h.serverError(w, r, "start sign-in flow", err)
			return
		}
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	case errors.Is(err, signin.ErrExpired):
		h.expired(w, r)
		return
	case err != nil:
		h.serverError(w, r, "load sign-in flow", err)
		return
	case !h.ownsChange(ctx, r, f):
		h.notYourChange(w, r, f)
		return
	}
	switch signin.State(f.State) {
	case signin.StatePassword:
	case signin.StateVerified, signin.StateCancelled:
		// Finished by another request: start again.
		h.cookies.clear(w, flowCookie)
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	default:
		h.renderPhoneStep(w, r, f, token, http.StatusOK, nil)
		return
	}
	data := signinPageData(f)
	if h.cookies.get(r, noticeCookie) == noticeRegistered {
		data.Registered = true
		h.cookies.clear(w, noticeCookie)
	}
	h.cfg.Pages.Render(w, r, http.StatusOK, "signin", &render.Page{Title: text.TitleSignIn, CSRF: token, Data: data})
}

// signinData says why a sign-in is asked for when it is not for a relying
// party.
type signinData struct {
	ChangePhone bool // again, before changing the phone number
	ChangeApp   bool // again, before setting up or removing the app
	Registered  bool // the account was just created: say so, once
}

// noticeRegistered is noticeCookie's value after a registration.
const noticeRegistered = "registered"

func signinPageData(f flow.Flow) signinData {
	ret := signin.DataOf(f).Return
	return signinData{ChangePhone: ret == returnAccountPhone, ChangeApp: ret == returnAccountApp}
}

func (s *Server) expired(w http.ResponseWriter, r *http.Request) {
	s.cookies.clear(w, flowCookie)
	s.cfg.Pages.Error(w, r, http.StatusGone, text.TitleSignIn, text.FlowExpired, "/signin")
}

// stepped is what step leaves for its caller to answer: the outcome (its
// Flow is the flow to render) and the error of signin.Journey.Step, and the
// flow's CSRF token.
type stepped struct {
	out   signin.Outcome
	token string
	err   error
}

// step applies the action (built from the parsed form) to the flow of this
// POST: the form's CSRF token must be the flow cookie's, then one call,
// signin.Journey.Step, loads the flow, checks it and moves it. step answers
// a finished or cancelled flow, and every refusal (no flow, a form out of
// date, expired, another user's phone change), itself and then returns
// false; otherwise the caller answers: a redirect, or the page for the
// error.
func (h *signinHandler) step(w http.ResponseWriter, r *http.Request, action func() signin.Action) (stepped, bool) {
	ctx := r.Context()
	if !h.parseForm(w, r) {
		return stepped{}, false
	}
	id, token, ok := strings.Cut(h.cookies.get(r, flowCookie), ".")
	if ok && !secret.Equal(r.PostFormValue("csrf_token"), token) {
		h.cfg.Pages.Error(w, r, http.StatusForbidden, text.TitleSignIn, text.FormOutOfDate, "/signin")
		return stepped{}, false
	}
	a := action()
	a.IP = clientIP(r)
	a.Owns = func(ctx context.Context, userID string) bool {
		sess, ok := h.currentSession(ctx, r)
		return ok && sess.UserID == userID
	}
	out, err := h.Journey.Step(ctx, id, token, a)
	switch {
	// No flow to load (Outcome.Flow empty); a flow ended by another
	// request after it was loaded is the caller's (303 to the current step).
	case errors.Is(err, flow.ErrNotFound) && out.Flow.ID == "" && h.resumeSignin(ctx, w, r):
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	case errors.Is(err, flow.ErrNotFound) && out.Flow.ID == "":
		h.cfg.Pages.Error(w, r, http.StatusForbidden, text.TitleSignIn, text.FormOutOfDate, "/signin")
	case errors.Is(err, signin.ErrNotYourChange):
		h.notYourChange(w, r, out.Flow)
	case errors.Is(err, signin.ErrExpired):
		h.expired(w, r)
	case err != nil:
		return stepped{out: out, token: token, err: err}, true
	case out.Done != nil:
		h.finished(w, r, *out.Done)
	case out.Cancelled:
		h.cancelled(w, r, out.Flow)
	default:
		return stepped{out: out, token: token}, true
	}
	return stepped{}, false
}

// event is an action of the event alone (a button).
func event(e signin.Event) func() signin.Action {
	return func() signin.Action { return signin.Action{Event: e} }
}

func (h *signinHandler) submitSignin(w http.ResponseWriter, r *http.Request) {
	var email string
	res, ok := h.step(w, r, func() signin.Action {
		email = strings.TrimSpace(r.PostFormValue("email"))
		return signin.Action{Event: signin.EventPasswordOK, Email: email, Password: r.PostFormValue("password")}
	})
	if !ok {
		return
	}
	page := &render.Page{Title: text.TitleSignIn, CSRF: res.token, Values: map[string]string{"email": email}, Data: signinPageData(res.out.Flow)}
	var inv *text.Invalid
	switch err := res.err; {
	case err == nil:
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	case errors.As(err, &inv):
		addInvalid(page, inv)
		h.cfg.Pages.Render(w, r, http.StatusBadRequest, "signin", page)
	case errors.Is(err, signin.ErrInvalidCredentials):
		page.AddError(text.SignInFailed, "email")
		h.cfg.Pages.Render(w, r, http.StatusUnauthorized, "signin", page)
	case errors.Is(err, signin.ErrOldPasswordUnavailable):
		// Not the user's fault, and not a wrong password (issue 15).
		h.cfg.Logger.WarnContext(r.Context(), "sign in", "err", err)
		w.Header().Set("Retry-After", retryAfterOutage)
		page.AddError(text.OldPasswordUnavailable, "password")
		h.cfg.Pages.Render(w, r, http.StatusServiceUnavailable, "signin", page)
	case errors.Is(err, signin.ErrPasswordResetNeeded):
		page.AddError(text.PasswordResetNeeded, "password")
		h.cfg.Pages.Render(w, r, http.StatusForbidden, "signin", page)
	default:
		h.signinFailed(w, r, "sign in", err)
	}
}

// addInvalid puts the field errors of inv on page.
func addInvalid(page *render.Page, inv *text.Invalid) {
	for _, f := range inv.Fields {
		page.Errors = append(page.Errors, render.FieldError{Field: f.Field, Text: f.Message})
	}
}

// finished answers a sign-in or phone change the journey has finished: the
// session's cookie and the hand-off to the OIDC provider, or the page the
// flow named; the phone change's confirmation.
func (h *signinHandler) finished(w http.ResponseWriter, r *http.Request, c signin.Completion) {
	h.cookies.clear(w, flowCookie)
	if c.PhoneChanged {
		http.Redirect(w, r, pathAccountPhoneDone, http.StatusSeeOther)
		return
	}
	if c.AuthRequest == "" {
		h.cookies.set(w, sessionCookie, c.Session.ID, h.cfg.SessionAbsolute)
		http.Redirect(w, r, returnPath(c.Return), http.StatusSeeOther)
		return
	}
	next, err := h.completeAuthRequest(r, c.AuthRequest, c.Session)
	if c.SessionWritten != nil { // it rode with the completion
		if werr := c.SessionWritten(); werr != nil {
			h.signinFailed(w, r, "sign in", werr)
			return
		}
	}
	h.cookies.set(w, sessionCookie, c.Session.ID, h.cfg.SessionAbsolute)
	h.completed(w, r, next, err)
}

// complete finishes the OIDC auth request with sess and sends the browser on.
func (s *Server) complete(w http.ResponseWriter, r *http.Request, authRequestID string, sess session.Session) {
	next, err := s.completeAuthRequest(r, authRequestID, sess)
	s.completed(w, r, next, err)
}

// completeAuthRequest marks the OIDC auth request signed in with sess and
// returns where the browser goes next.
func (s *Server) completeAuthRequest(r *http.Request, authRequestID string, sess session.Session) (string, error) {
	return s.cfg.Provider.CompleteAuthRequest(r.Context(), authRequestID, oidcop.Login{
		UserID: sess.UserID, SessionID: sess.ID, AuthTime: sess.AuthTime, AMR: sess.AMR,
		Browser: s.cookies.get(r, browserCookie),
	})
}

// completed sends the browser on to next, or answers the error of
// completing its auth request.
func (s *Server) completed(w http.ResponseWriter, r *http.Request, next string, err error) {
	if err != nil {
		s.refuseAuthRequest(w, r, "complete", err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// currentSession returns the browser's live session, sliding its idle timer.
func (s *Server) currentSession(ctx context.Context, r *http.Request) (session.Session, bool) {
	id := s.cookies.get(r, sessionCookie)
	if id == "" {
		return session.Session{}, false
	}
	sess, err := s.cfg.Sessions.Touch(ctx, id)
	if err != nil {
		if !errors.Is(err, session.ErrNotFound) {
			s.cfg.Logger.WarnContext(ctx, "load session", "err", err)
		}
		return session.Session{}, false
	}
	return sess, true
}

// sessionCSRF is the CSRF token of forms shown to a signed-in browser.
func (s *Server) sessionCSRF(sessionID string) string {
	return secret.HashToken(string(s.cfg.Pepper.MAC("csrf:" + sessionID)))
}

// sessionCSRFValid reports whether token is the CSRF token of sessionID under
// a key of the pepper (a form shown before the pepper was replaced still
// posts).
func (s *Server) sessionCSRFValid(sessionID, token string) bool {
	ok := false
	for _, k := range s.cfg.Pepper {
		ok = secret.Equal(token, secret.HashToken(string(secret.HMAC(k, "csrf:"+sessionID)))) || ok
	}
	return ok
}

type homeData struct {
	Email string
	// App: the deployment offers the authenticator app; HasApp: the user
	// has one.
	App, HasApp bool
}

// home shows who is signed in (to a visitor who came to carekey directly).
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess, ok := s.currentSession(ctx, r)
	if !ok {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	u, err := s.cfg.Users.GetUser(ctx, sess.UserID)
	if err != nil {
		s.serverError(w, r, "load signed-in user", err)
		return
	}
	s.cfg.Pages.Render(w, r, http.StatusOK, "signed_in", &render.Page{
		Title: text.TitleSignedIn, CSRF: s.sessionCSRF(sess.ID),
		Data: homeData{Email: u.Email, App: s.cfg.Signin.App, HasApp: u.TOTPSecret != ""},
	})
}

// logout ends the browser's session at carekey (the signed-in page's button).
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if id := s.cookies.get(r, sessionCookie); id != "" {
		if !s.sessionCSRFValid(id, r.PostFormValue("csrf_token")) {
			s.cfg.Pages.Error(w, r, http.StatusForbidden, text.TitleSignOut, text.FormOutOfDate, "/")
			return
		}
		sess, getErr := s.cfg.Sessions.Get(r.Context(), id)
		if err := s.cfg.Sessions.Delete(r.Context(), id); err != nil {
			s.serverError(w, r, "delete session", err)
			return
		}
		if getErr == nil && s.cfg.Logout != nil {
			s.cfg.Logout.SessionEnded(r.Context(), sess) // back-channel logout
		}
	}
	s.cookies.clear(w, sessionCookie)
	http.Redirect(w, r, "/logged-out", http.StatusSeeOther)
}

func (s *Server) loggedOut(w http.ResponseWriter, r *http.Request) {
	s.cookies.clear(w, sessionCookie)
	s.cfg.Pages.Render(w, r, http.StatusOK, "logged_out", &render.Page{Title: text.TitleSignedOut})
}

func (s *Server) comingSoon(heading, message text.ID) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.cfg.Pages.Render(w, r, http.StatusOK, "coming_soon", &render.Page{
			Title: heading, Data: render.ErrorData{Heading: heading, Message: text.M(message)},
		})
	}
}

// parseForm parses a POSTed form, answering 413 for an oversize body and 400
// for a malformed one.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			refuse(w, r, http.StatusRequestEntityTooLarge, text.RefusalBodyTooLarge) // middleware.go
			return false
		}
		s.cfg.Pages.Error(w, r, http.StatusBadRequest, text.ProblemHeading, text.BadRequest, "")
		return false
	}
	return true
}

// serverError logs err once and shows a generic page: 503 when a backend is
// unreachable, 500 otherwise.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, doing string, err error) {
	if errors.Is(err, password.ErrBusy) { // every hashing slot and queue place taken
		s.cfg.Logger.WarnContext(r.Context(), doing, "err", err)
		w.Header().Set("Retry-After", busyRetryAfter)
		s.cfg.Pages.Unavailable(w, r, http.StatusServiceUnavailable, text.BusyHeading, text.Busy, s.retryHref(r))
		return
	}
	s.cfg.Logger.ErrorContext(r.Context(), doing, "err", err)
	status, heading, id := http.StatusInternalServerError, text.ProblemHeading, text.SomethingWentWrong
	if s.backendsDown(r.Context()) {
		status, heading, id = http.StatusServiceUnavailable, text.UnavailableHeading, text.ServiceUnavailable
		w.Header().Set("Retry-After", retryAfterOutage)
	}
	s.cfg.Pages.Unavailable(w, r, status, heading, id, s.retryHref(r))
}

// retryHref is where "Try again" goes from a page carekey could not answer:
// the same address for a GET; for any other method, the page of its form,
// the nearest address at or above it that shows a page (a journey's steps
// post below its entry, whose GET shows the current step). It is "" when
// there is none below "/" or the address would leave carekey ("//host").
func (s *Server) retryHref(r *http.Request) string {
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return ""
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return r.URL.RequestURI()
	}
	for p != "/" && p != "" {
		get := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}, Host: r.Host, Header: http.Header{}}
		var m mux.RouteMatch
		if s.pages.Match(get, &m) && m.MatchErr == nil {
			return p
		}
		p = path.Dir(p)
	}
	return ""
}

// busyRetryAfter is Retry-After (seconds) when the password hasher is
// saturated: a queue of hashes drains in well under a second.
const busyRetryAfter = "2"

// clientIP is the client's address as the clientAddress middleware resolved
// it (behind trusted proxies, from X-Forwarded-For); without the middleware,
// the peer address.
func clientIP(r *http.Request) string {
	if ip, ok := clientip.FromContext(r.Context()); ok {
		return ip
	}
	return (*clientip.Resolver)(nil).Resolve(r.RemoteAddr, nil)
}
