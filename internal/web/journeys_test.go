package web

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/flow/memflow"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/notify/notifytest"
	"github.com/carekey/carekey/internal/onetimecode"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/ratelimit/memlimit"
	"github.com/carekey/carekey/internal/recovery"
	"github.com/carekey/carekey/internal/registration"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/session/memsession"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store/memstore"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/pkg/text"
	"github.com/carekey/carekey/ui"
)

// journeyPassword meets the default password policy.
const journeyPassword = "Correct-Horse-42!"

// journeyRig is web.New on memory backends with the self-service journeys
// (registration, forgotten password) wired as internal/app wires them, a
// fake clock and a recording email sender. The OIDC provider is a stand-in:
// these pages never reach it.
type journeyRig struct {
	t     *testing.T
	srv   *Server
	clk   *clocktest.Clock
	mail  *notifytest.Recorder
	users *memstore.Store
	flows flow.Store
}

// journeyProvider is a Provider whose handler answers 404: the journeys'
// pages never reach the OIDC provider.
type journeyProvider struct{ Provider }

func (journeyProvider) Handler() http.Handler { return http.NotFoundHandler() }

// inlineJobs runs forgot password's background jobs at once.
type inlineJobs struct{ ctx context.Context }

func (j inlineJobs) Go(_ string, job notify.Job) bool { job(j.ctx); return true }

// newJourneyRig builds the rig; change, if not nil, edits the config first
// (to turn a journey off).
func newJourneyRig(t *testing.T, change func(*Config)) *journeyRig {
	t.Helper()
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	rig := &journeyRig{t: t, clk: clk, mail: &notifytest.Recorder{}, users: memstore.New(), flows: memflow.New(clk)}
	pages, err := render.New(ui.Templates(), config.Branding{ServiceName: "Children's Services Portal"}, nil,
		"error", "coming_soon", "register_profile", "register_credentials", "register_verify",
		"forgot_email", "forgot_verify", "forgot_password", "forgot_done")
	if err != nil {
		t.Fatal(err)
	}
	pepper := secret.Pepper{[]byte("0123456789abcdef0123456789abcdef")}
	hasher := password.NewHasher(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 4)
	policy := password.DefaultPolicy()
	templates := notify.Templates{ServiceName: "Children's Services Portal"}
	sessions := memsession.New(clk)
	cfg := Config{
		Provider: journeyProvider{}, Signin: &signin.Journey{Flows: rig.flows, Pepper: pepper, Clock: clk, Sessions: sessions,
			Logger: slog.New(slog.DiscardHandler), Accounts: &signin.Service{Users: rig.users, Clock: clk}},
		Users: rig.users, Flows: rig.flows, Sessions: sessions, Pages: pages, Clock: clk,
		Logger: slog.New(slog.DiscardHandler), Pepper: pepper, Policy: policy,
		Register: &registration.Service{
			Flows: rig.flows, Users: rig.users, Hasher: hasher, Policy: policy, Email: rig.mail, Templates: templates,
			Pepper: pepper, Clock: clk, BaseURL: "https://signin.example", Limiter: memlimit.New(clk), Limits: ratelimit.Defaults(),
		},
		Recovery: &recovery.Service{
			Flows: rig.flows, Users: rig.users, Sessions: sessions, Hasher: hasher, Policy: policy, Email: rig.mail,
			Jobs: inlineJobs{t.Context()}, Templates: templates, Pepper: pepper, Clock: clk,
			Limiter: memlimit.New(clk), Limits: ratelimit.Defaults(),
		},
	}
	if change != nil {
		change(&cfg)
	}
	if rig.srv, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	return rig
}

// journeyBrowser is one browser: it keeps its cookies and the CSRF token
// of the last page it was shown.
type journeyBrowser struct {
	rig     *journeyRig
	cookies map[string]*http.Cookie
	csrf    string
}

func (rig *journeyRig) browser() *journeyBrowser {
	return &journeyBrowser{rig: rig, cookies: map[string]*http.Cookie{}}
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// do sends one request through the server, as a browser would.
func (b *journeyBrowser) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	b.rig.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	b.rig.srv.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	if m := csrfInput.FindStringSubmatch(rec.Body.String()); m != nil {
		b.csrf = m[1]
	}
	return rec
}

// get shows path; post submits form (with the page's CSRF token unless it
// names one).
func (b *journeyBrowser) get(path string) *httptest.ResponseRecorder {
	return b.do(http.MethodGet, path, nil)
}

func (b *journeyBrowser) post(path string, form url.Values) *httptest.ResponseRecorder {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", b.csrf)
	}
	return b.do(http.MethodPost, path, form)
}

// has reports whether the browser holds the cookie named base.
func (b *journeyBrowser) has(base string) bool {
	_, ok := b.cookies["__Host-"+base]
	return ok
}

// want fails the test unless rec has status and, for a redirect, Location
// location; and unless the body holds every one of words.
func want(t *testing.T, rec *httptest.ResponseRecorder, status int, location string, words ...string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body:\n%s", rec.Code, status, rec.Body)
	}
	if location != "" && rec.Header().Get("Location") != location {
		t.Fatalf("Location %q, want %q", rec.Header().Get("Location"), location)
	}
	for _, w := range words {
		if !strings.Contains(rec.Body.String(), w) {
			t.Fatalf("body lacks %q:\n%s", w, rec.Body)
		}
	}
}

