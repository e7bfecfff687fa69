package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/oidcop"
)

// New refuses a config that lacks any required piece, naming no default
// for it: a server without sessions or a pepper must not start.
func TestNewRefusesAnIncompleteConfig(t *testing.T) {
	full := wtServer(t).srv.cfg
	for name, drop := range map[string]func(*Config){
		"Provider": func(c *Config) { c.Provider = nil },
		"Signin":   func(c *Config) { c.Signin = nil },
		"Users":    func(c *Config) { c.Users = nil },
		"Flows":    func(c *Config) { c.Flows = nil },
		"Sessions": func(c *Config) { c.Sessions = nil },
		"Pages":    func(c *Config) { c.Pages = nil },
		"Clock":    func(c *Config) { c.Clock = nil },
		"Pepper":   func(c *Config) { c.Pepper = nil },
	} {
		cfg := full
		drop(&cfg)
		if s, err := New(cfg); err == nil || s != nil {
			t.Errorf("New without %s = %v, %v; want an error", name, s, err)
		}
	}
}

// New fills the optional settings with their documented defaults.
func TestNewDefaults(t *testing.T) {
	e := wtServer(t, func(c *Config) { c.Logger, c.FlowTTL, c.MaxBodyBytes = nil, 0, 0 })
	cfg := e.srv.cfg
	if cfg.Logger == nil || cfg.FlowTTL.Minutes() != 30 || cfg.MaxBodyBytes != 64<<10 {
		t.Errorf("defaults: logger %v, flow TTL %s, max body %d; want a logger, 30m, 65536", cfg.Logger, cfg.FlowTTL, cfg.MaxBodyBytes)
	}
	if e.srv.cookies.Insecure {
		t.Errorf("cookies insecure by default")
	}
}

// The routes New mounts answer with their own handlers: each is told
// apart from the provider's catch-all by what it answers.
func TestNewMountsTheRoutes(t *testing.T) {
	e := wtServer(t, func(c *Config) {
		c.Mounts = map[string]http.Handler{"/dev/": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "dev mount")
		})}
	})
	for _, tc := range []struct {
		method, target string
		status         int
		body           string // a part of the answer
	}{
		{http.MethodGet, "/healthz", http.StatusOK, "ok\n"},
		{http.MethodGet, "/readyz", http.StatusOK, "ready\n"},
		{http.MethodGet, "/signin", http.StatusSeeOther, ""}, // starts a flow, then shows it
		{http.MethodGet, "/logged-out", http.StatusOK, "<h1 class=\"govuk-heading-l\">You have signed out</h1>"},
		{http.MethodGet, "/", http.StatusSeeOther, ""}, // nobody signed in: to /signin
		{http.MethodGet, "/dev/outbox", http.StatusOK, "dev mount"},
		{http.MethodGet, "/static/carekey.css", http.StatusOK, "carekey"},
		{http.MethodGet, "/login?authRequestID=", http.StatusBadRequest, "<html"},
		{http.MethodGet, "/.well-known/openid-configuration", http.StatusOK, "op"},
		{http.MethodGet, "/authorize?client_id=app", http.StatusOK, "op"},
	} {
		rec := e.do(httptest.NewRequest(tc.method, tc.target, nil))
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("%s %s = %d %.80q; want %d with %q", tc.method, tc.target, rec.Code, rec.Body, tc.status, tc.body)
		}
	}
	if loc := e.get("/").Header().Get("Location"); loc != "/signin" {
		t.Errorf("GET / signed out: Location %q, want /signin", loc)
	}
}

