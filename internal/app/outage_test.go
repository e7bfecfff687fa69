package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/testenv"
)

// startBehindProxies runs carekey on PostgreSQL and Redis reached through TCP
// proxies the test can cut.
func startBehindProxies(t testing.TB) (e *env, pg, rd *testenv.Proxy) {
	t.Helper()
	e = startWith(t, true, func(c *config.Config) {
		u, err := url.Parse(c.Postgres.URL)
		if err != nil {
			t.Fatalf("parse postgres URL: %v", err)
		}
		pg = testenv.NewProxy(t, u.Host)
		u.Host = pg.Addr()
		c.Postgres.URL = u.String()
		rd = testenv.NewProxy(t, c.Redis.Addrs[0])
		c.Redis.Addrs = []string{rd.Addr()}
	})
	return e, pg, rd
}

func (e *env) status(t testing.TB, path string) int {
	t.Helper()
	resp, err := e.srv.Client().Get(e.issuer + path)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	return resp.StatusCode
}

func TestOutages(t *testing.T) {
	for _, tc := range []struct {
		name string
		cut  func(pg, rd *testenv.Proxy) *testenv.Proxy
	}{
		{"postgres down", func(pg, _ *testenv.Proxy) *testenv.Proxy { return pg }},
		{"redis down", func(_, rd *testenv.Proxy) *testenv.Proxy { return rd }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, pg, rd := startBehindProxies(t)
			down := tc.cut(pg, rd)
			r := e.rp("dashboard", dashSecret, dashRedirect, "profile", "offline_access")
			browser := e.browser()
			verifier := oauth2.GenerateVerifier()
			code := e.login(browser, r, verifier, "n")
			if got := e.status(t, "/readyz"); got != http.StatusOK {
				t.Fatalf("/readyz before the outage = %d", got)
			}

			down.Cut()
			if got := e.status(t, "/readyz"); got != http.StatusServiceUnavailable {
				t.Errorf("/readyz during the outage = %d, want 503", got)
			}
			// The code cannot be exchanged: no token, and the client is told to retry.
			resp, out := e.tokenRequest(t, "dashboard", dashSecret, url.Values{
				"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {dashRedirect}, "code_verifier": {verifier},
			})
			if out["access_token"] != nil || out["id_token"] != nil {
				t.Errorf("tokens issued during the outage: %v", out)
			}
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
				t.Errorf("token endpoint during the outage: %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			// The hosted sign-in page says the service is unavailable.
			c := e.browser()
			resp, err := c.PostForm(e.issuer+"/signin", url.Values{"email": {testEmail}, "password": {testPassword}})
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusForbidden {
				t.Errorf("sign-in during the outage: %d, want 503 (or 403 without a flow)", resp.StatusCode)
			}
			if resp.StatusCode == http.StatusServiceUnavailable && !strings.Contains(body, "unavailable") {
				t.Errorf("503 page does not say the service is unavailable:\n%s", body)
			}

			down.Restore()
			if got := e.status(t, "/readyz"); got != http.StatusOK {
				t.Errorf("/readyz after the outage = %d, want 200", got)
			}
			code = e.login(e.browser(), r, verifier, "n2")
			ctx := oidc.ClientContext(t.Context(), r.http)
			if _, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err != nil {
				t.Errorf("exchange after the outage: %v", err)
			}
		})
	}
}

// TestBlackholedBackends: a backend that stops answering (accepts, never
// replies) turns into 503 with Retry-After within the configured deadlines,
// not a request that hangs (it hung for over 40 s before).
func TestBlackholedBackends(t *testing.T) {
	for _, tc := range []struct {
		name string
		hole func(pg, rd *testenv.Proxy) *testenv.Proxy
	}{
		{"postgres", func(pg, _ *testenv.Proxy) *testenv.Proxy { return pg }},
		{"redis", func(_, rd *testenv.Proxy) *testenv.Proxy { return rd }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pg, rd *testenv.Proxy
			e := startWith(t, true, func(c *config.Config) {
				u, err := url.Parse(c.Postgres.URL)
				if err != nil {
					t.Fatal(err)
				}
				pg = testenv.NewProxy(t, u.Host)
				u.Host = pg.Addr()
				c.Postgres.URL = u.String()
				rd = testenv.NewProxy(t, c.Redis.Addrs[0])
				c.Redis.Addrs = []string{rd.Addr()}
				c.Postgres.QueryTimeout = 500 * time.Millisecond
				c.Redis.ReadTimeout, c.Redis.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
			})
			r := e.rp("dashboard", dashSecret, dashRedirect, "profile", "offline_access")
			verifier := oauth2.GenerateVerifier()
			code := e.login(e.browser(), r, verifier, "n")
			ctx := oidc.ClientContext(t.Context(), r.http)
			tok, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatal(err)
			}

			tc.hole(pg, rd).Blackhole()
			// Each request must come back, as 503 with Retry-After, well
			// before a client would give up (the bound is generous: this
			// checks for a hang, not for speed).
			client := *e.srv.Client()
			client.Timeout = 20 * time.Second
			for _, req := range []func() (*http.Response, error){
				func() (*http.Response, error) { return client.Get(e.issuer + "/readyz") },
				func() (*http.Response, error) {
					form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
					req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.issuer+"/oauth/token", strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.SetBasicAuth("dashboard", dashSecret)
					return client.Do(req)
				},
			} {
				began := time.Now()
				resp, err := req()
				if err != nil {
					t.Fatalf("request during the blackhole: %v (hung?)", err)
				}
				took := time.Since(began)
				t.Logf("%s %s: %d in %v", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, took)
				// The deadlines set above are 0.5 s, the readiness probe's
				// 2 s: an answer after 5 s means a call waited on the
				// backend without one (it hung for over 40 s before).
				if took > 5*time.Second {
					t.Errorf("%s %s took %v: a call had no deadline", resp.Request.Method, resp.Request.URL.Path, took)
				}
				body := readBody(t, resp)
				if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
					t.Errorf("%s %s during the blackhole: %d (Retry-After %q), want 503:\n%.300s",
						resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, resp.Header.Get("Retry-After"), body)
				}
			}
			// A sign-in: with Redis gone /authorize tells the client to try
			// later (RFC 6749 temporarily_unavailable); with PostgreSQL gone
			// the password step answers 503.
			browser := e.browser()
			browser.Timeout = 20 * time.Second
			resp, err := browser.Get(r.conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
			if err != nil {
				t.Fatalf("authorize during the blackhole: %v", err)
			}
			body := readBody(t, resp)
			switch {
			case resp.StatusCode/100 == 3:
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if got := loc.Query().Get("error"); got != "temporarily_unavailable" {
					t.Errorf("authorize during the blackhole sent the client error %q, want temporarily_unavailable (%s)", got, loc)
				}
			case resp.StatusCode == http.StatusOK && strings.Contains(body, "<h1 class=\"govuk-heading-l\">Sign in</h1>"):
				resp, err = browser.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {csrfOf(t, body)}, "email": {testEmail}, "password": {testPassword}})
				if err != nil {
					t.Fatalf("sign in during the blackhole: %v", err)
				}
				body = readBody(t, resp)
				if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
					t.Errorf("sign-in during the blackhole: %d (Retry-After %q), want 503:\n%.300s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
				}
			default:
				t.Errorf("authorize during the blackhole: %d, want a redirect to the client or the sign-in page:\n%.300s", resp.StatusCode, body)
			}

			tc.hole(pg, rd).Restore()
			if got := e.status(t, "/readyz"); got != http.StatusOK {
				t.Errorf("/readyz after the blackhole = %d, want 200", got)
			}
		})
	}
}
