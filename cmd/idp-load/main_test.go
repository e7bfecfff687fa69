package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/config"
)

const testPassword = "Correct-Horse-42!"

// startDev runs carekey in dev mode behind an httptest server, with the
// rate limits raised as the command's doc says, and returns its issuer.
func startDev(t *testing.T) string {
	t.Helper()
	env := map[string]string{
		"IDP_RATE_LIMITS_SIGNIN_PER_IP_MAX":      "1000000",
		"IDP_RATE_LIMITS_SIGNIN_PER_ACCOUNT_MAX": "1000000",
		"IDP_RATE_LIMITS_CODES_PER_PHONE_MAX":    "1000000",
	}
	cfg, err := config.Load("../../configs/dev.yaml", config.Options{Env: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	cfg.Issuer = srv.URL
	cfg.Dev.DashboardURL = ""
	cfg.Dev.SeedPassword = testPassword
	a, err := app.New(t.Context(), app.Options{Config: cfg, Mode: config.ModeDev})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv.Config.Handler = a.Handler()
	return srv.URL
}

func TestRunSignsInAndReports(t *testing.T) {
	issuer := startDev(t)
	o := options{Issuer: issuer, ClientID: "dev-public", RedirectURI: "http://localhost:9999/callback",
		Email: "penny.plumber.portal@example.com", Password: testPassword, Logins: 6, Concurrency: 3, PID: os.Getpid()}
	r, err := run(t.Context(), o, http.DefaultTransport, procCPU)
	if err != nil {
		t.Fatal(err)
	}
	if r.Logins != 6 || r.Failures != 0 || len(r.Latencies) != 6 {
		t.Fatalf("logins %d, failures %d (%v)", r.Logins, r.Failures, r.FirstErr)
	}
	if r.ServerCPU <= 0 {
		t.Errorf("server CPU %s, want some (the server is this process)", r.ServerCPU)
	}
	var out bytes.Buffer
	r.print(&out, o)
	for _, want := range []string{"logins: 6 ok, 0 failed, 3 at once", "throughput: ", "latency: p50 ", "server CPU per login: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// A wrong password stops the run at the first login, with the reason.
func TestRunStopsOnAWrongPassword(t *testing.T) {
	issuer := startDev(t)
	o := options{Issuer: issuer, ClientID: "dev-public", RedirectURI: "http://localhost:9999/callback",
		Email: "penny.plumber.portal@example.com", Password: "not-the-password", Logins: 5, Concurrency: 2}
	if _, err := run(t.Context(), o, http.DefaultTransport, procCPU); err == nil || !strings.Contains(err.Error(), "first login: password") {
		t.Fatalf("run = %v, want the first login refused at the password", err)
	}
}

func TestPercentile(t *testing.T) {
	d := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for i := range d {
		d[i] *= time.Millisecond
	}
	for _, tc := range []struct {
		p    int
		want time.Duration
	}{{50, 5 * time.Millisecond}, {95, 10 * time.Millisecond}, {99, 10 * time.Millisecond}, {1, time.Millisecond}} {
		if got := pct(d, tc.p); got != tc.want {
			t.Errorf("p%d = %s, want %s", tc.p, got, tc.want)
		}
	}
}
