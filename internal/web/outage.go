package web

import (
	"context"
	"net/http"
	"net/url"
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
	switch {
	case w.done:
	case w.suspect(code) && w.s.backendsDown(w.r.Context()):
		w.Header().Set("Retry-After", retryAfterOutage)
		code = http.StatusServiceUnavailable
	case code/100 == 3 && w.serverErrorRedirect() && w.s.backendsDown(w.r.Context()):
		// op sends an authorization error to the client's redirect URI:
		// during an outage the client should try again later, not give up
		// (RFC 6749 §4.1.2.1).
		w.Header().Set("Location", w.withError("temporarily_unavailable"))
	}
	w.done = true
	w.ResponseWriter.WriteHeader(code)
}

// retryAfterOutage is the Retry-After of every answer that a backend outage
// turned into 503.
const retryAfterOutage = "30"

// serverErrorRedirect reports whether the response redirects with an OAuth
// server_error (to the client's redirect URI).
func (w *outageWriter) serverErrorRedirect() bool {
	u, err := url.Parse(w.Header().Get("Location"))
	return err == nil && u.Query().Get("error") == "server_error"
}

// withError is the Location with its OAuth error replaced by code and no
// description (it may describe the backend).
func (w *outageWriter) withError(code string) string {
	u, _ := url.Parse(w.Header().Get("Location"))
	q := u.Query()
	q.Set("error", code)
	q.Del("error_description")
	u.RawQuery = q.Encode()
	return u.String()
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
