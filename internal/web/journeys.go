package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/onetimecode"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/recovery"
	"github.com/carekey/carekey/internal/registration"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/pkg/text"
)

// journey names the cookie, kind and entry path of a flow owned by a
// self-service journey (registration, forgotten password). Each has its own
// cookie, so the journeys and sign-in never clobber each other's flow.
type journey struct {
	cookie string  // base cookie name
	kind   string  // flow.Flow.Kind
	entry  string  // GET path that shows the current step
	title  text.ID // heading of the journey's error pages
	// soon is the heading and message of the entry when the journey has no
	// service (self-service journeys only).
	soon [2]text.ID
}

// journeyCookieTTL bounds the flow cookies; the flow's own expiry decides.
const journeyCookieTTL = 2 * time.Hour

// newJourneyToken returns a CSRF token and the hash the flow keeps.
func newJourneyToken() (string, []byte) {
	token := secret.Token()
	sum := sha256.Sum256([]byte(token))
	return token, sum[:]
}

// journeyData is the data of the self-service journeys' pages (registration
// and forgotten password): the "Password policy" list of the steps that
// take a new password, and whether a new code has just been sent.
type journeyData struct {
	Rules []text.Message
	Sent  bool
}

// loadJourney returns the flow named by j's cookie and its CSRF token, or
// flow.ErrNotFound when there is no cookie, no such flow, or a mismatch.
func (s *Server) loadJourney(ctx context.Context, r *http.Request, j journey) (flow.Flow, string, error) {
	id, token, ok := strings.Cut(s.cookies.get(r, j.cookie), ".")
	if !ok {
		return flow.Flow{}, "", flow.ErrNotFound
	}
	f, err := s.cfg.Flows.Get(ctx, id)
	if err != nil {
		return f, "", err
	}
	sum := sha256.Sum256([]byte(token))
	if f.Kind != j.kind || subtle.ConstantTimeCompare(sum[:], f.CSRFHash) != 1 {
		return flow.Flow{}, "", flow.ErrNotFound
	}
	return f, token, nil
}

// journeyPost is the start of every journey POST: parse the form, load the
// flow, check CSRF and expiry. ok is false when a response has been written.
func (s *Server) journeyPost(w http.ResponseWriter, r *http.Request, j journey) (flow.Flow, string, bool) {
	if !s.parseForm(w, r) {
		return flow.Flow{}, "", false
	}
	f, token, err := s.loadJourney(r.Context(), r, j)
	switch {
	case errors.Is(err, flow.ErrNotFound):
		s.cfg.Pages.Error(w, r, http.StatusForbidden, j.title, text.FormOutOfDate, j.entry)
	case err != nil:
		s.serverError(w, r, "load "+j.kind+" flow", err)
	case !secret.Equal(r.PostFormValue("csrf_token"), token):
		s.cfg.Pages.Error(w, r, http.StatusForbidden, j.title, text.FormOutOfDate, j.entry)
	case !f.Valid(s.cfg.Clock.Now()):
		s.journeyExpired(w, r, j)
	default:
		return f, token, true
	}
	return f, token, false
}

func (s *Server) journeyExpired(w http.ResponseWriter, r *http.Request, j journey) {
	s.cookies.clear(w, j.cookie)
	s.cfg.Pages.Error(w, r, http.StatusGone, j.title, text.FlowExpired, j.entry)
}

// selfService is what the handlers of the self-service journeys
// (registration, forgotten password) share: one loader for the browser's
// flow, started when it has none, and the steps' pages. S is the journey's
// State type.
type selfService[S ~string] struct {
	srv *Server
	j   journey
	// steps names the page (template) of each state that has one; a flow in
	// any other state is finished and the browser goes to sign in.
	steps map[S]string
	// page makes the page of f's step, with the step's answers kept in the
	// flow; pageFor adds token, the password policy and sent (a new code has
	// just been sent).
	page func(f flow.Flow) *render.Page
}

// pageFor is the page of f's step, bound to the flow's CSRF token.
func (h selfService[S]) pageFor(f flow.Flow, token string, sent bool) *render.Page {
	p := h.page(f)
	p.CSRF, p.Title = token, h.j.title
	p.Data = journeyData{Rules: h.srv.cfg.Policy.Rules(), Sent: sent}
	return p
}

