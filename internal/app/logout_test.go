package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/dashboard"
	"github.com/carekey/carekey/internal/testenv"
)

// dashEnv is carekey with the reference dashboard on its own server.
type dashEnv struct {
	*env
	dash *httptest.Server
}

// startClocked runs carekey like startWith, reading time from clk, and with
// withDashboard also the dev dashboard on its own httptest server, its
// client's redirect, post-logout and back-channel URIs pointing there.
func startClocked(t *testing.T, real bool, clk clock.Clock, withDashboard bool, mutate func(*config.Config)) *dashEnv {
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
	var dash *httptest.Server
	if withDashboard {
		dash = httptest.NewServer(nil)
		t.Cleanup(dash.Close)
		cfg.Dev.DashboardURL = dash.URL
		for i, c := range cfg.Clients {
			if c.ID == "dashboard" {
				cfg.Clients[i].RedirectURIs = []string{dash.URL + "/callback"}
				cfg.Clients[i].PostLogoutURIs = []string{dash.URL + "/"}
				cfg.Clients[i].BackchannelLogoutURI = dash.URL + "/backchannel-logout"
			}
		}
	}
	mode := config.ModeDev
	if real {
		mode = config.ModeServe
		opts, prefix := testenv.Redis(t)
		cfg.Postgres.URL = testenv.PostgresURL(t)
		cfg.Postgres.Migrate = "auto"
		cfg.Redis.Addrs = []string{opts.Addr}
		cfg.Redis.DB = opts.DB
		cfg.Redis.KeyPrefix = prefix
		cfg.Dev = config.Dev{InsecureCookies: true, Outbox: true}
	}
	if mutate != nil {
		mutate(cfg)
	}
	a, err := app.New(t.Context(), app.Options{
		Config: cfg, Mode: mode, Clock: clk, HTTPClient: srv.Client(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("start app: %v", err)
	}
	t.Cleanup(a.Close)
	if real {
		seedUser(t, a)
	}
	srv.Config.Handler = a.Handler()
	if dash != nil {
		dash.Config.Handler = a.DashboardHandler() // dev mode
		if dash.Config.Handler == nil {            // production mode has no dashboard: build one
			d, err := dashboard.New(dashboard.Config{
				Issuer: srv.URL, ClientID: "dashboard", ClientSecret: dashSecret,
				BaseURL: dash.URL, HTTPClient: srv.Client(),
			})
			if err != nil {
				t.Fatal(err)
			}
			dash.Config.Handler = d.Handler()
		}
	}
	return &dashEnv{env: &env{t: t, srv: srv, app: a, issuer: srv.URL, cfg: cfg}, dash: dash}
}

// authorizeAsks reports whether a new /authorize in browser c asks the user to
// sign in (true) or is answered from the existing session (false).
func (e *env) authorizeAsks(t *testing.T, c *http.Client) bool {
	t.Helper()
	r := e.rp(publicID, "", publicRedir)
	resp, err := c.Get(r.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatalf("GET authorize: %v", err)
	}
	body := readBody(t, resp)
	switch {
	case resp.StatusCode == http.StatusOK && strings.Contains(body, "<h1 class=\"govuk-heading-l\">Sign in</h1>"):
		return true
	case resp.StatusCode/100 == 3 && strings.HasPrefix(resp.Header.Get("Location"), publicRedir):
		if u, _ := url.Parse(resp.Header.Get("Location")); u.Query().Get("code") == "" {
			t.Fatalf("authorize redirected without a code: %s", u)
		}
		return false
	}
	t.Fatalf("authorize: unexpected %d:\n%s", resp.StatusCode, body)
	return false
}

// signInPublic signs the seeded user in at the dev-public client.
func (e *env) signInPublic(t *testing.T, c *http.Client) {
	t.Helper()
	r := e.rp(publicID, "", publicRedir)
	e.login(c, r, oauth2.GenerateVerifier(), "n-1")
}

// The IdP session ends after 15 minutes without activity (sliding) and after
// 12 hours whatever the activity (design.md 3.5).
func TestIdPSessionTimeouts(t *testing.T) {
	for _, real := range []bool{false, true} {
		name := map[bool]string{false: "memory", true: "postgres+redis"}[real]
		t.Run(name+"/idle", func(t *testing.T) {
			clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
			e := startClocked(t, real, clk, false, nil)
			c := e.browser()
			e.signInPublic(t, c)
			clk.Advance(14*time.Minute + 59*time.Second)
			if e.authorizeAsks(t, c) {
				t.Fatal("asked to sign in again after 14:59 idle")
			}
			clk.Advance(14*time.Minute + 59*time.Second) // slid by the last request
			if e.authorizeAsks(t, c) {
				t.Fatal("asked to sign in again: the idle timer did not slide")
			}
			clk.Advance(15 * time.Minute)
			if !e.authorizeAsks(t, c) {
				t.Fatal("session alive after 15 idle minutes")
			}
		})
		t.Run(name+"/absolute", func(t *testing.T) {
			clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
			e := startClocked(t, real, clk, false, nil)
			c := e.browser()
			e.signInPublic(t, c)
			for i := 1; i < 12*6; i++ { // every 10 minutes, up to 11:50
				clk.Advance(10 * time.Minute)
				if e.authorizeAsks(t, c) {
					t.Fatalf("asked to sign in again after %s of activity", time.Duration(i)*10*time.Minute)
				}
			}
			clk.Advance(10 * time.Minute) // 12 hours since sign-in
			if !e.authorizeAsks(t, c) {
				t.Fatal("session alive 12 hours after sign-in")
			}
		})
	}
}

// dashBrowser is a browser for carekey and the dashboard: it follows
// redirects within the issuer and stops at the dashboard, which the test
// then visits itself.
func (e *dashEnv) dashBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	c := *e.srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), e.issuer) {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return &c
}

