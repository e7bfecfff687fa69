package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/testenv"
)

// replayAfterGrace makes every refresh token presented again a replay, as if
// it came after tokens.refresh_retry_grace: for tests of theft, not of
// lost answers.
func replayAfterGrace(c *config.Config) { c.Tokens.RefreshRetryGrace = time.Nanosecond }

// behindProxies points c's PostgreSQL and Redis at TCP proxies the test can cut.
func behindProxies(t testing.TB, pg, rd **testenv.Proxy) func(*config.Config) {
	return func(c *config.Config) {
		u, err := url.Parse(c.Postgres.URL)
		if err != nil {
			t.Fatalf("parse postgres URL: %v", err)
		}
		*pg = testenv.NewProxy(t, u.Host)
		u.Host = (*pg).Addr()
		c.Postgres.URL = u.String()
		*rd = testenv.NewProxy(t, c.Redis.Addrs[0])
		c.Redis.Addrs = []string{(*rd).Addr()}
	}
}

// A refresh during a Redis outage fails with 503 and consumes nothing: once
// Redis is back, long after any retry grace, the client's token still works
// and its family lives on.
func TestRefreshSurvivesRedisOutage(t *testing.T) {
	clk := clocktest.New(time.Now().UTC())
	var pg, rd *testenv.Proxy
	e := startClock(t, true, behindProxies(t, &pg, &rd), nil, clk)
	tok := e.offlineTokens(t, e.browser())

	rd.Cut()
	resp, out := e.tokenRequest(t, "dashboard", dashSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("refresh with Redis down: status %d, want 503: %v", resp.StatusCode, out)
	}
	rd.Restore()
	clk.Advance(10 * time.Minute)

	next := e.refresh(t, "dashboard", dashSecret, tok.RefreshToken, http.StatusOK)
	rt, _ := next["refresh_token"].(string)
	if rt == "" {
		t.Fatalf("no rotated refresh token: %v", next)
	}
	clk.Advance(time.Minute)
	e.refresh(t, "dashboard", dashSecret, rt, http.StatusOK)
}

// A refresh whose answer was lost is retried within the grace and served
// again; the lost token, should it surface, is a replay that ends the family.
func TestRefreshRetriedAfterLostAnswer(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		tok := e.offlineTokens(t, e.browser())
		lost := e.refresh(t, "dashboard", dashSecret, tok.RefreshToken, http.StatusOK)
		again := e.refresh(t, "dashboard", dashSecret, tok.RefreshToken, http.StatusOK)
		rtLost, _ := lost["refresh_token"].(string)
		rt, _ := again["refresh_token"].(string)
		if rt == "" || rt == rtLost {
			t.Fatalf("retry answered %v", again)
		}
		at, _ := again["access_token"].(string)
		if got := e.userinfoStatus(t, at); got != http.StatusOK {
			t.Errorf("userinfo with the retry's access token: %d", got)
		}
		next := e.refresh(t, "dashboard", dashSecret, rt, http.StatusOK)
		e.refresh(t, "dashboard", dashSecret, rtLost, http.StatusBadRequest)
		rt2, _ := next["refresh_token"].(string)
		e.refresh(t, "dashboard", dashSecret, rt2, http.StatusBadRequest) // the family is revoked
	})
}

// dbDetail lists what a client must never read about the database.
var dbDetail = []string{"postgres", "dial", "connection", "127.0.0.1", "5432", "user=", "database", "pgx", "redis", "6379"}

// With PostgreSQL down, the token, userinfo and introspection endpoints
// answer without a word about the database.
func TestBackendErrorsNotSentToClients(t *testing.T) {
	var pg, rd *testenv.Proxy
	e := startWith(t, true, behindProxies(t, &pg, &rd))
	browser := e.browser()
	tok := e.offlineTokens(t, browser)
	online := e.dashboardTokens(t, browser, "profile") // an access token without a refresh token
	r := e.rp("dashboard", dashSecret, dashRedirect, "profile", "offline_access")
	verifier := oauth2.GenerateVerifier()
	code := e.login(browser, r, verifier, "n")
	pg.Cut()
	for _, tc := range []struct {
		name string
		do   func() *http.Response
	}{
		{"refresh", func() *http.Response {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.issuer+"/oauth/token",
				strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("dashboard", dashSecret)
			return do(t, e, req)
		}},
		{"code exchange", func() *http.Response {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.issuer+"/oauth/token",
				strings.NewReader(url.Values{"grant_type": {"authorization_code"}, "code": {code},
					"redirect_uri": {dashRedirect}, "code_verifier": {verifier}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("dashboard", dashSecret)
			return do(t, e, req)
		}},
		{"userinfo without a refresh token", func() *http.Response {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.issuer+"/userinfo", nil)
			req.Header.Set("Authorization", "Bearer "+online.AccessToken)
			return do(t, e, req)
		}},
		{"introspection without a refresh token", func() *http.Response {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.issuer+"/oauth/introspect",
				strings.NewReader(url.Values{"token": {online.AccessToken}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("dashboard", dashSecret)
			return do(t, e, req)
		}},
		{"introspection of the access token", func() *http.Response {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.issuer+"/oauth/introspect",
				strings.NewReader(url.Values{"token": {tok.AccessToken}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("dashboard", dashSecret)
			return do(t, e, req)
		}},
		{"userinfo", func() *http.Response {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.issuer+"/userinfo", nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			return do(t, e, req)
		}},
		{"introspection", func() *http.Response {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.issuer+"/oauth/introspect",
				strings.NewReader(url.Values{"token": {tok.RefreshToken}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("dashboard", dashSecret)
			return do(t, e, req)
		}},
		{"revocation", func() *http.Response {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.issuer+"/revoke",
				strings.NewReader(url.Values{"token": {tok.RefreshToken}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("dashboard", dashSecret)
			return do(t, e, req)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.do()
			body := readBody(t, resp)
			t.Logf("%d %s", resp.StatusCode, body)
			for _, w := range dbDetail {
				if strings.Contains(strings.ToLower(body), w) {
					t.Errorf("answer names %q: %s", w, body)
				}
			}
		})
	}
}

func do(t *testing.T, e *env, req *http.Request) *http.Response {
	t.Helper()
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
