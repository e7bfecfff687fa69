package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/carekey/carekey/internal/emailcode"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/text"
	"github.com/carekey/carekey/internal/web/render"
)

// journey names the cookie, kind and entry path of a flow owned by a
// self-service journey (registration, forgotten password). Each has its own
// cookie, so the journeys and sign-in never clobber each other's flow.
type journey struct {
	cookie string // base cookie name
	kind   string // flow.Flow.Kind
	entry  string // GET path that shows the current step
	title  string // heading of the journey's error pages
}

// journeyCookieTTL bounds the flow cookies; the flow's own expiry decides.
const journeyCookieTTL = 2 * time.Hour

// newJourneyToken returns a CSRF token and the hash the flow keeps.
func newJourneyToken() (string, []byte) {
	token := secret.Token()
	sum := sha256.Sum256([]byte(token))
	return token, sum[:]
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

// journeyErrors is what a journey service's errors mean on a page.
type journeyErrors struct {
	badTransition error // the journey's ErrBadTransition
	expired       error // the journey's ErrExpired
	sendFailed    error // ErrSendFailed, if the journey shows it
}

// showJourneyError turns err from a journey service into the current step
// re-rendered with its message and status (400, 429, 503), a 303 to the
// current step, a 410, or a 500. render re-renders the step with status.
func (s *Server) showJourneyError(w http.ResponseWriter, r *http.Request, j journey, je journeyErrors, err error,
	page *render.Page, renderStep func(status int)) {
	var inv *text.Invalid
	var le *emailcode.LimitError
	var rl *ratelimit.LimitedError
	switch {
	case errors.As(err, &inv):
		for _, f := range inv.Fields {
			page.Errors = append(page.Errors, render.FieldError{Field: f.Field, Message: f.Message})
		}
		renderStep(http.StatusBadRequest)
	case errors.Is(err, je.badTransition), errors.Is(err, emailcode.ErrWrongState):
		http.Redirect(w, r, j.entry, http.StatusSeeOther)
	case errors.Is(err, je.expired):
		s.journeyExpired(w, r, j)
	case errors.As(err, &le), errors.As(err, &rl):
		id, field, retry := text.TooManyRequests, "", time.Duration(0)
		if le != nil {
			retry = le.RetryAfter
		} else {
			retry = rl.RetryAfter // a keyed rate limit (codes per address, registrations per IP)
		}
		switch {
		case errors.Is(err, emailcode.ErrCooldown):
			id, field = text.EmailCodeCooldown, "code"
		case errors.Is(err, emailcode.ErrTooManySends):
			id = text.EmailCodeMaxSends
		case errors.Is(err, emailcode.ErrTooManyTries):
			id, field = text.EmailCodeTooMany, "code"
		}
		if retry <= 0 {
			retry = time.Minute
		}
		w.Header().Set("Retry-After", strconv.Itoa(int(retry/time.Second)))
		page.AddError(id, field)
		renderStep(http.StatusTooManyRequests)
	case errors.Is(err, emailcode.ErrWrongCode):
		page.AddError(text.EmailCodeMismatch, "code")
		renderStep(http.StatusBadRequest)
	case errors.Is(err, emailcode.ErrExpired), errors.Is(err, emailcode.ErrNoCode):
		page.AddError(text.EmailCodeExpired, "code")
		renderStep(http.StatusBadRequest)
	case je.sendFailed != nil && errors.Is(err, je.sendFailed):
		s.cfg.Logger.WarnContext(r.Context(), "journey email not sent", "journey", j.kind, "err", err)
		page.AddError(text.EmailSendFailed, "")
		renderStep(http.StatusServiceUnavailable)
	case errors.Is(err, flow.ErrNotFound):
		s.cfg.Pages.Error(w, r, http.StatusForbidden, j.title, text.FormOutOfDate, j.entry)
	default:
		s.serverError(w, r, j.kind, err)
	}
}
