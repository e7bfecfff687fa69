package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

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