// words is the page text of message id, as html/template writes it.
func words(id text.ID) string { return html.EscapeString(text.Get(id)) }

// code returns the code last emailed to addr.
func (rig *journeyRig) code(addr string) string {
	rig.t.Helper()
	m, ok := rig.mail.LastEmail(addr)
	if !ok || m.Code == "" {
		rig.t.Fatalf("no code emailed to %s (%d emails)", addr, len(rig.mail.Emails()))
	}
	return m.Code
}

// TestJourneyErrorTable walks the one table from journey errors to pages:
// each row's error, wrapped as a service wraps it, gives the row's status,
// and the page shows its message.
func TestJourneyErrorTable(t *testing.T) {
	rig := newJourneyRig(t, nil)
	j := journey{cookie: "carekey_test", kind: "test", entry: "/test", title: "Test"}
	type result struct {
		status int
		page   *render.Page
	}
	show := func(err error) (*httptest.ResponseRecorder, result) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/test/step", nil)
		var res result
		res.page = &render.Page{}
		rig.srv.showJourneyError(rec, req, j, journeyErrors{}, fmt.Errorf("do step: %w", err), res.page, func(status int) {
			res.status = status
			rec.WriteHeader(status)
		})
		return rec, res
	}
	for _, row := range journeyErrorTable() {
		t.Run(row.err.Error(), func(t *testing.T) {
			rec, res := show(row.err)
			if rec.Code != row.status {
				t.Fatalf("status %d, want %d", rec.Code, row.status)
			}
			switch row.status {
			case http.StatusSeeOther:
				if rec.Header().Get("Location") != j.entry {
					t.Errorf("Location %q, want %s", rec.Header().Get("Location"), j.entry)
				}
			case http.StatusGone, http.StatusForbidden:
				if !strings.Contains(rec.Body.String(), words(row.msg)) || !strings.Contains(rec.Body.String(), `href="/test"`) {
					t.Errorf("page lacks its message or the way back:\n%s", rec.Body)
				}
			default:
				if res.status != row.status || len(res.page.Errors) != 1 || res.page.Errors[0].Text.ID != row.msg ||
					res.page.Errors[0].Field != row.field {
					t.Errorf("step re-rendered with %d, %+v; want %d, %q on %q", res.status, res.page.Errors, row.status, row.msg, row.field)
				}
			}
			if (row.status == http.StatusTooManyRequests) != (rec.Header().Get("Retry-After") != "") {
				t.Errorf("Retry-After %q with status %d", rec.Header().Get("Retry-After"), row.status)
			}
		})
	}

	t.Run("a limit says when to retry", func(t *testing.T) {
		rec, _ := show(&onetimecode.LimitError{Err: onetimecode.ErrCooldown, RetryAfter: 42 * time.Second})
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "42" {
			t.Errorf("status %d, Retry-After %q; want 429, 42", rec.Code, rec.Header().Get("Retry-After"))
		}
	})
	t.Run("any other limit is too many requests", func(t *testing.T) {
		rec, res := show(&onetimecode.LimitError{Err: errors.New("another limit")})
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "60" ||
			len(res.page.Errors) != 1 || res.page.Errors[0].Text.ID != text.TooManyRequests {
			t.Errorf("status %d, Retry-After %q, errors %+v", rec.Code, rec.Header().Get("Retry-After"), res.page.Errors)
		}
	})
	t.Run("a form with mistakes names each", func(t *testing.T) {
		var inv text.Invalid
		inv.Add("email", text.EmailRequired)
		inv.Add("password", text.PasswordRequired)
		rec, res := show(&inv)
		if rec.Code != http.StatusBadRequest || len(res.page.Errors) != 2 || res.page.Errors[1].Field != "password" {
			t.Errorf("status %d, errors %+v", rec.Code, res.page.Errors)
		}
	})
	t.Run("a journey's own sentinel", func(t *testing.T) {
		own := errors.New("own: bad transition")
		rec := httptest.NewRecorder()
		rig.srv.showJourneyError(rec, httptest.NewRequest(http.MethodPost, "/test/step", nil), j,
			journeyErrors{badTransition: own}, own, &render.Page{}, func(int) { t.Error("step rendered") })
		if rec.Code != http.StatusSeeOther {
			t.Errorf("status %d, want 303", rec.Code)
		}
	})
	t.Run("anything else is a server error", func(t *testing.T) {
		rec, _ := show(errors.New("disk on fire"))
		if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "disk on fire") {
			t.Errorf("status %d, body:\n%s", rec.Code, rec.Body)
		}
	})
}

// signinFlow gives b a live sign-in flow for auth request ar, as /login
// does, so a registration begun from the sign-in page can go back to it.
func (b *journeyBrowser) signinFlow(ar string) {
	b.rig.t.Helper()
	token := "signin-token"
	sum := sha256.Sum256([]byte(token))
	now := b.rig.clk.Now()
	f := flow.Flow{ID: "flw_signin", Kind: signin.Kind, State: string(signin.StatePassword), CSRFHash: sum[:],
		Data: map[string]string{signin.DataAuthRequest: ar}, CreatedAt: now, ExpiresAt: now.Add(30 * time.Minute)}
	if err := b.rig.flows.Create(b.rig.t.Context(), f); err != nil {
		b.rig.t.Fatal(err)
	}
	b.cookies["__Host-"+flowCookie] = &http.Cookie{Name: "__Host-" + flowCookie, Value: f.ID + "." + token}
}
