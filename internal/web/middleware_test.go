package web

import (
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// wtSecureHeaders are the headers every answer carries, with their exact values.
var wtSecureHeaders = map[string]string{
	"Content-Security-Policy":    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self' http: https:",
	"X-Content-Type-Options":     "nosniff",
	"X-Frame-Options":            "DENY",
	"Referrer-Policy":            "no-referrer",
	"Cross-Origin-Opener-Policy": "same-origin",
	"Permissions-Policy":         "camera=(), microphone=(), geolocation=()",
}

// Every answer carries the security headers: pages, the provider's
// endpoints, static files, health checks and refusals alike. HSTS is sent
// only over TLS (over plain HTTP a browser ignores it, and dev runs there).
func TestSecureHeadersOnEveryAnswer(t *testing.T) {
	e := wtServer(t)
	for _, target := range []string{"/signin", "/logged-out", "/authorize?client_id=app", "/keys", "/static/carekey.css",
		"/healthz", "/readyz", "/no-such-page", "/signin?" + strings.Repeat("a", maxQueryBytes+1), "/authorize?bad=%zz"} {
		for _, useTLS := range []bool{false, true} {
			r := httptest.NewRequest(http.MethodGet, target, nil)
			if useTLS {
				r.TLS = &tls.ConnectionState{}
			}
			h := e.do(r).Header()
			for name, want := range wtSecureHeaders {
				if got := h.Values(name); len(got) != 1 || got[0] != want {
					t.Errorf("GET %.40s (TLS %v): %s = %q, want %q", target, useTLS, name, got, want)
				}
			}
			wantHSTS := ""
			if useTLS {
				wantHSTS = "max-age=31536000; includeSubDomains"
			}
			if got := h.Get("Strict-Transport-Security"); got != wantHSTS {
				t.Errorf("GET %.40s (TLS %v): Strict-Transport-Security = %q, want %q", target, useTLS, got, wantHSTS)
			}
		}
	}
}

// An oversize query string is 414 and a malformed one 400, at every
// endpoint, before any handler (the provider's included) reads it.
func TestQueryLimits(t *testing.T) {
	e := wtServer(t)
	reached := 0
	e.provider.op = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ })
	for _, tc := range []struct {
		target string
		status int
	}{
		{"/authorize?q=" + strings.Repeat("a", maxQueryBytes-2), http.StatusOK}, // exactly the cap
		{"/authorize?q=" + strings.Repeat("a", maxQueryBytes-1), http.StatusRequestURITooLong},
		{"/signin?q=" + strings.Repeat("a", maxQueryBytes), http.StatusRequestURITooLong},
		{"/authorize?client_id=%zz", http.StatusBadRequest},
		{"/oauth/token?a=%", http.StatusBadRequest},
		{"/login?authRequestID=%G1", http.StatusBadRequest},
		{"/authorize?a;b", http.StatusBadRequest},
	} {
		reached = 0
		rec := e.get(tc.target)
		if rec.Code != tc.status {
			t.Errorf("GET %.60s = %d, want %d", tc.target, rec.Code, tc.status)
		}
		if tc.status != http.StatusOK && reached != 0 {
			t.Errorf("GET %.60s reached the provider", tc.target)
		}
	}
}

// A body declared larger than http.max_body_bytes is 413 before any
// handler runs; one that grows past it unannounced (chunked) is cut at the
// cap, so a form handler answers 413 and the provider reads an error.
func TestBodyLimit(t *testing.T) {
	const limit = 100
	e := wtServer(t, func(c *Config) { c.MaxBodyBytes = limit })
	var readErr error
	e.provider.op = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, readErr = io.ReadAll(r.Body)
	})
	big := "a=" + strings.Repeat("b", limit)

	// Declared: refused before the provider.
	r := httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(big))
	if rec := e.do(r); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("declared oversize body: %d, want 413", rec.Code)
	}
	// Unannounced: the provider's read fails at the cap.
	r = httptest.NewRequest(http.MethodPost, "/oauth/token", io.NopCloser(strings.NewReader(big)))
	r.ContentLength = -1
	e.do(r)
	var tooBig *http.MaxBytesError
	if !errors.As(readErr, &tooBig) || tooBig.Limit != limit {
		t.Errorf("provider read of an unannounced oversize body: %v, want a MaxBytesError at %d", readErr, limit)
	}
	// Unannounced, at a page: 413.
	r = wtPostForm("/logout", big)
	r.Body, r.ContentLength = io.NopCloser(strings.NewReader(big)), -1
	if rec := e.do(r); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("unannounced oversize form: %d, want 413", rec.Code)
	}
	// At the cap: read whole.
	readErr = errors.New("unset")
	e.do(httptest.NewRequest(http.MethodPost, "/oauth/token", strings.NewReader(big[:limit])))
	if readErr != nil {
		t.Errorf("body at the cap: %v", readErr)
	}
}

// statusRecorder keeps the first status written (a later WriteHeader is
// net/http's superfluous call), counts a bare Write as 200, and unwraps to
// the writer beneath for http.ResponseController.
func TestStatusRecorder(t *testing.T) {
	inner := httptest.NewRecorder()
	rec := &statusRecorder{ResponseWriter: inner}
	if _, err := rec.Write([]byte("x")); err != nil || rec.status != http.StatusOK {
		t.Errorf("Write: status %d, err %v; want 200", rec.status, err)
	}
	rec = &statusRecorder{ResponseWriter: httptest.NewRecorder()}
	rec.WriteHeader(http.StatusTeapot)
	rec.WriteHeader(http.StatusInternalServerError)
	_, _ = rec.Write([]byte("x"))
	if rec.status != http.StatusTeapot {
		t.Errorf("status %d, want the first one written (418)", rec.status)
	}
	if rec.Unwrap() == nil {
		t.Error("Unwrap = nil")
	}
}

// Handlers behind observe, the outage rewriting and the binding can
// still flush (streaming, server-sent answers): each wrapper unwraps.
func TestWrappersUnwrapForFlush(t *testing.T) {
	e := wtServer(t)
	var flushErr = errors.New("not called")
	e.provider.op = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "part")
		flushErr = http.NewResponseController(w).Flush()
	})
	rec := e.get("/keys")
	if flushErr != nil || !rec.Flushed {
		t.Errorf("flush through the wrappers: err %v, flushed %v", flushErr, rec.Flushed)
	}
}
