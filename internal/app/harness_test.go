package app_test

import (
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/testenv"
)

const (
	testPassword  = "Correct-Horse-42!"
	testEmail     = "penny.plumber.portal@example.com"
	dashSecret    = "dev-dashboard-secret-not-for-production"
	dashRedirect  = "http://localhost:8081/callback"
	publicID      = "dev-public"
	publicRedir   = "http://localhost:9999/callback"
	dashLogoutURI = "http://localhost:8081/"
)

// env is one running carekey under test.
type env struct {
	t      testing.TB
	srv    *httptest.Server
	app    *app.App
	issuer string
	cfg    *config.Config
}

func repoFile(t testing.TB, rel string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", rel)
}

// backends runs fn once per backend: memory always; PostgreSQL + Redis when the
// test services are configured (and always under CI=true).
func backends(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Run("memory", func(t *testing.T) { fn(t, start(t, false)) })
	t.Run("postgres+redis", func(t *testing.T) { fn(t, start(t, true)) })
}

// backendsWith is backends with a config change.
func backendsWith(t *testing.T, mutate func(*config.Config), fn func(t *testing.T, e *env)) {
	t.Run("memory", func(t *testing.T) { fn(t, startWith(t, false, mutate)) })
	t.Run("postgres+redis", func(t *testing.T) { fn(t, startWith(t, true, mutate)) })
}

// generousLimits raises the sign-in rate limits out of a test's way: the
// per-source backoff before the lockout included (so that one test client
// can reach the hard lock), and the queue of password hashes (beyond which a
// sign-in is answered 503).
func generousLimits(c *config.Config) {
	c.RateLimits.SigninPerIP.Max = 10000
	c.RateLimits.SigninPerAccount.Max = 10000
	c.Lockout.SourceBackoff.Max = 10000
	c.PasswordPolicy.HashQueue = 10000
}

// start runs carekey over TLS on a random port with configs/dev.yaml, on memory
// backends or on PostgreSQL + Redis.
func start(t testing.TB, real bool) *env {
	t.Helper()
	return startWith(t, real, nil)
}

// startWith is start with a chance to change the config before the app opens
// its backends.
func startWith(t testing.TB, real bool, mutate func(*config.Config)) *env {
	t.Helper()
	return startFull(t, real, mutate, nil)
}

// startWithLogger runs carekey in dev mode with logger, to read what it logs.
func startWithLogger(t testing.TB, logger *slog.Logger) *env {
	t.Helper()
	return startFull(t, false, nil, logger)
}

func startFull(t testing.TB, real bool, mutate func(*config.Config), logger *slog.Logger) *env {
	t.Helper()
	return startClock(t, real, mutate, logger, nil)
}

// startWithClock runs carekey with clk as its clock (a clocktest.Clock), so
// a test can move time (code expiry, resend cooldown) without sleeping.
func startWithClock(t testing.TB, real bool, clk clock.Clock) *env {
	t.Helper()
	return startClock(t, real, nil, nil, clk)
}

