package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/notify/outbox"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/testenv"
)

// Fault tests (issue 11): three `idp serve` replicas on one PostgreSQL schema
// and one Redis prefix, both reached through TCP proxies the test can cut,
// behind a small round-robin reverse proxy (which, like Caddy, tries the next
// replica when one refuses the connection), under a bounded load of sign-ins
// and refreshes by clients that verify every ID token against the JWKS they
// fetch through the proxy (and fetch again on an unknown kid). Each scenario
// injects one fault mid-load, waits for the load to finish, then checks that
// every client's session still answers and its latest refresh token still
// refreshes.
//
// Faults are triggered and lifted on conditions (the load's progress, failed
// requests seen during the fault), never after a sleep.

const (
	faultWorkers     = 4  // concurrent clients
	faultOps         = 80 // per worker: sign-ins and refreshes
	faultSigninEvery = 15 // every 15th op signs in a new client; the others refresh
)

// TestFaultReplicaKilled: one replica dies abruptly mid-load (its listener
// closes, its connections are cut). The proxy moves on from the refused
// connections, fewer than 1 % of requests fail, and no session or refresh
// family is lost.
func TestFaultReplicaKilled(t *testing.T) {
	c := startCluster(t, nil, nil)
	ld := c.load(t)
	ld.waitProgress(t, ld.total()/3)
	victim := 1
	c.lb.kill(t, victim)
	ld.wait(t)
	r := ld.check(t)
	r.log(t, "replica killed")
	r.requireNoLoss(t)
	if r.failed*100 >= r.requests {
		t.Errorf("%d of %d requests failed, want < 1 %%", r.failed, r.requests)
	}
	if n := c.lb.served(victim); n == 0 {
		t.Errorf("the killed replica served no request before it died")
	}
}

// TestFaultRedisCut: Redis is cut mid-load until every client has seen it,
// then restored. Requests fail with 503 and Retry-After meanwhile, no ID
// token lacks the phone factor, every session survives, and the load ends.
// No refresh family is lost: a refresh whose access token could not be
// written rotates nothing, and a retry within tokens.refresh_retry_grace is
// served again.
func TestFaultRedisCut(t *testing.T) {
	r := underOutage(t, "redis cut", func(cfg *config.Config) {
		cfg.Redis.ReadTimeout, cfg.Redis.WriteTimeout = 500*time.Millisecond, 500*time.Millisecond
	}, func(c *cluster, ld *load) {
		c.rd.Cut()
		ld.waitFailures(t, 2*faultWorkers)
	}, func(c *cluster) { c.rd.Restore() })
	r.requireNoLoss(t)
}

// TestFaultPostgresCutAndBlackholed: PostgreSQL is cut mid-load, then
// blackholed (connections accepted, nothing answered), then restored.
// Requests fail with 503 and Retry-After within the deadlines
// (postgres.query_timeout), and everything works again after.
func TestFaultPostgresCutAndBlackholed(t *testing.T) {
	const queryTimeout = 500 * time.Millisecond
	r := underOutage(t, "postgres cut and blackholed", func(cfg *config.Config) {
		cfg.Postgres.QueryTimeout = queryTimeout
		cfg.Postgres.ConnectTimeout = time.Second
	}, func(c *cluster, ld *load) {
		c.pg.Cut()
		ld.waitFailures(t, 2*faultWorkers)
		c.pg.Restore()
		c.pg.Blackhole()
		ld.waitFailures(t, 2*faultWorkers)
	}, func(c *cluster) { c.pg.Restore() })
	r.requireNoLoss(t)
	// The bound is generous: it catches a request that waited on the
	// database without a deadline (over 40 s before), not slowness.
	if r.slowest > 15*time.Second {
		t.Errorf("slowest request took %v with postgres.query_timeout %v: a call had no deadline", r.slowest, queryTimeout)
	}
}

