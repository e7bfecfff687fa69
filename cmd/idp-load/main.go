// Command idp-load is carekey's load tool: it drives whole sign-ins, as the
// council's users do them, against a running carekey from outside its
// process, then refreshes tokens, and reports logins and refreshes per
// second, each page's latency, the CPU each server process spent per login
// and per refresh, and this machine's argon2id rate.
//
// One login: authorize (PKCE S256) → "Sign in" (email, password) → "Confirm
// your identity" → Send Code → the 6-digit code, read as the user would
// read their phone → back at the client with a code → token exchange. The
// code comes from one of two places:
//
//   - dev mode (`idp dev`): the dev outbox. Sending a code and reading it
//     back is done one login at a time (the newest SMS in the outbox is then
//     this login's); everything else, argon2id included, runs -c at once.
//   - serve mode (`idp serve`, PostgreSQL + Redis): -sms-gateway ADDR makes
//     the tool serve the HTTP SMS gateway (sms.provider: http) on a
//     loopback address; carekey posts each text there and the tool hands the
//     code to the login waiting for that number, so logins run -c at once
//     throughout. -users names the CSV the users were imported from with
//     `idp admin users import`; each concurrent login signs in as its own
//     user.
//
// Dev mode's rate limits are meant for people; raise them for a load run:
//
//	IDP_RATE_LIMITS_SIGNIN_PER_IP_MAX=1000000 \
//	IDP_RATE_LIMITS_SIGNIN_PER_ACCOUNT_MAX=1000000 \
//	IDP_RATE_LIMITS_CODES_PER_PHONE_MAX=1000000 go run ./cmd/idp dev &
//	go run ./cmd/idp-load -password 'printed by idp dev' -n 300 -c 4 -pid $(pgrep -n -f 'idp dev')
//
// Serve mode in one command: `make bench-serve` (deploy/bench/serve.sh).
//
// -static N then requests the discovery document N times and the JWKS
// (found through it) N times, -static-c at once (default -c), and reports
// each one's requests per second and latency; -n 0 runs that phase alone.
// Every phase keeps one idle keep-alive connection per request at once
// (Go's default transport keeps 2 per host, and would close and reopen the
// rest between requests).
//
// CPU comes from /proc/PID/stat (Linux), sampled before and after each
// phase: -pid names the server process; -procs names processes by command
// name (idp,postgres,redis-server), summed per name. The dev outbox reads
// the tool makes are the tool's doing, not a login's: their CPU is measured
// separately afterwards (as many reads again) and taken off the -pid
// figure. docs/performance.md records the figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carekey/carekey/internal/buildinfo"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/phone"
	"github.com/carekey/carekey/pkg/adminclient"
)

// user is who one login signs in as.
type user struct {
	Email, Password string
	Phone           string // E.164; needed with the SMS gateway
}

// options are the command's flags.
type options struct {
	Issuer      string
	ClientID    string
	RedirectURI string
	Users       []user // each concurrent login takes its own
	Logins      int
	Concurrency int
	Refreshes   int // refresh_token grants after the logins; 0: none
	// Static is how many GETs of the discovery document and as many of the
	// JWKS after the rest, StaticConcurrency at once; 0: none.
	Static, StaticConcurrency int
	// Gateway, when set, delivers the codes (serve mode); else the dev outbox.
	Gateway *gateway
	// Procs samples the processes whose CPU is reported; nil: none.
	Procs procsFunc
	// HashFor is how long to measure the argon2id rate with HashParams; 0: not.
	HashFor    time.Duration
	HashParams password.Params
	// HashLanes, when set, is how many hashes the server runs at once
	// (password_policy.hash_concurrency): the rate is also measured with
	// that many, the ceiling of what the server can do.
	HashLanes int
}

// args are the command's flags: the options, and what main turns into them.
type args struct {
	o                                                                  options
	email, pw, usersFile, gatewayAddr, secretFile, procNames, replicas string
	pid                                                                int
	version                                                            bool
}

