package web

import (
	"mime"
	"net/http"
	"strings"
)

// Browsers are never shown a bare "404 page not found" or zitadel/oidc's
// "unable to retrieve client by id": when a request that accepts HTML gets
// an error status with a plain-text or empty body, htmlErrors sends the
// designed page instead (render.StatusPage, render.LinkProblem), keeping
// the status and headers such as Retry-After. JSON answers of the API
// endpoints (token, userinfo, ...) pass untouched, as does every answer to a
// client that does not ask for HTML.

// linkPaths are the provider's endpoints a browser reaches by a link from a
// relying party; a 4xx there means the link itself is wrong.
var linkPaths = map[string]bool{"/authorize": true, "/authorize/callback": true, "/end_session": true}

// htmlErrors wraps next (the provider, static files) as described above.
func (s *Server) htmlErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !wantsHTML(r) {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&errorPageWriter{ResponseWriter: w, r: r, s: s}, r)
	})
}

// wantsHTML reports whether the client accepts HTML: a browser navigating.
func wantsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(v, ",") {
			mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
			if mt == "text/html" || mt == "application/xhtml+xml" {
				return true
			}
		}
	}
	return false
}

// errorPageWriter replaces a plain error answer by the designed page.
type errorPageWriter struct {
	http.ResponseWriter
	r        *http.Request
	s        *Server
	wrote    bool // the status has been written
	replaced bool // the page went out instead: drop what next writes
}

func (w *errorPageWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	// The link endpoints are a browser's navigation, not an API: their JSON
	// errors (end_session's) are no answer for a person either.
	if code < 400 || !plainBody(w.Header().Get("Content-Type")) && !linkPaths[w.r.URL.Path] {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.replaced = true
	w.Header().Del("Content-Type") // render sets its own
	if code < 500 && linkPaths[w.r.URL.Path] {
		w.s.cfg.Pages.LinkProblem(w.ResponseWriter, w.r, code)
		return
	}
	w.s.cfg.Pages.StatusPage(w.ResponseWriter, w.r, code)
}

func (w *errorPageWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.replaced {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *errorPageWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// plainBody reports whether a response of this Content-Type is a bare
// message (text/plain, or none yet) rather than a page or an API's JSON.
func plainBody(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "text/plain"
}