// underOutage runs the load on a cluster configured by mutate, calls down a
// third of the way through (it takes a backend down and returns once the
// clients have seen it), then up, and reports the run. Every request that
// failed before up was answered 503 with Retry-After.
func underOutage(t *testing.T, scenario string, mutate func(*config.Config), down func(*cluster, *load), up func(*cluster)) faultReport {
	t.Helper()
	c := startCluster(t, nil, mutate)
	ld := c.load(t)
	ld.waitProgress(t, ld.total()/3)
	ld.outage.Store(true)
	down(c, ld)
	during := ld.stats.snapshot()
	up(c)
	// The outage ends for the clients once the load moves again: a request
	// on a connection broken by the outage may still fail just after up.
	ld.waitProgress(t, min(ld.stats.ops.Load()+2*faultWorkers, ld.total()))
	ld.outage.Store(false)
	ld.wait(t)
	r := ld.check(t)
	r.log(t, scenario)
	r.requireOutageAnswers(t, during)
	return r
}

// TestFaultKeyRotation: `idp keys rotate` during load. The new key is
// published at once and signs a CacheTTL later, so every replica publishes it
// before any signs with it: no client fails to verify a token. The replicas
// share a fake clock, moved in small steps while the load runs, so each
// replica's key cache expires at its own moment as in production.
func TestFaultKeyRotation(t *testing.T) {
	clk := clocktest.New(time.Now().UTC())
	c := startCluster(t, clk, nil)
	// The first key has long been settled when an operator rotates, and each
	// replica last read the keys at its own moment (20 s apart), so that
	// their caches expire at different moments while the clock moves: a key
	// that signed before every replica published it would fail at a client
	// whose JWKS fetch reached a replica that had not read it yet.
	jwks := c.jwksPath(t)
	for _, e := range c.replicas {
		clk.Advance(keys.DefaultCacheTTL/3 + time.Second)
		if e == c.replicas[0] {
			clk.Advance(keys.DefaultCacheTTL)
		}
		resp, err := e.srv.Client().Get(e.srv.URL + jwks)
		if err != nil {
			t.Fatal(err)
		}
		mustStatus(t, resp, http.StatusOK)
	}
	ld := c.load(t)
	ld.waitProgress(t, ld.total()/4)

	m, closeKeys, err := app.OpenKeysAt(t.Context(), c.replicas[0].cfg, clk)
	if err != nil {
		t.Fatal(err)
	}
	defer closeKeys()
	k, err := m.Rotate(t.Context(), c.replicas[0].cfg.Keys.Algorithm)
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	// Move time past the point where the new key signs, 5 s at a time, each
	// step once the load has made progress.
	for moved := time.Duration(0); moved < 75*time.Second; moved += 5 * time.Second {
		ld.waitProgress(t, min(ld.stats.ops.Load()+2, ld.total()))
		clk.Advance(5 * time.Second)
	}
	ld.wait(t)
	r := ld.check(t)
	r.log(t, "key rotation")
	r.requireNoLoss(t)
	if !ld.kidSeen(k.ID) {
		t.Errorf("no ID token was signed with the rotated key %s (kids seen: %v)", k.ID, ld.kids())
	}
}

// cluster is three replicas behind the reverse proxy.
type cluster struct {
	front    *httptest.Server // the reverse proxy: the issuer
	lb       *balancer
	replicas []*env
	pg, rd   *testenv.Proxy
	clk      clock.Clock
	users    []faultUser
}

type faultUser struct{ email, phone string }