// parseArgs parses the command line (without the command's name) and
// checks the counts.
func parseArgs(argv []string, output io.Writer) (args, error) {
	var a args
	o := &a.o
	fs := flag.NewFlagSet("idp-load", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&o.Issuer, "issuer", "http://localhost:8080", "carekey's issuer URL")
	fs.StringVar(&o.ClientID, "client", "dev-public", "a public client (PKCE) allowed offline_access for the refresh phase")
	fs.StringVar(&o.RedirectURI, "redirect-uri", "http://localhost:9999/callback", "a redirect URI registered for the client")
	fs.StringVar(&a.email, "email", "penny.plumber.portal@example.com", "the user who signs in (without -users)")
	fs.StringVar(&a.pw, "password", "", "the user's password (idp dev prints it; without -users)")
	fs.StringVar(&a.usersFile, "users", "", "users CSV as imported by `idp admin users import` (email,forename,surname,phone,password)")
	fs.StringVar(&a.gatewayAddr, "sms-gateway", "", "serve the HTTP SMS gateway on this loopback address (serve mode), such as 127.0.0.1:9099")
	fs.StringVar(&a.secretFile, "sms-secret-file", "", "file holding the gateway's secret (sms.http.secret); or IDP_LOAD_SMS_SECRET")
	fs.IntVar(&o.Logins, "n", 200, "how many logins (0: none, with -static)")
	fs.IntVar(&o.Concurrency, "c", 4, "how many at once")
	fs.IntVar(&o.Refreshes, "refresh", 0, "how many refresh_token grants after the logins")
	fs.IntVar(&o.Static, "static", 0, "how many GETs of the discovery document, and as many of the JWKS, after the rest (req/s of each)")
	fs.IntVar(&o.StaticConcurrency, "static-c", 0, "how many of the -static GETs at once (0: -c)")
	fs.IntVar(&a.pid, "pid", 0, "the server's process ID, to report its CPU per login (Linux)")
	fs.StringVar(&a.replicas, "replicas", "", "host:port of each replica behind the issuer's address, comma-separated: requests go to each in turn (a stand-in for the load balancer)")
	fs.StringVar(&a.procNames, "procs", "", "processes whose CPU to report, summed per name: command names (idp,postgres) or name=PID (redis-server=1234)")
	fs.DurationVar(&o.HashFor, "hash-rate", 3*time.Second, "how long to measure this machine's argon2id rate before the run (0: not)")
	fs.IntVar(&o.HashLanes, "hash-lanes", 0, "the server's password_policy.hash_concurrency: also measure the argon2id rate with that many hashes at once (0: not)")
	fs.BoolVar(&a.version, "version", false, "print the version and licence, then exit")
	if err := fs.Parse(argv); err != nil {
		return a, err
	}
	if fs.NArg() > 0 {
		return a, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if a.version {
		return a, nil
	}
	if err := o.check(); err != nil {
		return a, err
	}
	if o.Logins == 0 {
		// -static alone: no users, no codes, no argon2id rate to compare with.
		o.HashFor = 0
	}
	return a, nil
}

func main() {
	fail := func(code int, msg ...any) {
		fmt.Fprintln(os.Stderr, append([]any{"idp-load:"}, msg...)...)
		os.Exit(code)
	}
	a, err := parseArgs(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	} else if err != nil {
		fail(2, err)
	}
	if a.version {
		fmt.Println(buildinfo.Line("idp-load"))
		return
	}
	o := a.o
	email, pw, usersFile, gatewayAddr, secretFile, procNames, replicas, pid := a.email, a.pw, a.usersFile, a.gatewayAddr, a.secretFile, a.procNames, a.replicas, a.pid
	switch {
	case o.Logins == 0: // the static phase alone: no users, no codes
		gatewayAddr = ""
	case usersFile != "":
		if o.Users, err = readUsers(usersFile); err != nil {
			fail(2, err)
		}
	case pw == "":
		fail(2, "-password or -users is required")
	default:
		o.Users = []user{{Email: email, Password: pw}}
	}
	if gatewayAddr != "" {
		if err := checkGatewayUsers(o.Users, o.Concurrency); err != nil {
			fail(2, err)
		}
		secret := os.Getenv("IDP_LOAD_SMS_SECRET")
		if secretFile != "" {
			b, err := os.ReadFile(secretFile)
			if err != nil {
				fail(2, err)
			}
			secret = strings.TrimSpace(string(b))
		}
		if o.Gateway, err = startGateway(gatewayAddr, secret); err != nil {
			fail(2, err)
		}
		defer o.Gateway.Close()
	}
	var names []string
	if procNames != "" {
		names = strings.Split(procNames, ",")
	}
	if pid != 0 || len(names) > 0 {
		o.Procs = sampleProcs(names, pid)
	}
	o.HashParams = password.DefaultParams() // what internal/app hashes with
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var rt http.RoundTripper = newTransport(max(o.Concurrency, o.StaticConcurrency))
	if replicas != "" {
		u, err := url.Parse(o.Issuer)
		if err != nil || u.Host == "" {
			fail(2, "-replicas needs an -issuer URL with a host")
		}
		rt = &spread{next: rt, host: u.Host, to: strings.Split(replicas, ",")}
	}
	r, err := run(ctx, o, rt)
	if err != nil {
		fail(1, err)
	}
	r.print(os.Stdout, o)
	if r.Login.Failures > 0 || r.Refresh.Failures > 0 || r.Static.Discovery.Failures > 0 || r.Static.JWKS.Failures > 0 {
		os.Exit(1)
	}
}

// check checks the counts and settles -static-c.
func (o *options) check() error {
	if o.Logins < 0 || o.Concurrency < 1 || o.Refreshes < 0 || o.Static < 0 || o.StaticConcurrency < 0 {
		return errors.New("-c must be at least 1; -n, -refresh, -static and -static-c not negative")
	}
	if o.Logins == 0 && (o.Static == 0 || o.Refreshes > 0) {
		return errors.New("-n 0 runs the -static phase alone: give -static N and no -refresh")
	}
	if o.StaticConcurrency == 0 {
		o.StaticConcurrency = o.Concurrency
	}
	return nil
}

// readUsers reads the users CSV; phones become E.164, as carekey sends them.
func readUsers(path string) ([]user, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, bad, err := adminclient.ParseUsersCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s: %v", path, bad[0])
	}
	us := make([]user, len(rows))
	for i, r := range rows {
		n, err := phone.Parse(r.Phone, "")
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, r.Line, err)
		}
		us[i] = user{r.Email, r.Password, n.E164}
	}
	return us, nil
}