// Static files are cacheable for an hour; a missing one is a 404, never
// the provider's.
func TestStaticFiles(t *testing.T) {
	e := wtServer(t)
	rec := e.get("/static/carekey.css")
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "public, max-age=3600" ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Errorf("GET /static/carekey.css = %d, Cache-Control %q, Content-Type %q", rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("Content-Type"))
	}
	if rec := e.get("/static/missing.css"); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "op") {
		t.Errorf("GET /static/missing.css = %d %q, want 404 from the file server", rec.Code, rec.Body)
	}
	// Without Static, /static/ is not served by carekey at all.
	e = wtServer(t, func(c *Config) { c.Static = nil })
	if rec := e.get("/static/carekey.css"); rec.Body.String() != "op" {
		t.Errorf("without Static: GET /static/carekey.css = %d %q, want the provider's catch-all", rec.Code, rec.Body)
	}
}

// A page route answers only its methods: any other method gets the 405
// page (method.go) without reaching the page's handler, and a path carekey
// has no page for falls through to the provider's catch-all; so a GET of
// /logout or of the sign-out confirmation never ends a session: a link or
// an image cannot sign anyone out.
func TestWrongMethodNeverReachesThePageHandler(t *testing.T) {
	e := wtServer(t)
	e.provider.op = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "op: not found", http.StatusNotFound)
	})
	sess, cookie := e.signedIn(t, "penny@example.org")
	for _, tc := range []struct {
		method, target string
		want           int
	}{
		{http.MethodGet, "/logout", http.StatusMethodNotAllowed},
		{http.MethodPut, "/signin", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/end_session/confirm", http.StatusMethodNotAllowed},
		{http.MethodGet, "/signin/verify", http.StatusMethodNotAllowed},
		{http.MethodGet, "/no-such-page", http.StatusNotFound},
	} {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		r.AddCookie(cookie)
		rec := e.do(r)
		if rec.Code != tc.want || tc.want == http.StatusNotFound && rec.Body.String() != "op: not found\n" {
			t.Errorf("%s %s = %d %q; want %d", tc.method, tc.target, rec.Code, rec.Body, tc.want)
		}
	}
	if _, err := e.sessions.Get(context.Background(), sess.ID); err != nil {
		t.Errorf("session ended by a wrong-method request: %v", err)
	}
}

// /readyz is 503 with Retry-After while a backend is down, and says so in
// the log (never the body: it names no backend).
func TestReadyz(t *testing.T) {
	e := wtServer(t)
	if rec := e.get("/readyz"); rec.Code != http.StatusOK || rec.Body.String() != "ready\n" {
		t.Errorf("ready: %d %q", rec.Code, rec.Body)
	}
	e.ready = func() error { return errors.New("redis 10.0.0.7:6379 refused") }
	rec := e.get("/readyz")
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "30" {
		t.Errorf("not ready: %d, Retry-After %q; want 503, 30", rec.Code, rec.Header().Get("Retry-After"))
	}
	if strings.Contains(rec.Body.String(), "10.0.0.7") || !strings.Contains(e.logs.String(), "not ready") {
		t.Errorf("not ready: body %q, log %q; want the cause in the log only", rec.Body, e.logs)
	}
	// Without a Ready probe the server is ready.
	e = wtServer(t, func(c *Config) { c.Ready = nil })
	if rec := e.get("/readyz"); rec.Code != http.StatusOK {
		t.Errorf("no probe: %d", rec.Code)
	}
}

// The provider is told the browser's session (for end_session) from the
// session cookie, and nothing when there is none.
func TestProviderSeesTheSessionCookie(t *testing.T) {
	e := wtServer(t)
	var seen string
	e.provider.op = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = oidcop.SessionIDFromContext(r.Context())
	})
	e.get("/end_session", &http.Cookie{Name: "__Host-" + sessionCookie, Value: "sess-1"})
	if seen != "sess-1" {
		t.Errorf("provider saw session %q, want sess-1", seen)
	}
	seen = "untouched"
	e.get("/end_session")
	if seen != "" {
		t.Errorf("no cookie: provider saw session %q", seen)
	}
	// A cookie without the __Host- prefix is not carekey's.
	e.get("/end_session", &http.Cookie{Name: sessionCookie, Value: "planted"})
	if seen != "" {
		t.Errorf("unprefixed cookie: provider saw session %q", seen)
	}
}