// startCluster starts three serve-mode replicas (startClock) on one schema
// and one Redis prefix behind the reverse proxy, with a user per worker.
func startCluster(t *testing.T, clk clock.Clock, mutate func(*config.Config)) *cluster {
	t.Helper()
	c := &cluster{lb: &balancer{}, clk: clk}
	c.front = httptest.NewUnstartedServer(c.lb)
	c.front.StartTLS()
	t.Cleanup(c.front.Close)
	pgURL, err := url.Parse(testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	c.pg = testenv.NewProxy(t, pgURL.Host)
	pgURL.Host = c.pg.Addr()
	ropts, prefix := testenv.Redis(t)
	c.rd = testenv.NewProxy(t, ropts.Addr)
	for range 3 {
		// startClock makes a schema and a key prefix of its own too; they
		// stay empty, as every replica is pointed at the shared ones.
		e := startClock(t, true, func(cfg *config.Config) {
			cfg.Issuer = c.front.URL
			cfg.Postgres.URL = pgURL.String()
			cfg.Redis.Addrs, cfg.Redis.DB, cfg.Redis.KeyPrefix = []string{c.rd.Addr()}, ropts.DB, prefix
			generousLimits(cfg)
			cfg.RateLimits.CodesPerPhone.Max = 10000
			if mutate != nil {
				mutate(cfg)
			}
		}, slog.New(quietHandler{}), clk)
		c.replicas = append(c.replicas, e)
		c.lb.add(e.srv)
	}
	c.lb.transport = c.replicas[0].srv.Client().Transport.(*http.Transport).Clone()
	hash := devHash(t)
	now := time.Now().UTC()
	for i := range faultWorkers {
		u := faultUser{email: fmt.Sprintf("fault.worker%d@example.com", i), phone: fmt.Sprintf("+4477009002%02d", i)}
		err := c.replicas[0].app.Backends().Store.CreateUser(t.Context(), store.User{
			ID: fmt.Sprintf("usr_fault%d", i), Email: u.email, EmailVerified: true, GivenName: "Fault", FamilyName: "Worker",
			PasswordHash: hash, Phone: u.phone, PhoneVerified: true, CreatedAt: now, UpdatedAt: now,
		})
		if err != nil {
			t.Fatalf("seed user: %v", err)
		}
		c.users = append(c.users, u)
	}
	return c
}

// jwksPath is the path of the JWKS, from the discovery document.
func (c *cluster) jwksPath(t *testing.T) string {
	t.Helper()
	resp, err := c.front.Client().Get(c.front.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal([]byte(mustStatus(t, resp, http.StatusOK)), &doc); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(doc.JWKSURI)
	if err != nil || u.Path == "" {
		t.Fatalf("jwks_uri %q", doc.JWKSURI)
	}
	return u.Path
}

// smsCodes returns the SMS messages to phone in every replica's outbox (each
// replica has its own, as each would call the SMS provider).
func (c *cluster) smsCodes(phone string) []outbox.Message {
	var out []outbox.Message
	for _, e := range c.replicas {
		for _, m := range e.app.Senders().Outbox.Messages() {
			if m.Channel == outbox.ChannelSMS && m.To == phone && m.Code != nil {
				out = append(out, m)
			}
		}
	}
	return out
}

// quietHandler drops the replicas' logs: outages make them loud, and the
// scenario's report says what happened. (It claims every level so that
// startClock keeps it under -v.)
type quietHandler struct{}

func (quietHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (quietHandler) Handle(context.Context, slog.Record) error { return nil }
func (h quietHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h quietHandler) WithGroup(string) slog.Handler           { return h }

// balancer is the reverse proxy: round robin over the replicas; a replica
// that refuses the connection is skipped (the request never reached it, so
// trying the next one is safe for any method), as Caddy does. A request cut
// by a dying replica is answered 502.
type balancer struct {
	transport *http.Transport

	mu       sync.Mutex
	backends []*backend
	next     int
}

type backend struct {
	srv      *httptest.Server
	served   int
	inflight int // requests in flight
	tokens   int // of which token requests (see kill)
}

func (b *balancer) add(srv *httptest.Server) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.backends = append(b.backends, &backend{srv: srv})
}

func (b *balancer) served(i int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.backends[i].served
}

func (b *balancer) pick(token bool) *backend {
	b.mu.Lock()
	defer b.mu.Unlock()
	be := b.backends[b.next%len(b.backends)]
	b.next++
	be.served++
	be.inflight++
	if token {
		be.tokens++
	}
	return be
}

func (b *balancer) done(be *backend, token bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	be.inflight--
	if token {
		be.tokens--
	}
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read request", http.StatusBadRequest)
		return
	}
	token := r.URL.Path == "/oauth/token"
	b.mu.Lock()
	n := len(b.backends)
	b.mu.Unlock()
	for try := range n {
		be := b.pick(token)
		target, _ := url.Parse(be.srv.URL)
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.URL.Scheme, out.URL.Host = target.Scheme, target.Host
		out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		resp, err := b.transport.RoundTrip(out)
		b.done(be, token)
		var op *net.OpError
		if err != nil && errors.As(err, &op) && op.Op == "dial" && try < n-1 {
			continue // refused: the request never reached the replica
		}
		if err != nil {
			http.Error(w, "bad gateway: "+err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		_ = resp.Body.Close()
		return
	}
}

// kill stops replica i abruptly: its listener closes (new connections are
// refused, so the proxy moves on) and every open connection is cut, requests
// in flight included.
//
// It waits for a moment when a request is in flight at the replica, so that
// one is cut: a token request too, whose client retries it (a refresh whose
// answer was lost is served again within tokens.refresh_retry_grace).
func (b *balancer) kill(t *testing.T, i int) {
	t.Helper()
	poll(t, lazy(func() string { return "a request in flight at the replica to kill" }), func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		be := b.backends[i]
		if be.inflight == 0 {
			return false
		}
		_ = be.srv.Listener.Close()
		be.srv.CloseClientConnections()
		return true
	})
}

// lazy is a description computed when it is printed.
type lazy func() string

func (l lazy) String() string { return l() }

// poll waits for cond, checked every few milliseconds, for at most a minute.
func poll(t *testing.T, what fmt.Stringer, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		select {
		case <-tick.C:
		case <-t.Context().Done():
			t.Fatalf("waiting for %s: %v", what, t.Context().Err())
		}
	}
}

// loadStats are counted by every worker.
type loadStats struct {
	ops            atomic.Int64 // sign-ins and refreshes done
	requests       atomic.Int64 // HTTP requests sent through the proxy
	failed         atomic.Int64 // transport errors and 5xx answers
	notRetryable   atomic.Int64 // 5xx without 503 + Retry-After (a 502 from the proxy, a 500)
	unexpected     atomic.Int64 // answers a healthy IdP would not give (a page or 4xx out of place)
	lostFamilies   atomic.Int64 // refresh tokens refused during the load, for no reason below
	burned         atomic.Int64 // refused after a failed refresh with the same token (see worker.refresh)
	refusedInOut   atomic.Int64 // refused with 400 while a backend was down or coming back
	verifyFailures atomic.Int64
	noPhoneTokens  atomic.Int64 // ID tokens without the phone factor
	signins        atomic.Int64
	refreshes      atomic.Int64
	slowest        atomic.Int64 // nanoseconds
}

type statsSnapshot struct{ requests, failed, notRetryable int64 }

func (s *loadStats) snapshot() statsSnapshot {
	return statsSnapshot{s.requests.Load(), s.failed.Load(), s.notRetryable.Load()}
}

// counting is the clients' transport: it counts every request through the
// proxy and every failure.
type counting struct {
	next  http.RoundTripper
	stats *loadStats
}

func (c counting) RoundTrip(r *http.Request) (*http.Response, error) {
	began := time.Now()
	resp, err := c.next.RoundTrip(r)
	took := time.Since(began)
	for {
		old := c.stats.slowest.Load()
		if int64(took) <= old || c.stats.slowest.CompareAndSwap(old, int64(took)) {
			break
		}
	}
	c.stats.requests.Add(1)
	switch {
	case err != nil:
		c.stats.failed.Add(1)
		c.stats.notRetryable.Add(1)
	case resp.StatusCode >= 500:
		c.stats.failed.Add(1)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			c.stats.notRetryable.Add(1)
		}
	}
	return resp, err
}