// checkGatewayUsers checks that c logins at once never wait for a code to
// the same number.
func checkGatewayUsers(us []user, c int) error {
	if len(us) < c {
		return fmt.Errorf("-sms-gateway: -c %d needs at least %d users in -users, have %d", c, c, len(us))
	}
	seen := map[string]bool{}
	for _, u := range us {
		if u.Phone == "" || seen[u.Phone] {
			return fmt.Errorf("-sms-gateway: every user needs a phone of their own (%s)", u.Email)
		}
		seen[u.Phone] = true
	}
	return nil
}

// phase is what one phase (logins or refreshes) measured.
type phase struct {
	OK, Failures int
	FirstErr     error
	Wall         time.Duration
	Latencies    []time.Duration            // of the successful ones, sorted
	Pages        map[string][]time.Duration // per request, sorted
	CPU          map[string]groupCPU        // per process name; nil without Procs
	// PeakRSS is the largest peak resident set size of the processes of
	// each name during the phase (their peaks are reset as it starts).
	PeakRSS map[string]int64
}

// report is what a run measured.
type report struct {
	Login, Refresh phase
	// OutboxCPU is the -pid server's CPU for as many dev outbox reads as
	// the logins made, done again afterwards; taken off its login figure.
	OutboxCPU time.Duration
	// HashRate is argon2id hashes a second in this process, measured
	// before and after the run; 0: not measured.
	HashRate, HashRateAfter float64
	// LaneRate is the same with options.HashLanes hashes at once, before
	// and after; 0: not measured.
	LaneRate, LaneRateAfter float64
	// Static is the -static phase; zero without it.
	Static staticReport
}

// run measures the hash rate, makes o.Logins logins, o.Concurrency at once,
// then o.Refreshes refreshes with the tokens they got, then the -static
// phase, all through rt.
func run(ctx context.Context, o options, rt http.RoundTripper) (report, error) {
	o.Issuer = strings.TrimSuffix(o.Issuer, "/")
	if o.StaticConcurrency == 0 {
		o.StaticConcurrency = o.Concurrency
	}
	l := &loader{o: o, rt: rt, pages: map[string][]time.Duration{}}
	var r report
	if o.Logins > 0 {
		var err error
		if r, err = l.signIns(ctx); err != nil {
			return r, err
		}
	}
	if o.Static > 0 {
		var err error
		if r.Static, err = l.static(ctx); err != nil {
			return r, fmt.Errorf("static: %w", err)
		}
	}
	return r, nil
}