// mount adds the journey's pages to r: GET on its entry, and each of posts,
// a POST on a path below the entry. Without a service (available false) the
// entry alone says the journey is not available.
func (h selfService[S]) mount(r *mux.Router, available bool, show http.HandlerFunc, posts map[string]http.HandlerFunc) {
	if !available {
		r.HandleFunc(h.j.entry, h.srv.comingSoon(h.j.soon[0], h.j.soon[1])).Methods(http.MethodGet)
		return
	}
	r.HandleFunc(h.j.entry, show).Methods(http.MethodGet)
	for path, post := range posts {
		r.HandleFunc(h.j.entry+"/"+path, post).Methods(http.MethodPost)
	}
}

// show answers GET on the entry page: the page of the current step of the
// browser's flow (sent: the URL says a new code has just been sent); or,
// when the browser has none, a flow made by start (bound to a new CSRF
// token in the cookie) and a 303 back here; or the expired page.
func (h selfService[S]) show(w http.ResponseWriter, r *http.Request,
	start func(ctx context.Context, csrfHash []byte) (flow.Flow, error)) {
	s, ctx := h.srv, r.Context()
	f, token, err := s.loadJourney(ctx, r, h.j)
	switch {
	case errors.Is(err, flow.ErrNotFound):
		token, hash := newJourneyToken()
		f, err := start(ctx, hash)
		if err != nil {
			s.serverError(w, r, "start "+h.j.kind+" flow", err)
			return
		}
		s.cookies.set(w, h.j.cookie, f.ID+"."+token, journeyCookieTTL)
		http.Redirect(w, r, h.j.entry, http.StatusSeeOther)
	case err != nil:
		s.serverError(w, r, "load "+h.j.kind+" flow", err)
	case !f.Valid(s.cfg.Clock.Now()):
		s.journeyExpired(w, r, h.j)
	default:
		h.render(w, r, f, h.pageFor(f, token, r.URL.Query().Get("sent") == "1"), http.StatusOK)
	}
}

// step is the start of a POST meant for one of states (none: any state the
// journey's table lets the event apply in): the form parsed, the flow
// loaded, CSRF and expiry checked, and the page of the flow's step made for
// an answer. A form for another step sends the browser to the current one
// and changes nothing. ok is false when a response has been written.
func (h selfService[S]) step(w http.ResponseWriter, r *http.Request, states ...S) (f flow.Flow, page *render.Page, ok bool) {
	f, token, ok := h.srv.journeyPost(w, r, h.j)
	if !ok {
		return f, nil, false
	}
	if len(states) > 0 && !slices.Contains(states, S(f.State)) {
		http.Redirect(w, r, h.j.entry, http.StatusSeeOther)
		return f, nil, false
	}
	return f, h.pageFor(f, token, false), true
}

// do is the handler of a POST that makes act's move on the flow, if it is in
// one of states (none: any), and answers with query on success.
func (h selfService[S]) do(act func(r *http.Request, id string) error, query string, states ...S) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, page, ok := h.step(w, r, states...)
		if !ok {
			return
		}
		h.answer(w, r, f, page, act(r, f.ID), query)
	}
}