// load is the running load generator.
type load struct {
	c     *cluster
	stats loadStats
	http  *http.Client // token requests: no cookies
	conf  oauth2.Config
	wg    sync.WaitGroup
	ctx   context.Context
	began time.Time
	// outage is set while the scenario holds a backend down.
	outage atomic.Bool

	mu      sync.Mutex
	clients []*faultClient
	kidSet  map[string]bool
	notes   []string // the first few unexpected answers, for the log
}

// faultClient is one signed-in client: a browser holding the IdP session and
// the relying party's latest refresh token.
type faultClient struct {
	browser *http.Client
	refresh string
	lost    bool // its refresh token was refused
	tainted bool // a refresh with the current token failed (5xx, network)
}

func (c *cluster) load(t *testing.T) *load {
	t.Helper()
	ld := &load{c: c, ctx: t.Context(), kidSet: map[string]bool{}, began: time.Now()}
	ld.http = &http.Client{Transport: counting{next: c.front.Client().Transport, stats: &ld.stats}, Timeout: 30 * time.Second}
	ld.conf = oauth2.Config{
		ClientID: "dashboard", ClientSecret: dashSecret, RedirectURL: dashRedirect,
		Endpoint: oauth2.Endpoint{AuthURL: c.front.URL + "/authorize", TokenURL: c.front.URL + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader},
		Scopes:   []string{oidc.ScopeOpenID, "profile", "offline_access"},
	}
	for i := range faultWorkers {
		w := &worker{ld: ld, user: c.users[i], id: i}
		ctx := oidc.ClientContext(t.Context(), ld.http)
		p, err := oidc.NewProvider(ctx, c.front.URL) // discovery through the proxy
		if err != nil {
			t.Fatalf("discovery: %v", err)
		}
		cfg := &oidc.Config{ClientID: "dashboard"}
		if c.clk != nil {
			cfg.Now = c.clk.Now
		}
		w.verifier = p.Verifier(cfg) // each worker has its own JWKS cache
		ld.wg.Add(1)
		go func() {
			defer ld.wg.Done()
			w.run()
		}()
	}
	t.Cleanup(ld.wg.Wait) // before the replicas close: t.Context() has stopped the workers
	return ld
}