// signInAtDashboard signs the seeded user in at the dashboard and returns the
// chooser page.
func (e *dashEnv) signInAtDashboard(t *testing.T, c *http.Client) string {
	t.Helper()
	back := e.signIn(c, e.dash.URL+"/login", testEmail, testPassword)
	resp, err := c.Get(back.String())
	if err != nil {
		t.Fatalf("GET callback: %v", err)
	}
	if readBody(t, resp); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: status %d", resp.StatusCode)
	}
	resp, err = c.Get(e.dash.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	return mustStatus(t, resp, http.StatusOK)
}

// Acceptance 4 of issue 6: end_session at carekey sends a back-channel
// logout token to the dashboard, which verifies it (signature, aud, iss,
// events, no nonce) and ends its own session of that sid.
func TestBackchannelLogoutReachesDashboard(t *testing.T) {
	backendsReal(t, func(t *testing.T, real bool) {
		e := startClocked(t, real, nil, true, nil)
		if !real {
			resp, err := e.srv.Client().Get(e.issuer + "/.well-known/openid-configuration")
			if err != nil {
				t.Fatal(err)
			}
			body := mustStatus(t, resp, http.StatusOK)
			for _, want := range []string{`"backchannel_logout_supported":true`, `"backchannel_logout_session_supported":true`} {
				if !strings.Contains(body, want) {
					t.Errorf("discovery lacks %s", want)
				}
			}
		}
		c := e.dashBrowser()
		if page := e.signInAtDashboard(t, c); !strings.Contains(page, "Select an account to manage") && !strings.Contains(page, "My Account") {
			t.Fatalf("not signed in at the dashboard:\n%s", page)
		}
		// The user ends the IdP session at carekey, not through the dashboard:
		// without a hint, on the Sign out page (issue 10, point 11).
		resp, err := c.Get(e.issuer + "/end_session")
		if err != nil {
			t.Fatal(err)
		}
		resp, err = c.PostForm(e.issuer+"/end_session/confirm", hiddenFields(mustStatus(t, resp, http.StatusOK)))
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		if !e.authorizeAsks(t, c) {
			t.Fatal("IdP session alive after end_session")
		}
		// Delivery is in the background: wait for the dashboard to forget.
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := c.Get(e.dash.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if strings.Contains(body, `href="/login"`) && !strings.Contains(body, "Logout") {
				return // signed out at the dashboard
			}
			if time.Now().After(deadline) {
				t.Fatalf("dashboard session still alive 10 s after end_session:\n%s", body)
			}
			time.Sleep(20 * time.Millisecond) // polling an asynchronous delivery
		}
	})
}

// backendsReal runs fn on memory backends and on PostgreSQL + Redis.
func backendsReal(t *testing.T, fn func(t *testing.T, real bool)) {
	t.Run("memory", func(t *testing.T) { fn(t, false) })
	t.Run("postgres+redis", func(t *testing.T) { fn(t, true) })
}
