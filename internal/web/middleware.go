package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/carekey/carekey/internal/clientip"
	"github.com/carekey/carekey/pkg/text"
)

const maxQueryBytes = 8 << 10

// clientAddress resolves the client's address once per request (from
// X-Forwarded-For only when the peer is a trusted proxy) and puts it in ctx,
// where clientIP reads it for rate limits and audit rows. observe calls it so
// that the request gets its new context (address and request ID) in one copy.
func clientAddress(ctx context.Context, res *clientip.Resolver, r *http.Request) context.Context {
	return clientip.NewContext(ctx, res.Resolve(r.RemoteAddr, r.Header.Values("X-Forwarded-For")))
}

// secure sets the security headers every response carries.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self' http: https:")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// limits refuses oversize query strings (414) and malformed ones (400, at
// every endpoint, the provider's included, rather than a handler's 500), and
// caps request bodies (the handlers answer 413 when reading past the cap).
// It runs after language, so that its refusals are in the reader's language.
func limits(maxBody int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(r.URL.RawQuery) > maxQueryBytes {
				refuse(w, r, http.StatusRequestURITooLong, text.RefusalURITooLong)
				return
			}
			if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
				refuse(w, r, http.StatusBadRequest, text.RefusalMalformedQuery)
				return
			}
			if r.ContentLength > maxBody {
				refuse(w, r, http.StatusRequestEntityTooLarge, text.RefusalBodyTooLarge)
				return
			}
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// refuse answers a request with status and the plain-text message id in the
// reader's language (text.LangOf: the language middleware has run).
func refuse(w http.ResponseWriter, r *http.Request, status int, id text.ID) {
	l := text.LangOf(r.Context())
	w.Header().Set("Content-Language", string(l))
	w.Header().Add("Vary", "Accept-Language, Cookie")
	http.Error(w, l.Get(id), status)
}

// statusRecorder remembers the status written and the route the router
// matched (observe.go).
type statusRecorder struct {
	http.ResponseWriter
	status int
	route  string
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
