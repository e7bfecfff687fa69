package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/oidcop"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/pkg/text"
)

// Paths of op's that the browser binding guards.
const (
	pathAuthorize = "/authorize"
	pathCallback  = "/authorize/callback"
)

// bindBrowser hands the provider the browser's binding token (its
// browserCookie), giving the browser one at /authorize when it has none, so
// that every auth request is bound to the browser that started it. At the
// callback it refuses, with a 400 page and no code, any browser that may not
// receive the request's code (oidcop.Provider.CheckCallback).
func (s *Server) bindBrowser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := s.cookies.get(r, browserCookie)
		switch r.URL.Path {
		case pathAuthorize:
			if !validBrowserToken(token) {
				token = secret.Token()
				s.cookies.set(w, browserCookie, token, 0) // until the browser closes
			}
		case pathCallback:
			r = r.WithContext(oidcop.WithUserMemo(r.Context())) // the check and op's SaveAuthCode read one user
			if ra, ok := s.cfg.Provider.(interface {
				ReadAhead(ctx context.Context, id, sessionID string)
			}); ok {
				// The auth request and (usually) its session in one read.
				ra.ReadAhead(r.Context(), r.URL.Query().Get("id"), s.cookies.get(r, sessionCookie))
			}
			if err := s.cfg.Provider.CheckCallback(r.Context(), r.URL.Query().Get("id"), token); err != nil {
				s.refuseAuthRequest(w, r, "callback", err)
				return
			}
		}
		if token != "" {
			r = r.WithContext(oidcop.WithBrowser(r.Context(), token))
		}
		next.ServeHTTP(w, r)
	})
}

// validBrowserToken reports whether a cookie value has the shape of a token
// carekey made (secret.Token: 43 base64url characters).
func validBrowserToken(v string) bool {
	if len(v) != 43 {
		return false
	}
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// refuseAuthRequest answers a login hand-off or callback the browser may not
// use: 400 with the "link not valid" page; the reason goes to the log only.
func (s *Server) refuseAuthRequest(w http.ResponseWriter, r *http.Request, step string, err error) {
	switch {
	case errors.Is(err, authstate.ErrNotFound), errors.Is(err, oidcop.ErrWrongBrowser),
		errors.Is(err, oidcop.ErrNotSignedIn), errors.Is(err, oidcop.ErrCodeIssued),
		errors.Is(err, oidcop.ErrSessionEnded):
		s.cfg.Logger.WarnContext(r.Context(), "auth request refused", "step", step, "ip", clientIP(r), "err", err)
		s.cfg.Pages.Error(w, r, http.StatusBadRequest, text.TitleSignIn, text.LinkInvalid, "")
	default:
		s.serverError(w, r, step+": auth request", err)
	}
}
