package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseArgsStatic(t *testing.T) {
	for _, tc := range []struct {
		args          []string
		static, sc, n int
		hashOff       bool
		err           string
	}{
		{args: []string{"-n", "0", "-static", "500", "-c", "4"}, static: 500, sc: 4, n: 0, hashOff: true},
		{args: []string{"-n", "10", "-static", "500", "-c", "2", "-static-c", "16"}, static: 500, sc: 16, n: 10},
		{args: []string{"-n", "10"}, static: 0, sc: 4, n: 10},
		{args: []string{"-n", "0"}, err: "-n 0 runs the -static phase alone"},
		{args: []string{"-n", "0", "-static", "5", "-refresh", "3"}, err: "-n 0 runs the -static phase alone"},
		{args: []string{"-static", "-1"}, err: "not negative"},
		{args: []string{"-static-c", "-2"}, err: "not negative"},
		{args: []string{"-c", "0"}, err: "-c must be at least 1"},
		{args: []string{"-static", "x"}, err: "invalid value"},
		{args: []string{"-static", "5", "extra"}, err: "unexpected arguments"},
	} {
		a, err := parseArgs(tc.args, io.Discard)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one containing %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if a.o.Static != tc.static || a.o.StaticConcurrency != tc.sc || a.o.Logins != tc.n || (a.o.HashFor == 0) != tc.hashOff {
			t.Errorf("%q: static %d at %d, n %d, hash %s; want %d at %d, n %d, hash off %v",
				tc.args, a.o.Static, a.o.StaticConcurrency, a.o.Logins, a.o.HashFor, tc.static, tc.sc, tc.n, tc.hashOff)
		}
	}
}

// staticServer serves a discovery document and a JWKS (at a path only the
// document names) and counts requests and connections.
type staticServer struct {
	*httptest.Server
	discovery, jwks, conns atomic.Int64
}

func startStatic(t *testing.T) *staticServer {
	s := &staticServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		s.discovery.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"issuer":"`+s.URL+`","jwks_uri":"`+s.URL+`/keys/v1"}`)
	})
	mux.HandleFunc("GET /keys/v1", func(w http.ResponseWriter, r *http.Request) {
		s.jwks.Add(1)
		time.Sleep(200 * time.Microsecond) // requests at once overlap
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"keys":[{"kty":"EC","crv":"P-256","x":"x","y":"y","kid":"k"}]}`)
	})
	s.Server = httptest.NewUnstartedServer(mux)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// -static alone: as many GETs of each document as asked, the JWKS found
// through the discovery document, over keep-alive connections (no more
// connections than requests at once, give or take the races of a pool),
// reported as req/s with the CPU of the named processes.
func TestStaticPhase(t *testing.T) {
	s := startStatic(t)
	a, err := parseArgs([]string{"-issuer", s.URL + "/", "-n", "0", "-static", "400", "-c", "8"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	self, _, err := readStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	a.o.Procs = sampleProcs([]string{self}, 0)
	r, err := run(t.Context(), a.o, newTransport(a.o.StaticConcurrency))
	if err != nil {
		t.Fatal(err)
	}
	if r.Static.Discovery.OK != 400 || r.Static.JWKS.OK != 400 || r.Static.Discovery.Failures+r.Static.JWKS.Failures != 0 {
		t.Fatalf("discovery %d ok (%v), JWKS %d ok (%v)", r.Static.Discovery.OK, r.Static.Discovery.FirstErr, r.Static.JWKS.OK, r.Static.JWKS.FirstErr)
	}
	if d, j := s.discovery.Load(), s.jwks.Load(); d != 401 || j != 401 { // one each to find the JWKS first
		t.Errorf("server saw %d discovery and %d JWKS requests, want 401 each", d, j)
	}
	if n := s.conns.Load(); n > 2*8 {
		t.Errorf("%d connections for 802 requests 8 at once: keep-alive is not reusing them", n)
	}
	if r.Login.OK != 0 || r.HashRate != 0 {
		t.Errorf("-n 0 made %d logins, measured argon2id %.1f/s", r.Login.OK, r.HashRate)
	}
	var out bytes.Buffer
	r.print(&out, a.o)
	for _, want := range []string{"discovery (/.well-known/openid-configuration), over keep-alive connections:\nrequests: 400 ok, 0 failed, 8 at once",
		"JWKS (jwks_uri), over keep-alive connections:\nrequests: 400 ok", "req", "throughput: ", "CPU per request: " + self} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "logins") {
		t.Errorf("report of -static alone speaks of logins:\n%s", out.String())
	}
}

// The default transport keeps 2 idle connections per host, so workers that
// pause between requests (as a login's browser does) close and open the
// rest again and again; the tool's keeps one per request at once.
func TestTransportKeepsAConnectionPerWorker(t *testing.T) {
	if got := newTransport(8).MaxIdleConnsPerHost; got != 8 {
		t.Errorf("MaxIdleConnsPerHost = %d, want 8", got)
	}
	s := startStatic(t)
	c := &http.Client{Transport: newTransport(8)}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 40 {
				if _, err := get(t.Context(), c, s.URL+"/keys/v1"); err != nil {
					t.Error(err)
					return
				}
				time.Sleep(time.Millisecond) // a browser's work between requests: the connection goes idle
			}
		})
	}
	wg.Wait()
	if n := s.conns.Load(); n > 16 {
		t.Errorf("%d connections for 320 requests 8 at once, want at most 16", n)
	}
}

// A document that is not there fails the phase with its status.
func TestStaticPhaseFailsWithoutJWKS(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"issuer":"x"}`)
	}))
	t.Cleanup(srv.Close)
	o := options{Issuer: srv.URL, Concurrency: 2, Static: 10}
	if _, err := run(t.Context(), o, newTransport(2)); err == nil || !strings.Contains(err.Error(), "no jwks_uri") {
		t.Errorf("run = %v, want no jwks_uri", err)
	}
}