// signIns is the login and refresh phases with the hash rate around them.
func (l *loader) signIns(ctx context.Context) (report, error) {
	var r report
	o := l.o
	if o.HashFor > 0 {
		r.HashRate = hashRate(ctx, o.HashParams, o.HashFor, 0)
		if o.HashLanes > 0 {
			r.LaneRate = hashRate(ctx, o.HashParams, o.HashFor, o.HashLanes)
		}
	}
	// One login first: it fails fast on a wrong password or limit, and
	// warms up what the first login of a process pays for.
	if _, _, err := l.login(ctx, o.Users[0]); err != nil {
		return r, fmt.Errorf("first login: %w", err)
	}
	l.pages = map[string][]time.Duration{}
	var (
		mu        sync.Mutex
		refreshes []string
		outboxRds atomic.Int64
	)
	var err error
	r.Login, err = l.phase(ctx, o.Logins, func(worker, i int) error {
		u := o.Users[owned(worker, i, o.Concurrency, len(o.Users))]
		reads, refresh, err := l.login(ctx, u)
		outboxRds.Add(int64(reads))
		if err == nil && refresh != "" {
			mu.Lock()
			refreshes = append(refreshes, refresh)
			mu.Unlock()
		}
		return err
	})
	if err != nil {
		return r, err
	}
	if o.Gateway == nil && o.Procs != nil && outboxRds.Load() > 0 {
		// The outbox reads again, to take their CPU off.
		before, err := o.Procs()
		if err != nil {
			return r, err
		}
		c := &http.Client{Transport: l.rt}
		for range outboxRds.Load() {
			if _, err := l.newestSMS(ctx, c); err != nil {
				return r, err
			}
		}
		after, err := o.Procs()
		if err != nil {
			return r, err
		}
		r.OutboxCPU = cpuUsed(before, after)["server"].CPU
	}
	if o.Refreshes == 0 {
		r.hashAfter(ctx, o)
		return r, nil
	}
	if len(refreshes) < o.Concurrency {
		return r, fmt.Errorf("refresh: %d refresh tokens from the logins, want at least %d (-c): is offline_access allowed to %s?", len(refreshes), o.Concurrency, o.ClientID)
	}
	l.pages = map[string][]time.Duration{}
	// Worker w refreshes the tokens w, w+c, w+2c… in turn; each refresh
	// rotates the token, so only its worker holds it.
	r.Refresh, err = l.phase(ctx, o.Refreshes, func(worker, i int) error {
		k := owned(worker, i, o.Concurrency, len(refreshes))
		next, err := l.refresh(ctx, refreshes[k])
		if err == nil {
			refreshes[k] = next
		}
		return err
	})
	r.hashAfter(ctx, o)
	return r, err
}

// owned is the index of the item worker (of c) uses the i-th time, of n
// items: with n ≥ c the worker's own items w, w+c, w+2c… in turn, so no two
// workers ever use one item (a user, a refresh token) at once; with fewer
// (one dev user) they share.
func owned(worker, i, c, n int) int {
	if n < c {
		return (worker + i*c) % n
	}
	return worker + i%(n/c)*c
}

// hashAfter measures the argon2id rate again after the run: on a shared
// machine the two differ, and the report gives both.
func (r *report) hashAfter(ctx context.Context, o options) {
	if o.HashFor > 0 {
		r.HashRateAfter = hashRate(ctx, o.HashParams, o.HashFor, 0)
		if o.HashLanes > 0 {
			r.LaneRateAfter = hashRate(ctx, o.HashParams, o.HashFor, o.HashLanes)
		}
	}
}

// phase runs do n times, o.Concurrency at once (do gets the worker and
// how many that worker did before), and measures it.
func (l *loader) phase(ctx context.Context, n int, do func(worker, i int) error) (phase, error) {
	var p phase
	var before map[int]proc
	if l.o.Procs != nil {
		var err error
		if before, err = l.o.Procs(); err != nil {
			return p, err
		}
		for pid := range before {
			_ = resetPeak(pid) // without the right, the peak is since the process started
		}
	}
	var (
		next atomic.Int64
		mu   sync.Mutex
		wg   sync.WaitGroup
	)
	start := time.Now()
	for w := range l.o.Concurrency {
		wg.Go(func() {
			for i := 0; next.Add(1) <= int64(n) && ctx.Err() == nil; i++ {
				t0 := time.Now()
				err := do(w, i)
				mu.Lock()
				if err != nil {
					p.Failures++
					if p.FirstErr == nil {
						p.FirstErr = err
					}
				} else {
					p.OK++
					p.Latencies = append(p.Latencies, time.Since(t0))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	p.Wall = time.Since(start)
	slices.Sort(p.Latencies)
	l.pagesMu.Lock()
	p.Pages = l.pages
	for _, d := range p.Pages {
		slices.Sort(d)
	}
	l.pagesMu.Unlock()
	if l.o.Procs != nil {
		after, err := l.o.Procs()
		if err != nil {
			return p, err
		}
		p.CPU = cpuUsed(before, after)
		p.PeakRSS = peaks(after)
	}
	return p, nil
}
