package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/password"
)

const testPassword = "Correct-Horse-42!"

// startDev runs carekey in dev mode behind an httptest server, with the
// rate limits raised as the command's doc says, and returns its issuer.
func startDev(t *testing.T) string {
	t.Helper()
	return startApp(t, nil)
}

// startApp is startDev with change applied to the config first.
func startApp(t *testing.T, change func(*config.Config)) string {
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
	if change != nil {
		change(cfg)
	}
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
		Users: []user{{Email: "penny.plumber.portal@example.com", Password: testPassword}}, Logins: 6, Concurrency: 3,
		Procs: sampleProcs(nil, os.Getpid())}
	r, err := run(t.Context(), o, http.DefaultTransport)
	if err != nil {
		t.Fatal(err)
	}
	if r.Login.OK != 6 || r.Login.Failures != 0 || len(r.Login.Latencies) != 6 {
		t.Fatalf("logins %d, failures %d (%v)", r.Login.OK, r.Login.Failures, r.Login.FirstErr)
	}
	if r.Login.CPU["server"].CPU <= 0 {
		t.Errorf("server CPU %s, want some (the server is this process)", r.Login.CPU["server"].CPU)
	}
	var out bytes.Buffer
	r.print(&out, o)
	for _, want := range []string{"logins: 6 ok, 0 failed, 3 at once", "throughput: ", "latency: p50 ", "server CPU per login: ",
		"per request, p50/p99: authorize ", "send-code ", "token "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// A wrong password stops the run at the first login, with the reason.
func TestRunStopsOnAWrongPassword(t *testing.T) {
	issuer := startDev(t)
	o := options{Issuer: issuer, ClientID: "dev-public", RedirectURI: "http://localhost:9999/callback",
		Users: []user{{Email: "penny.plumber.portal@example.com", Password: "not-the-password"}}, Logins: 5, Concurrency: 2}
	if _, err := run(t.Context(), o, http.DefaultTransport); err == nil || !strings.Contains(err.Error(), "first login: password") {
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

// Serve mode: carekey posts each code to the tool's SMS gateway (sms.provider
// http, no dev outbox), logins run at once for two users with their own
// phones, then their refresh tokens are rotated; CPU is reported per
// process name and the argon2id rate is measured, on every core and with
// the server's hash_concurrency.
func TestRunThroughTheSMSGateway(t *testing.T) {
	g, err := startGateway("127.0.0.1:0", "gateway-secret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	issuer := startApp(t, func(cfg *config.Config) {
		cfg.Dev.Outbox = false
		cfg.SMS = config.SMS{Provider: "http", HTTP: config.HTTPSMS{URL: g.URL(), Secret: "gateway-secret", Timeout: 5 * time.Second}}
	})
	self, _, err := readStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	o := options{Issuer: issuer, ClientID: "dev-public", RedirectURI: "http://localhost:9999/callback",
		Users: []user{
			{Email: "penny.plumber.portal@example.com", Password: testPassword, Phone: "+447700900047"},
			{Email: "sam.single.portal@example.com", Password: testPassword, Phone: "+447700900123"},
		},
		Logins: 6, Concurrency: 2, Refreshes: 8, Gateway: g, Procs: sampleProcs([]string{self}, 0),
		HashFor: 100 * time.Millisecond, HashParams: password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, HashLanes: 1}
	if err := checkGatewayUsers(o.Users, o.Concurrency); err != nil {
		t.Fatal(err)
	}
	r, err := run(t.Context(), o, http.DefaultTransport)
	if err != nil {
		t.Fatal(err)
	}
	if r.Login.OK != 6 || r.Refresh.OK != 8 {
		t.Fatalf("logins %d (%v), refreshes %d (%v)", r.Login.OK, r.Login.FirstErr, r.Refresh.OK, r.Refresh.FirstErr)
	}
	if r.Login.CPU[self].CPU <= 0 || r.HashRate <= 0 || r.LaneRate <= 0 || r.LaneRateAfter <= 0 {
		t.Errorf("CPU %v, hash rate %.1f, with one at once %.1f and %.1f: want all measured", r.Login.CPU, r.HashRate, r.LaneRate, r.LaneRateAfter)
	}
	var out bytes.Buffer
	r.print(&out, o)
	for _, want := range []string{"argon2id in this tool (m=64 KiB", "logins: 6 ok", "CPU per login: " + self, "refreshes: 8 ok",
		"argon2id with 1 at once (the server's hash_concurrency)", "of the mean rate with 1 at once", "per request, p50/p99: refresh ", "CPU per refresh: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// The gateway refuses a wrong secret and a number nobody waits for, and
// listens on loopback only.
func TestGatewayRefuses(t *testing.T) {
	if _, err := startGateway("0.0.0.0:0", "s"); err == nil {
		t.Error("gateway listened beyond loopback")
	}
	if _, err := startGateway("127.0.0.1:0", ""); err == nil {
		t.Error("gateway without a secret")
	}
	g, err := startGateway("127.0.0.1:0", "s")
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for _, tc := range []struct {
		auth string
		want int
	}{{"Bearer wrong", http.StatusUnauthorized}, {"Bearer s", http.StatusUnprocessableEntity}} {
		req, _ := http.NewRequest(http.MethodPost, g.URL(), strings.NewReader(`{"to":"+447700900047","body":"123456 is your code","reference":"sms_1"}`))
		req.Header.Set("Authorization", tc.auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.auth, resp.StatusCode, tc.want)
		}
	}
	if err := checkGatewayUsers([]user{{Email: "a", Phone: "+447700900047"}, {Email: "b", Phone: "+447700900047"}}, 2); err == nil {
		t.Error("two users with one phone accepted")
	}
}

// -procs takes command names and name=PID entries.
func TestSampleProcs(t *testing.T) {
	me := os.Getpid()
	name, _, err := readStat(me)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sampleProcs([]string{"tool=" + strconv.Itoa(me), "no-such-command"}, 0)()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[me].Name != "tool" {
		t.Errorf("sample = %v, want this process as tool", got)
	}
	got, _ = sampleProcs([]string{name}, 0)()
	if got[me].Name != name {
		t.Errorf("sample by name %q = %v, want this process", name, got)
	}
	used := cpuUsed(map[int]proc{1: {"a", time.Second}}, map[int]proc{1: {"a", 3 * time.Second}, 2: {"a", time.Second}})
	if used["a"] != (groupCPU{3 * time.Second, 2}) {
		t.Errorf("cpuUsed = %v, want 3s over 2 processes (one new)", used)
	}
}

// Each worker has items of its own, whatever the counts.
func TestOwned(t *testing.T) {
	for _, tc := range []struct{ c, n int }{{1, 1}, {2, 5}, {3, 3}, {4, 10}, {2, 2}} { // n ≥ c
		owner := map[int]int{}
		for w := range tc.c {
			for i := range 3 * tc.n {
				k := owned(w, i, tc.c, tc.n)
				if k < 0 || k >= tc.n {
					t.Fatalf("c %d n %d: worker %d item %d out of range", tc.c, tc.n, w, k)
				}
				if o, ok := owner[k]; ok && o != w {
					t.Fatalf("c %d n %d: item %d used by workers %d and %d", tc.c, tc.n, k, o, w)
				}
				owner[k] = w
			}
		}
	}
}

// The peak RSS comes from VmHWM, and resetting it makes a phase's peak its
// own: after the reset this process's peak is no more than before.
func TestPeakRSS(t *testing.T) {
	if got, err := parseHWM("Name:\tidp\nVmPeak:\t  900 kB\nVmHWM:\t  143360 kB\nVmRSS:\t 1 kB\n"); err != nil || got != 143360<<10 {
		t.Errorf("parseHWM = %d, %v; want 140 MiB", got, err)
	}
	if _, err := parseHWM("Name:\tidp\n"); err == nil {
		t.Error("parseHWM without VmHWM: no error")
	}
	me := os.Getpid()
	ballast := make([]byte, 64<<20)
	for i := range ballast {
		ballast[i] = 1
	}
	before, err := peakRSS(me)
	if err != nil {
		t.Fatal(err)
	}
	ballast = nil
	runtime.GC()
	debug.FreeOSMemory()
	if err := resetPeak(me); err != nil {
		t.Skipf("cannot reset the peak here: %v", err)
	}
	after, err := peakRSS(me)
	if err != nil || after >= before {
		t.Errorf("peak after reset %d (%v), want below the %d before", after, err, before)
	}
	if p := peaks(map[int]proc{me: {"tool", 0}}); p["tool"] < after {
		t.Errorf("peaks = %v, want this process's %d", p, after)
	}
}