func (ld *load) total() int64 { return faultWorkers * faultOps }

func (ld *load) waitProgress(t *testing.T, n int64) {
	t.Helper()
	poll(t, lazy(func() string { return fmt.Sprintf("%d operations of the load (%s)", n, ld) }), func() bool { return ld.stats.ops.Load() >= n })
}

// String is the load's progress, for a test that waited too long.
func (ld *load) String() string {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	s := &ld.stats
	return fmt.Sprintf("%d ops, %d requests, %d failed, %d sign-ins, %d refreshes; %v",
		s.ops.Load(), s.requests.Load(), s.failed.Load(), s.signins.Load(), s.refreshes.Load(), ld.notes)
}

// waitFailures waits until n more requests have failed (the fault is seen by
// the clients) or the load is over.
func (ld *load) waitFailures(t *testing.T, n int64) {
	t.Helper()
	from := ld.stats.failed.Load()
	poll(t, lazy(func() string { return fmt.Sprintf("%d failed requests (%s)", n, ld) }), func() bool {
		return ld.stats.failed.Load()-from >= n || ld.stats.ops.Load() >= ld.total()
	})
}

func (ld *load) wait(t *testing.T) {
	t.Helper()
	done := make(chan struct{})
	go func() { ld.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the load did not finish within 2 minutes (%d of %d operations)", ld.stats.ops.Load(), ld.total())
	}
}

func (ld *load) note(format string, args ...any) {
	ld.stats.unexpected.Add(1)
	ld.mu.Lock()
	defer ld.mu.Unlock()
	if len(ld.notes) < 10 {
		ld.notes = append(ld.notes, fmt.Sprintf(format, args...))
	}
}

func (ld *load) sawKid(kid string) {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	ld.kidSet[kid] = true
}

func (ld *load) kidSeen(kid string) bool {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	return ld.kidSet[kid]
}

func (ld *load) kids() []string {
	ld.mu.Lock()
	defer ld.mu.Unlock()
	var out []string
	for k := range ld.kidSet {
		out = append(out, k)
	}
	return out
}

// worker signs in every faultSigninEvery operations and otherwise refreshes
// its clients in turn, retrying what fails as a client would.
type worker struct {
	ld       *load
	id       int
	user     faultUser
	verifier *oidc.IDTokenVerifier
	clients  []*faultClient
	usedSMS  map[string]bool
}

func (w *worker) run() {
	w.usedSMS = map[string]bool{}
	for op := range faultOps {
		if w.ld.ctx.Err() != nil {
			return
		}
		live := slices.DeleteFunc(slices.Clone(w.clients), func(c *faultClient) bool { return c.lost })
		if op%faultSigninEvery == 0 || len(live) == 0 {
			w.signInRetrying()
		} else {
			w.refresh(live[op%len(live)])
		}
		w.ld.stats.ops.Add(1)
	}
}

