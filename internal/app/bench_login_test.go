//go:build unix

package app_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/notify/outbox"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/store"
)

// BenchmarkLogin runs whole sign-ins as the council's users do them, from
// parallel browsers: authorize → "Sign in" (email, password) → "Confirm your
// identity" → Send Code → the 6-digit code → back at the client with a code
// → token exchange with PKCE (ID token signed). The browsers call the handler
// in-process (no TCP or TLS) and do as little as a client can (a regexp for
// the CSRF token), so the process's CPU time is almost all the server's.
//
// Besides ns/op it reports, per login, the process CPU (cpu-ms/login), the
// CPU of its one argon2id verification measured alone on this machine
// (argon2-ms/login), and the rest (other-cpu-ms/login): an upper bound on
// the server's CPU beyond argon2id, since the thin client's work is in it.
// docs/performance.md holds the figures.
func BenchmarkLogin(b *testing.B) {
	const users = 64
	e := startWith(b, false, func(c *config.Config) {
		generousLimits(c)
		c.RateLimits.CodesPerPhone.Max = 1 << 30
		c.RateLimits.CallsPerPhone.Max = 1 << 30
	})
	ctx := b.Context()
	hasher := password.NewHasher(password.DefaultParams(), 4)
	hash, err := hasher.Hash(ctx, testPassword)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	for i := range users {
		err := e.app.Backends().Store.CreateUser(ctx, store.User{
			ID: fmt.Sprintf("usr_load%02d", i), Email: fmt.Sprintf("load%02d@example.com", i), EmailVerified: true,
			GivenName: "Load", FamilyName: fmt.Sprint(i), PasswordHash: hash,
			Phone: fmt.Sprintf("+4477009002%02d", i), PhoneVerified: true, CreatedAt: now, UpdatedAt: now,
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	h := e.app.Handler()
	box := e.app.Senders().Outbox
	conf := oauth2.Config{
		ClientID: "dashboard", ClientSecret: dashSecret, RedirectURL: dashRedirect, Scopes: []string{"openid", "profile"},
		Endpoint: oauth2.Endpoint{AuthURL: e.issuer + "/authorize", TokenURL: e.issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
	var next atomic.Int64
	before := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1)-1) % users
		u := loadUser{email: fmt.Sprintf("load%02d@example.com", i), phone: fmt.Sprintf("+4477009002%02d", i)}
		client := &http.Client{Transport: handlerTransport{h}}
		tokenCtx := context.WithValue(ctx, oauth2.HTTPClient, client)
		for pb.Next() {
			if err := u.login(e.issuer, h, box, &conf, tokenCtx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	perLogin := float64(cpuTime()-before) / float64(b.N) / 1e6
	if b.N < minLoginsForCPU {
		// A handful of logins measures start-up and GC, not a login: with
		// -benchtime 1x the split once came out negative.
		b.Logf("%d logins: too few to split CPU per login; run with -benchtime %dx or more", b.N, minLoginsForCPU)
		return
	}
	argon2 := argon2CPU(b, hasher, hash, b.N)
	b.ReportMetric(perLogin, "cpu-ms/login")
	b.ReportMetric(argon2, "argon2-ms/login")
	if other := perLogin - argon2; other >= 0 {
		b.ReportMetric(other, "other-cpu-ms/login")
	} else {
		b.Logf("CPU per login (%.2f ms) below the argon2id measurement (%.2f ms): the machine was too noisy for a split", perLogin, argon2)
	}
}

// minLoginsForCPU is the fewest logins whose CPU BenchmarkLogin splits into
// argon2id and the rest.
const minLoginsForCPU = 50

type loadUser struct{ email, phone string }

// login signs u in once with a fresh browser and exchanges the code.
func (u loadUser) login(issuer string, h http.Handler, box *outbox.Outbox, conf *oauth2.Config, tokenCtx context.Context) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: handlerTransport{h}, Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if !strings.HasPrefix(req.URL.String(), issuer) {
			return http.ErrUseLastResponse // the client's redirect URI
		}
		return nil
	}}
	verifier := oauth2.GenerateVerifier()
	resp, err := c.Get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		return err
	}
	csrf, err := pageCSRF(resp, "Sign in")
	if err != nil {
		return err
	}
	resp, err = c.PostForm(issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {u.email}, "password": {testPassword}})
	if err != nil {
		return err
	}
	if _, err := pageCSRF(resp, "Confirm your identity"); err != nil {
		return err
	}
	resp, err = c.PostForm(issuer+"/signin/send-code", url.Values{"csrf_token": {csrf}})
	if err != nil {
		return err
	}
	if _, err := pageCSRF(resp, "Confirm your identity"); err != nil {
		return err
	}
	m, ok := box.Last(outbox.ChannelSMS, u.phone)
	if !ok || m.Code == nil {
		return fmt.Errorf("no SMS code for %s", u.phone)
	}
	resp, err = c.PostForm(issuer+"/signin/verify", url.Values{"csrf_token": {csrf}, "code": {*m.Code}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	back, err := resp.Location()
	if err != nil || back.Query().Get("code") == "" {
		return fmt.Errorf("verify code: status %d, no redirect with a code (%v)", resp.StatusCode, err)
	}
	tok, err := conf.Exchange(tokenCtx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		return err
	}
	if tok.Extra("id_token") == nil {
		return fmt.Errorf("no ID token")
	}
	return nil
}

// pageCSRF reads a 200 page with heading h1 and returns its CSRF token.
func pageCSRF(resp *http.Response, h1 string) (string, error) {
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	body := string(raw)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1 class=\"govuk-heading-l\">"+h1+"</h1>") {
		return "", fmt.Errorf("%s: status %d, want the page %q", resp.Request.URL.Path, resp.StatusCode, h1)
	}
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("%s: no CSRF token", resp.Request.URL.Path)
	}
	return html.UnescapeString(m[1]), nil
}

// handlerTransport answers requests by calling the handler in-process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	req.RemoteAddr = "192.0.2.10:40000"
	t.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// argon2CPU is the process CPU (ms) of one argon2id verification with
// carekey's parameters, measured alone over n of them (at least 20) but as
// the logins run them: on GOMAXPROCS goroutines at once (cores shared by
// parallel hashes each take longer than a lone hash would).
func argon2CPU(b *testing.B, h *password.Hasher, hash string, n int) float64 {
	workers := runtime.GOMAXPROCS(0)
	perWorker := max(20, n)/workers + 1
	before := cpuTime()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range perWorker {
				if ok, _, err := h.Verify(b.Context(), testPassword, hash); err != nil || !ok {
					b.Errorf("verify: %v %v", ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(cpuTime()-before) / float64(workers*perWorker) / 1e6
}

// cpuTime is the process's user + system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