// render shows the page of f's step with status.
func (h selfService[S]) render(w http.ResponseWriter, r *http.Request, f flow.Flow, page *render.Page, status int) {
	name, ok := h.steps[S(f.State)]
	if !ok { // done: the flow is finished
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	h.srv.cfg.Pages.Render(w, r, status, name, page)
}

// answer sends the browser on after a step that succeeded (err nil): a 303
// to the entry page, which shows the step the flow is now at (query, if any,
// added: "sent=1"). Otherwise it shows err on f's step as journeyErrorTable
// says.
func (h selfService[S]) answer(w http.ResponseWriter, r *http.Request, f flow.Flow, page *render.Page, err error, query string) {
	if err != nil {
		h.srv.showJourneyError(w, r, h.j, journeyErrors{}, err, page, func(status int) { h.render(w, r, f, page, status) })
		return
	}
	to := h.j.entry
	if query != "" {
		to += "?" + query
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// journeyError is one row of journeyErrorTable: what the browser gets for an
// error of a journey service.
type journeyError struct {
	err error // matched with errors.Is
	// status: 303 sends the browser to the current step; 410 shows the
	// expired page (its cookie cleared); 403 the "form out of date" page;
	// any other re-renders the step with msg tied to field ("": the page).
	status int
	msg    text.ID
	field  string
}

// journeyErrorTable maps the self-service journeys' errors to status and
// message, first match first: the one place registration's and forgotten
// password's (and sign-in's emailed code's) errors become pages. A
// *text.Invalid comes before it (400, each field's messages); an error no
// row matches is a 429 if it is a *onetimecode.LimitError, else a 500.
func journeyErrorTable() []journeyError {
	return []journeyError{
		{flow.ErrTransition, http.StatusSeeOther, "", ""}, // a form for another step
		{onetimecode.ErrWrongState, http.StatusSeeOther, "", ""},
		{flow.ErrExpired, http.StatusGone, text.FlowExpired, ""},
		{onetimecode.ErrCooldown, http.StatusTooManyRequests, text.EmailCodeCooldown, "code"},
		{onetimecode.ErrTooManySends, http.StatusTooManyRequests, text.EmailCodeMaxSends, ""},
		{onetimecode.ErrTooManyTries, http.StatusTooManyRequests, text.EmailCodeTooMany, "code"},
		{onetimecode.ErrRateLimited, http.StatusTooManyRequests, text.TooManyRequests, ""},
		{recovery.ErrTooManyPasswords, http.StatusTooManyRequests, text.TooManyRequests, ""},
		{onetimecode.ErrWrongCode, http.StatusBadRequest, text.EmailCodeMismatch, "code"},
		{onetimecode.ErrExpired, http.StatusBadRequest, text.EmailCodeExpired, "code"},
		{onetimecode.ErrNoCode, http.StatusBadRequest, text.EmailCodeExpired, "code"},
		{registration.ErrSendFailed, http.StatusServiceUnavailable, text.EmailSendFailed, ""},
		{flow.ErrNotFound, http.StatusForbidden, text.FormOutOfDate, ""},
	}
}

// journeyErrors are a journey's own sentinels, looked up before
// journeyErrorTable (the sign-in's emailed code step, phone.go, names its
// flow.ErrTransition, which is flow.ErrTransition).
type journeyErrors struct {
	badTransition error // 303 to the current step
	expired       error // 410
	sendFailed    error // 503 with "email not sent"
}

// rows returns je as rows of journeyErrorTable.
func (je journeyErrors) rows() []journeyError {
	var rows []journeyError
	for _, row := range []journeyError{
		{je.badTransition, http.StatusSeeOther, "", ""},
		{je.expired, http.StatusGone, text.FlowExpired, ""},
		{je.sendFailed, http.StatusServiceUnavailable, text.EmailSendFailed, ""},
	} {
		if row.err != nil {
			rows = append(rows, row)
		}
	}
	return rows
}

// showJourneyError turns err from a journey service into what
// journeyErrorTable says: the current step re-rendered by renderStep with
// its message and status (400, 429, 503), a 303 to the current step, a 410,
// a 403, or a 500.
func (s *Server) showJourneyError(w http.ResponseWriter, r *http.Request, j journey, je journeyErrors, err error,
	page *render.Page, renderStep func(status int)) {
	var inv *text.Invalid
	if errors.As(err, &inv) {
		for _, f := range inv.Fields {
			page.Errors = append(page.Errors, render.FieldError{Field: f.Field, Text: f.Message})
		}
		renderStep(http.StatusBadRequest)
		return
	}
	var le *onetimecode.LimitError
	row, found := journeyError{}, false
	for _, cand := range append(je.rows(), journeyErrorTable()...) {
		if errors.Is(err, cand.err) {
			row, found = cand, true
			break
		}
	}
	switch {
	case !found && errors.As(err, &le):
		row = journeyError{status: http.StatusTooManyRequests, msg: text.TooManyRequests}
	case !found:
		s.serverError(w, r, j.kind, err)
		return
	}
	switch row.status {
	case http.StatusSeeOther:
		http.Redirect(w, r, j.entry, http.StatusSeeOther)
		return
	case http.StatusGone:
		s.journeyExpired(w, r, j)
		return
	case http.StatusForbidden:
		s.cfg.Pages.Error(w, r, http.StatusForbidden, j.title, row.msg, j.entry)
		return
	case http.StatusTooManyRequests:
		retry := time.Minute
		var rl *ratelimit.LimitedError // a keyed rate limit (codes per address, registrations per IP)
		switch {
		case errors.As(err, &le) && le.RetryAfter > 0:
			retry = le.RetryAfter
		case errors.As(err, &rl) && rl.RetryAfter > 0:
			retry = rl.RetryAfter
		}
		w.Header().Set("Retry-After", strconv.Itoa(int(retry/time.Second)))
	case http.StatusServiceUnavailable:
		s.cfg.Logger.WarnContext(r.Context(), "journey email not sent", "journey", j.kind, "err", err)
	}
	page.AddError(row.msg, row.field)
	renderStep(row.status)
}