// backoff is a client's pause before it tries again after a failure (a
// client's pacing, not synchronisation; Retry-After says 30 s, far longer
// than a test can wait).
func (w *worker) backoff() {
	select {
	case <-time.After(50 * time.Millisecond):
	case <-w.ld.ctx.Done():
	}
}

// errRetry: the IdP or the proxy answered 5xx or a network error; try again.
var errRetry = errors.New("retry")

func (w *worker) signInRetrying() {
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{
		Transport: w.ld.http.Transport, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if !strings.HasPrefix(req.URL.String(), w.ld.c.front.URL) {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	for w.ld.ctx.Err() == nil {
		c, err := w.signIn(browser)
		if err == nil {
			w.ld.stats.signins.Add(1)
			w.clients = append(w.clients, c)
			w.ld.mu.Lock()
			w.ld.clients = append(w.ld.clients, c)
			w.ld.mu.Unlock()
			return
		}
		if !errors.Is(err, errRetry) {
			w.ld.note("worker %d sign-in: %v", w.id, err)
		}
		w.backoff()
	}
}

// signIn runs the code flow in browser: password, Send Code, the code from
// the outboxes, then the token exchange.
func (w *worker) signIn(browser *http.Client) (*faultClient, error) {
	verifier := oauth2.GenerateVerifier()
	nonce := oauth2.GenerateVerifier()
	resp, err := browser.Get(w.ld.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)))
	var code string
	for step := 0; code == "" && step < 8; step++ {
		if err != nil {
			return nil, errRetry
		}
		body, rerr := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if rerr != nil {
			return nil, errRetry
		}
		page := string(body)
		if resp.StatusCode >= 500 {
			return nil, errRetry
		}
		if resp.StatusCode/100 == 3 {
			back, perr := url.Parse(resp.Header.Get("Location"))
			if perr != nil {
				return nil, perr
			}
			if e := back.Query().Get("error"); e == "temporarily_unavailable" {
				w.ld.stats.failed.Add(1) // an outage told to the client
				return nil, errRetry
			} else if e != "" {
				return nil, fmt.Errorf("authorization error %q", e)
			}
			if code = back.Query().Get("code"); code == "" {
				return nil, fmt.Errorf("redirect without a code: %s", back)
			}
			break
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("status %d at %s", resp.StatusCode, resp.Request.URL.Path)
		}
		m := csrfRE.FindStringSubmatch(page)
		if m == nil {
			return nil, fmt.Errorf("no form at %s", resp.Request.URL.Path)
		}
		form := url.Values{"csrf_token": {html.UnescapeString(m[1])}}
		var action string
		switch {
		case strings.Contains(page, "<h1 class=\"govuk-heading-l\">Sign in</h1>"):
			action = "/signin"
			form.Set("email", w.user.email)
			form.Set("password", testPassword)
		case strings.Contains(page, `action="/signin/verify"`):
			sms, ok := w.newCode()
			if !ok {
				return nil, errors.New("no new SMS code in the outboxes")
			}
			action = "/signin/verify"
			form.Set("code", sms)
		case strings.Contains(page, `action="/signin/send-code"`):
			action = "/signin/send-code"
		default:
			return nil, fmt.Errorf("unexpected page at %s", resp.Request.URL.Path)
		}
		resp, err = browser.PostForm(w.ld.c.front.URL+action, form)
	}
	if code == "" {
		return nil, errors.New("did not get back to the client")
	}
	ctx := oidc.ClientContext(w.ld.ctx, w.ld.http)
	tok, err := w.ld.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return nil, fmt.Errorf("exchange: %w", err)
		}
		return nil, errRetry // the browser still holds the session: sign in again
	}
	raw, _ := tok.Extra("id_token").(string)
	w.verify(raw, nonce)
	if tok.RefreshToken == "" {
		return nil, errors.New("no refresh token")
	}
	return &faultClient{browser: browser, refresh: tok.RefreshToken}, nil
}

// newCode is the newest SMS code to the worker's phone not used before.
func (w *worker) newCode() (string, bool) {
	var newest *outbox.Message
	for _, m := range w.ld.c.smsCodes(w.user.phone) {
		if w.usedSMS[m.ID] {
			continue
		}
		if newest == nil || m.SentAt > newest.SentAt {
			newest = &m
		}
	}
	if newest == nil {
		return "", false
	}
	w.usedSMS[newest.ID] = true
	return *newest.Code, true
}