func startClock(t testing.TB, real bool, mutate func(*config.Config), logger *slog.Logger, clk clock.Clock, options ...func(*app.Options)) *env {
	t.Helper()
	cfg, err := config.Load(repoFile(t, "configs/dev.yaml"), config.Options{Env: func(string) string { return "" }})
	if err != nil {
		t.Fatalf("load dev config: %v", err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cfg.Issuer = srv.URL
	cfg.Dev.DashboardURL = ""
	cfg.Dev.SeedPassword = testPassword
	mode := config.ModeDev
	if real {
		mode = config.ModeServe
		opts, prefix := testenv.Redis(t)
		cfg.Postgres.URL = testenv.PostgresURL(t)
		cfg.Postgres.Migrate = "auto"
		cfg.Redis.Addrs = []string{opts.Addr}
		cfg.Redis.DB = opts.DB
		cfg.Redis.KeyPrefix = prefix
		// The dev outbox stands in for SMS and voice so journeys can read codes.
		cfg.Dev = config.Dev{InsecureCookies: true, Outbox: true}
	}
	if mutate != nil {
		mutate(cfg)
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if testing.Verbose() && logger.Handler().Enabled(t.Context(), slog.LevelDebug) == false {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	opts := app.Options{Config: cfg, Mode: mode, Logger: logger, Clock: clk}
	for _, o := range options {
		o(&opts) // observability_test.go: an in-memory tracer provider
	}
	a, err := app.New(t.Context(), opts)
	if err != nil {
		t.Fatalf("start app: %v", err)
	}
	t.Cleanup(a.Close)
	if real {
		seedUser(t, a)
	}
	srv.Config.Handler = a.Handler()
	return &env{t: t, srv: srv, app: a, issuer: srv.URL, cfg: cfg}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// seedUser creates the test user in a production-mode store (dev mode seeds it).
func seedUser(t testing.TB, a *app.App) {
	t.Helper()
	st := a.Backends().Store
	hash := devHash(t)
	now := time.Now().UTC()
	err := st.CreateUser(t.Context(), store.User{
		ID: "usr_penny", Email: testEmail, EmailVerified: true, GivenName: "Penny QQ", FamilyName: "Plumber",
		PasswordHash: hash, Phone: "+447700900047", PhoneVerified: true, CreatedAt: now, UpdatedAt: now,
	})
	if err != nil && !errors.Is(err, store.ErrConflict) { // a second instance on the same schema
		t.Fatalf("seed user: %v", err)
	}
}

// browser returns an HTTP client with a cookie jar that trusts the test server
// and stops at any redirect that leaves it (to a client's redirect URI).
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := *e.srv.Client() // a copy: each browser has its own cookie jar
	c.Jar = jar
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), e.issuer) {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return &c
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func csrfOf(t testing.TB, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token in page:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

func readBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}

// signIn follows authURL in browser c, signs in on the hosted page if asked, and
// returns the redirect back to the client.
func (e *env) signIn(c *http.Client, authURL, email, password string) *url.URL {
	t := e.t
	t.Helper()
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatalf("GET authorize: %v", err)
	}
	body := readBody(t, resp)
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 {
		u, _ := url.Parse(loc)
		return u // session reused
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1 class=\"govuk-heading-l\">Sign in</h1>") {
		t.Fatalf("authorize: want the sign-in page, got %d:\n%s", resp.StatusCode, body)
	}
	form := url.Values{"csrf_token": {csrfOf(t, body)}, "email": {email}, "password": {password}}
	resp, err = c.PostForm(e.issuer+"/signin", form)
	if err != nil {
		t.Fatalf("POST signin: %v", err)
	}
	return e.confirmPhone(c, resp, "sms")
}

// confirmPhone completes "Confirm your identity" from the page in resp by
// method "sms" (the code read from the dev outbox, as the user reads their
// phone) or "tel" (the outbox presses #), enrolling testPhone first if asked
// (after the code emailed to the account, read from the outbox as the user
// reads their email), and returns the redirect back to the client.
func (e *env) confirmPhone(c *http.Client, resp *http.Response, method string) *url.URL {
	t := e.t
	t.Helper()
	body := readBody(t, resp)
	for range 7 {
		if resp.StatusCode/100 == 3 {
			u, err := url.Parse(resp.Header.Get("Location"))
			if err != nil {
				t.Fatalf("parse redirect: %v", err)
			}
			return u
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("sign in: status %d at %s:\n%s", resp.StatusCode, resp.Request.URL.Path, body)
		}
		csrf := csrfOf(t, body)
		var err error
		switch {
		case strings.Contains(body, `action="/signin/email/verify"`):
			resp, err = c.PostForm(e.issuer+"/signin/email/verify", url.Values{"csrf_token": {csrf}, "code": {e.lastEmailCode(t)}})
		case strings.Contains(body, `action="/signin/enrol"`):
			resp, err = c.PostForm(e.issuer+"/signin/enrol", url.Values{"csrf_token": {csrf}, "country": {"44"}, "phone": {testPhone}})
		case strings.Contains(body, `action="/signin/verify"`):
			resp, err = c.PostForm(e.issuer+"/signin/verify", url.Values{"csrf_token": {csrf}, "code": {e.lastCode(t)}})
		case strings.Contains(body, `action="/signin/continue"`):
			e.pressHash(t)
			resp, err = c.PostForm(e.issuer+"/signin/continue", url.Values{"csrf_token": {csrf}})
		case strings.Contains(body, `action="/signin/send-code"`) && method == "sms":
			resp, err = c.PostForm(e.issuer+"/signin/send-code", url.Values{"csrf_token": {csrf}})
		case strings.Contains(body, `action="/signin/call"`) && method == "tel":
			resp, err = c.PostForm(e.issuer+"/signin/call", url.Values{"csrf_token": {csrf}})
		default:
			t.Fatalf("sign in: unexpected page at %s:\n%s", resp.Request.URL.Path, body)
		}
		if err != nil {
			t.Fatalf("sign in: %v", err)
		}
		body = readBody(t, resp)
	}
	t.Fatalf("sign in: did not get back to the client")
	return nil
}

// testPhone is the number tests enrol for users without one.
const testPhone = "07700 900111"

// lastCode is the newest SMS code in the dev outbox, read from
// GET /dev/outbox.json as a developer would.
func (e *env) lastCode(t testing.TB) string {
	t.Helper()
	resp, err := e.srv.Client().Get(e.issuer + "/dev/outbox.json")
	if err != nil {
		t.Fatal(err)
	}
	var box struct {
		Messages []struct {
			Channel string  `json:"channel"`
			Code    *string `json:"code"`
		} `json:"messages"`
	}
	if err := json.Unmarshal([]byte(mustStatus(t, resp, http.StatusOK)), &box); err != nil {
		t.Fatalf("decode outbox: %v", err)
	}
	for _, m := range box.Messages { // newest first
		if m.Channel == "sms" && m.Code != nil {
			return *m.Code
		}
	}
	t.Fatal("no SMS code in the dev outbox")
	return ""
}

// lastEmailCode is the newest emailed code in the dev outbox, to whichever
// address.
func (e *env) lastEmailCode(t testing.TB) string {
	t.Helper()
	for _, m := range e.outbox(t) { // newest first
		if m.Channel == "email" && m.Code != nil {
			return *m.Code
		}
	}
	t.Fatal("no emailed code in the dev outbox")
	return ""
}

// pressHash answers the newest pending call in the dev outbox.
func (e *env) pressHash(t testing.TB) {
	t.Helper()
	for _, m := range e.app.Senders().Outbox.Messages() {
		if m.Pending() {
			resp, err := e.srv.Client().Post(e.issuer+"/dev/outbox/"+m.ID+"/press-hash", "application/x-www-form-urlencoded", nil)
			if err != nil {
				t.Fatal(err)
			}
			readBody(t, resp)
			return
		}
	}
	t.Fatal("no pending call in the dev outbox")
}

func mustStatus(t testing.TB, resp *http.Response, want int) string {
	t.Helper()
	body := readBody(t, resp)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d:\n%s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	}
	return body
}
