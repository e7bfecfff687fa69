package web

import (
	"bytes"
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/flow/memflow"
	"github.com/carekey/carekey/internal/oidcop"
	"github.com/carekey/carekey/internal/requestid"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/session/memsession"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/pkg/text"
	"github.com/carekey/carekey/ui"
)

// This file builds a Server the way internal/app does, through New, on
// memory backends and a stand-in provider, for the handler tests of the
// package. Its names start with wt so that other helper files do not clash.

// wtPageNames are the pages internal/app parses (app.go's pages).
var wtPageNames = []string{"signin", "signin_enrol_email", "signin_enrol", "signin_confirm", "signin_code", "signin_call",
	"signed_in", "logged_out", "error", "coming_soon",
	"register_profile", "register_credentials", "register_verify",
	"forgot_email", "forgot_verify", "forgot_password", "forgot_done",
	"confirm_logout", "account_phone", "account_phone_done"}

// wtProvider stands in for the OIDC provider. Its Handler serves op (200
// "op" when nil); every other method answers from its fields and records
// what it was asked, so tests can tell whether the web layer reached it.
type wtProvider struct {
	mu sync.Mutex
	op http.Handler

	authRequest    authstate.AuthRequest
	authRequestErr error
	callbackErr    error
	logoutLinkErr  error
	confirmNext    string // ConfirmLogout's answer ("" : the next it was given)
	confirmErr     error

	callbacks []wtCallback // CheckCallback's arguments, in order
	confirms  []wtConfirm  // ConfirmLogout's arguments, in order
}

type wtCallback struct{ ID, Browser string }
type wtConfirm struct{ SessionID, Next, MAC string }

var _ Provider = (*wtProvider)(nil)

func (p *wtProvider) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		op := p.op
		p.mu.Unlock()
		if op == nil {
			_, _ = w.Write([]byte("op"))
			return
		}
		op.ServeHTTP(w, r)
	})
}

func (p *wtProvider) AuthRequest(context.Context, string) (authstate.AuthRequest, error) {
	return p.authRequest, p.authRequestErr
}

func (p *wtProvider) CompleteAuthRequest(context.Context, string, oidcop.Login) (string, error) {
	return "/authorize/callback?id=" + p.authRequest.ID, nil
}

func (p *wtProvider) CheckCallback(_ context.Context, id, browser string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.callbacks = append(p.callbacks, wtCallback{id, browser})
	return p.callbackErr
}

func (p *wtProvider) CheckLogoutLink(string, string) error { return p.logoutLinkErr }

func (p *wtProvider) ConfirmLogout(_ context.Context, sessionID, next, mac string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.confirms = append(p.confirms, wtConfirm{sessionID, next, mac})
	if p.confirmErr != nil {
		return "", p.confirmErr
	}
	if p.confirmNext != "" {
		return p.confirmNext, nil
	}
	return next, nil
}

// wtEnv is a Server built by New and the pieces tests reach into.
type wtEnv struct {
	srv      *Server
	provider *wtProvider
	users    *memstore.Store
	sessions *memsession.Store
	clock    *clocktest.Clock
	logs     *bytes.Buffer // the JSON log lines of the server
	// ready is what cfg.Ready answers (nil: the backends are up).
	ready func() error
}

// wtNow is the fake clock's start.
var wtNow = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// wtServer builds a Server with New on memory backends, the real page
// templates and a wtProvider; edit may change the Config before New.
func wtServer(t *testing.T, edit ...func(*Config)) *wtEnv {
	t.Helper()
	clk := clocktest.New(wtNow)
	logs := &bytes.Buffer{}
	// As internal/app does: every line of a request names it.
	logger := slog.New(requestid.NewHandler(slog.NewJSONHandler(&wtSyncWriter{w: logs}, nil)))
	pages, err := render.New(ui.Templates(), config.Branding{ServiceName: "Test Service", CouncilName: "Test Council"}, logger, wtPageNames...)
	if err != nil {
		t.Fatal(err)
	}
	e := &wtEnv{
		provider: &wtProvider{},
		users:    memstore.New(),
		sessions: memsession.New(clk),
		clock:    clk,
		logs:     logs,
	}
	flows := memflow.New(clk)
	pepper := secret.Pepper{[]byte("wt-test-pepper-0123456789abcdef!")}
	cfg := Config{
		Provider: e.provider,
		Signin: &signin.Journey{Flows: flows, Pepper: pepper, Clock: clk, Audit: e.users, Logger: logger, Sessions: e.sessions,
			Accounts: &signin.Service{Users: e.users, Clock: clk, Logger: logger}, SessionIdle: 15 * time.Minute, SessionAbsolute: 12 * time.Hour},
		Users:           e.users,
		Flows:           flows,
		Sessions:        e.sessions,
		Pages:           pages,
		Static:          ui.Static(),
		Clock:           clk,
		Logger:          logger,
		Pepper:          pepper,
		SessionIdle:     15 * time.Minute,
		SessionAbsolute: 12 * time.Hour,
		Ready: func(context.Context) error {
			if e.ready != nil {
				return e.ready()
			}
			return nil
		},
	}
	for _, f := range edit {
		f(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	return e
}

// do serves r and returns the recorded response.
func (e *wtEnv) do(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, r)
	return rec
}

// get serves a GET of target.
func (e *wtEnv) get(target string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return e.do(r)
}

// wtPostForm is a same-origin form POST of body to target.
func wtPostForm(target, body string, cookies ...*http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewBufferString(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, c := range cookies {
		r.AddCookie(c)
	}
	return r
}

// signedIn stores a user and a live session for it and returns the
// session cookie a browser would send.
func (e *wtEnv) signedIn(t *testing.T, email string) (session.Session, *http.Cookie) {
	t.Helper()
	ctx := context.Background()
	u := store.User{ID: secret.ID("usr"), Email: email, EmailVerified: true, CreatedAt: wtNow}
	if err := e.users.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	sess := session.Session{
		ID: secret.Token(), UserID: u.ID, AuthTime: wtNow, AMR: []string{"pwd", "otp"},
		CreatedAt: wtNow, LastSeen: wtNow, IdleTimeout: 15 * time.Minute, ExpiresAt: wtNow.Add(12 * time.Hour),
	}
	if err := e.sessions.Create(ctx, sess); err != nil {
		t.Fatal(err)
	}
	return sess, &http.Cookie{Name: "__Host-" + sessionCookie, Value: sess.ID}
}

// wtCookie returns the cookie named name that rec sets, or nil.
func wtCookie(rec *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// wtSyncWriter serialises writes to w (the race detector watches log lines
// written by handlers while tests read them after).
type wtSyncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *wtSyncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// wtHasText reports whether a page body shows message id, as html/template
// escapes it.
func wtHasText(body string, id text.ID) bool {
	return strings.Contains(body, html.EscapeString(text.Get(id)))
}