// refresh rotates c's refresh token, retrying 5xx and network errors with the
// same token as a client does. A refused token is a lost family, sorted by
// cause: burned (the token had failed before: the IdP rotated it but the
// answer never arrived, so the retry looks like a replay), refused while a
// backend was down, or neither.
func (w *worker) refresh(c *faultClient) {
	for w.ld.ctx.Err() == nil {
		outage := w.ld.outage.Load()
		status, out := w.ld.refreshOnce(c.refresh)
		outage = outage || w.ld.outage.Load()
		switch {
		case status == http.StatusOK:
			w.ld.stats.refreshes.Add(1)
			c.refresh, c.tainted = out["refresh_token"].(string), false
			raw, _ := out["id_token"].(string)
			w.verify(raw, "")
			return
		case status == 0 || status >= 500:
			c.tainted = true
			w.backoff()
		default:
			c.lost = true
			switch {
			case c.tainted:
				w.ld.stats.burned.Add(1)
			case outage:
				w.ld.stats.refusedInOut.Add(1)
			default:
				w.ld.stats.lostFamilies.Add(1)
			}
			w.ld.note("worker %d refresh (after a failed attempt: %t, outage: %t): %d %v", w.id, c.tainted, outage, status, out)
			return
		}
	}
}

func (ld *load) refreshOnce(rt string) (int, map[string]any) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	req, _ := http.NewRequestWithContext(ld.ctx, http.MethodPost, ld.conf.Endpoint.TokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("dashboard", dashSecret)
	resp, err := ld.http.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// verify checks an ID token against the JWKS as a client does (go-oidc
// fetches the JWKS again on an unknown kid), and that it carries the phone
// factor. A JWKS fetch cut by a fault is retried, as a client would.
func (w *worker) verify(raw, nonce string) {
	if raw == "" {
		w.ld.stats.verifyFailures.Add(1)
		w.ld.note("worker %d: no ID token", w.id)
		return
	}
	ctx := oidc.ClientContext(w.ld.ctx, w.ld.http)
	var (
		idt *oidc.IDToken
		err error
	)
	for range 20 {
		if idt, err = w.verifier.Verify(ctx, raw); err == nil || !strings.Contains(err.Error(), "fetching keys") {
			break
		}
		w.backoff()
	}
	if err != nil {
		w.ld.stats.verifyFailures.Add(1)
		w.ld.note("worker %d verify: %v", w.id, err)
		return
	}
	if nonce != "" && idt.Nonce != nonce {
		w.ld.note("worker %d: nonce %q, want %q", w.id, idt.Nonce, nonce)
	}
	var cl struct {
		AMR []string `json:"amr"`
	}
	_ = idt.Claims(&cl)
	if !slices.Contains(cl.AMR, "pwd") || !slices.Contains(cl.AMR, "mfa") || !(slices.Contains(cl.AMR, "sms") || slices.Contains(cl.AMR, "tel")) {
		w.ld.stats.noPhoneTokens.Add(1)
		w.ld.note("worker %d: ID token amr %v", w.id, cl.AMR)
	}
	if kid := kidOf(raw); kid != "" {
		w.ld.sawKid(kid)
	}
}

func kidOf(raw string) string {
	seg, _, _ := strings.Cut(raw, ".")
	var h struct {
		Kid string `json:"kid"`
	}
	if b, err := base64.RawURLEncoding.DecodeString(seg); err == nil {
		_ = json.Unmarshal(b, &h)
	}
	return h.Kid
}

// faultReport is what a scenario did and lost.
type faultReport struct {
	requests, failed, notRetryable, unexpected int64
	signins, refreshes                         int64
	lostSessions, lostFamilies                 int64
	burned, refusedInOutage                    int64
	verifyFailures, noPhoneTokens              int64
	slowest, took                              time.Duration
	notes                                      []string
}

// check asks, for every client signed in during the load, whether its
// session still answers at the IdP (/authorize returns straight to the
// client) and whether its latest refresh token still refreshes.
func (ld *load) check(t *testing.T) faultReport {
	t.Helper()
	var lostSessions, lostFamilies int64
	for _, c := range ld.clients {
		if !ld.sessionAnswers(t, c) {
			lostSessions++
		}
		if c.lost {
			continue // counted during the load
		}
		status, out := ld.refreshOnce(c.refresh)
		if status != http.StatusOK {
			lostFamilies++
			ld.note("final refresh: %d %v", status, out)
		}
	}
	s := &ld.stats
	return faultReport{
		requests: s.requests.Load(), failed: s.failed.Load(), notRetryable: s.notRetryable.Load(), unexpected: s.unexpected.Load(),
		signins: s.signins.Load(), refreshes: s.refreshes.Load(),
		lostSessions: lostSessions, lostFamilies: lostFamilies + s.lostFamilies.Load(),
		burned: s.burned.Load(), refusedInOutage: s.refusedInOut.Load(),
		verifyFailures: s.verifyFailures.Load(), noPhoneTokens: s.noPhoneTokens.Load(),
		slowest: time.Duration(s.slowest.Load()), took: time.Since(ld.began), notes: ld.notes,
	}
}

func (ld *load) sessionAnswers(t *testing.T, c *faultClient) bool {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	resp, err := c.browser.Get(ld.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		t.Errorf("session check: %v", err)
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return resp.StatusCode/100 == 3 && loc != nil && loc.Query().Get("code") != ""
}

func (r faultReport) log(t *testing.T, scenario string) {
	t.Helper()
	t.Logf("%s: %d requests, %d failed (%d not 503 with Retry-After), %d unexpected answers; %d sign-ins, %d refreshes; "+
		"%d lost sessions, %d lost refresh families (+ %d burned by a failed refresh, %d refused with 400 during the outage or its recovery), "+
		"%d verification failures, %d ID tokens without the phone factor; slowest request %v; %v",
		scenario, r.requests, r.failed, r.notRetryable, r.unexpected, r.signins, r.refreshes,
		r.lostSessions, r.lostFamilies, r.burned, r.refusedInOutage, r.verifyFailures, r.noPhoneTokens, r.slowest.Round(time.Millisecond), r.took.Round(time.Millisecond))
	for _, n := range r.notes {
		t.Log("  " + n)
	}
}

// requireNoLoss: every client kept its session and its refresh family,
// every ID token verified and carried the phone factor.
func (r faultReport) requireNoLoss(t *testing.T) {
	t.Helper()
	r.requireNoUnexplainedLoss(t)
	if r.burned != 0 || r.refusedInOutage != 0 {
		t.Errorf("%d refresh families burned by a failed refresh and %d refused during an outage, want none", r.burned, r.refusedInOutage)
	}
}

// requireNoUnexplainedLoss is requireNoLoss less its check of refresh
// families burned by a failed refresh or refused with 400 during an outage
// (which the report still counts): before issue 11's refresh ordering and
// retry grace, every outage cost some.
func (r faultReport) requireNoUnexplainedLoss(t *testing.T) {
	t.Helper()
	if r.lostSessions != 0 || r.lostFamilies != 0 {
		t.Errorf("%d sessions and %d refresh families lost, want none", r.lostSessions, r.lostFamilies)
	}
	if r.verifyFailures != 0 {
		t.Errorf("%d ID tokens failed verification at the clients, want none", r.verifyFailures)
	}
	if r.noPhoneTokens != 0 {
		t.Errorf("%d ID tokens without the phone factor", r.noPhoneTokens)
	}
	if r.signins == 0 || r.refreshes == 0 {
		t.Errorf("the load did nothing: %d sign-ins, %d refreshes", r.signins, r.refreshes)
	}
}

// requireOutageAnswers: every request that failed up to the end of a
// backend outage was told 503 with Retry-After (no 500, no hang cut by
// the proxy).
func (r faultReport) requireOutageAnswers(t *testing.T, during statsSnapshot) {
	t.Helper()
	if during.failed == 0 {
		t.Errorf("no request failed during the outage: was it injected?")
	}
	if during.notRetryable != 0 {
		t.Errorf("%d of %d failed requests during the outage were not 503 with Retry-After", during.notRetryable, during.failed)
	}
}
