package web

import (
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"time"

	"github.com/carekey/carekey/internal/clientip"
	"github.com/carekey/carekey/internal/text"
)

const maxQueryBytes = 8 << 10

// clientAddress resolves the client's address once per request (from
// X-Forwarded-For only when the peer is a trusted proxy) and puts it in the
// request context, where clientIP reads it for rate limits and audit rows.
func clientAddress(res *clientip.Resolver) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ip := res.Resolve(r.RemoteAddr, r.Header.Values("X-Forwarded-For"))
			next.ServeHTTP(w, r.WithContext(clientip.NewContext(r.Context(), ip)))
		})
	}
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
func limits(maxBody int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if len(r.URL.RawQuery) > maxQueryBytes {
				http.Error(w, "request URI too long", http.StatusRequestURITooLong)
				return
			}
			if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
				http.Error(w, "malformed query string: every % must start a valid escape such as %20, and parameters are separated by &", http.StatusBadRequest)
				return
			}
			if r.ContentLength > maxBody {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			if r.Body != nil {
				r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			}
			next.ServeHTTP(w, r)
		})
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
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

// logRequests logs each request (path only: query strings carry codes and
// tokens) and recovers from panics with a 500.
func logRequests(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w}
			defer func() {
				if v := recover(); v != nil {
					logger.ErrorContext(r.Context(), "panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
					if rec.status == 0 {
						http.Error(w, text.Get(text.SomethingWentWrong), http.StatusInternalServerError)
					}
				}
				logger.DebugContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "dur", time.Since(start))
			}()
			next.ServeHTTP(rec, r)
		})
	}
}
