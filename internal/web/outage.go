package web

import (
	"context"
	"net/http"
	"time"
)

// backendsDown reports whether a backend is unreachable now. It is asked only
// on the error path, so healthy traffic pays nothing for it.
func (s *Server) backendsDown(ctx context.Context) bool {
	if s.cfg.Ready == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	return s.cfg.Ready(ctx) != nil
}

// outageWriter turns a 5xx from the provider into 503 Service Unavailable with
// Retry-After when the cause is an unreachable backend, so load balancers and
// clients know to retry rather than give up.
type outageWriter struct {
	http.ResponseWriter
	r    *http.Request
	s    *Server
	done bool
}

func (w *outageWriter) WriteHeader(code int) {
	if !w.done && w.suspect(code) && w.s.backendsDown(w.r.Context()) {
		w.Header().Set("Retry-After", "30")
		code = http.StatusServiceUnavailable
	}
	w.done = true
	w.ResponseWriter.WriteHeader(code)
}

// suspect reports whether code may hide an outage: any 5xx, and the 4xx
// answers of the token endpoints, because zitadel/oidc reports every storage
// failure while redeeming a code or a refresh token as invalid_grant.
func (w *outageWriter) suspect(code int) bool {
	if code >= 500 {
		return true
	}
	if code < 400 {
		return false
	}
	switch w.r.URL.Path {
	case "/oauth/token", "/userinfo", "/oauth/introspect", "/revoke":
		return true
	}
	return false
}

func (w *outageWriter) Write(b []byte) (int, error) {
	w.done = true
	return w.ResponseWriter.Write(b)
}

func (w *outageWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) unavailableOnOutage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&outageWriter{ResponseWriter: w, r: r, s: s}, r)
	})
}
