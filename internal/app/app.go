// Package app is carekey's composition root: it turns a validated config into
// backends (PostgreSQL + Redis in production, memory in dev mode), services and
// one http.Handler, and runs the HTTP servers until its context ends. It is the
// only package that knows which backend runs.
//
//	a, err := app.New(ctx, app.Options{Config: cfg, Mode: config.ModeServe, Logger: logger})
//	defer a.Close()
//	err = a.Run(ctx)
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"github.com/carekey/carekey/internal/accounts"
	"github.com/carekey/carekey/internal/adminapi"
	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/authstate/memauth"
	"github.com/carekey/carekey/internal/authstate/redisauth"
	"github.com/carekey/carekey/internal/clientip"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/dashboard"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/flow/memflow"
	"github.com/carekey/carekey/internal/flow/redisflow"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/metrics"
	"github.com/carekey/carekey/internal/oidcop"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/requestid"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/session/memsession"
	"github.com/carekey/carekey/internal/session/redissession"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
	"github.com/carekey/carekey/internal/store/postgres"
	"github.com/carekey/carekey/internal/web"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/ui"
)

// Options configure New.
type Options struct {
	Config *config.Config
	Mode   config.Mode
	Logger *slog.Logger
	Clock  clock.Clock // optional: the system clock
	// Out receives start-up notices meant for a person (the dev password).
	Out io.Writer
	// HTTPClient is used by the dev dashboard to reach the issuer (optional).
	HTTPClient *http.Client
	// TracerProvider replaces the one tracing.otlp_endpoint configures
	// (optional: tests pass an in-memory one).
	TracerProvider trace.TracerProvider
	// RedisHooks are added to the Redis client in serve mode (optional:
	// tests count round trips with a redistrips.Counter).
	RedisHooks []redis.Hook
	// PostgresTracer also sees every PostgreSQL statement, batch and new
	// connection (optional: tests count round trips with it).
	PostgresTracer pgx.QueryTracer
}

// Backends are the seams app opened; exposed for tests and admin commands.
type Backends struct {
	Store    store.Store
	Sessions session.Store
	Flows    flow.Store
	State    authstate.Store
	Redis    redis.UniversalClient // nil in dev mode
}

// App is a running carekey.
type App struct {
	cfg       *config.Config
	logger    *slog.Logger
	handler   http.Handler
	dashboard http.Handler
	backends  Backends
	closers   []func()
	senders   Senders
	metrics   *metrics.Metrics     // observability.go
	tracing   trace.TracerProvider // nil: tracing off
	// pressHash receives key presses on dev outbox calls (set by the voice journey).
	pressHash func(ctx context.Context, reference string) error
	// SeedPassword is the dev users' password (dev mode only).
	SeedPassword string
	// redisRestarts logs a Redis restart at each readiness probe (serve mode).
	redisRestarts *restartWatch
}

// pages are the templates every deployment needs.
var pages = []string{"signin", "signin_enrol_email", "signin_enrol", "signin_confirm", "signin_code", "signin_call", "signed_in", "logged_out", "error", "coming_soon",
	"register_profile", "register_credentials", "register_verify", // issue 4 (journeys_register.go)
	"forgot_email", "forgot_verify", "forgot_password", "forgot_done",
	"confirm_logout",
	"account_phone", "account_phone_done", // changing the phone (web/account.go)
	"signin_app", "account_app"} // the authenticator app (web/app.go, issue 16)

// New opens the backends and builds the handler. It fails, naming the cause, if
// a backend is unreachable or a secret is unusable.
func New(ctx context.Context, opts Options) (_ *App, err error) {
	cfg := opts.Config
	if cfg == nil {
		return nil, errors.New("app: no config")
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.System()
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = slog.New(requestid.NewHandler(logger.Handler())) // every line of a request names it
	a := &App{cfg: cfg, logger: logger, metrics: metrics.New()}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()

	kr, err := newKeyring(cfg.Keys)
	if err != nil {
		return nil, err
	}
	pepper, err := newPepper(cfg.Keys)
	if err != nil {
		return nil, err
	}

	if err := a.openTracing(ctx, cfg.Tracing, opts.TracerProvider); err != nil { // observability.go
		return nil, err
	}
	if err := a.openBackends(ctx, opts.Mode, clk, opts.RedisHooks, opts.PostgresTracer); err != nil {
		return nil, err
	}
	b := a.backends

	if err := a.openSenders(cfg, clk); err != nil {
		return nil, err
	}
	a.senders = countSends(a.metrics, a.senders, cfg) // observability.go

	hasher := password.NewHasherLimits(password.DefaultParams(), hashLimits(cfg.PasswordPolicy)) // journeys_register.go
	accountsSvc := &accounts.Service{Store: b.Store, Clock: clk}
	if opts.Mode == config.ModeDev {
		pw, err := seed(ctx, b.Store, hasher, clk, cfg.Dev.SeedPassword)
		if err != nil {
			return nil, fmt.Errorf("seed dev data: %w", err)
		}
		a.SeedPassword = pw
		if err := seedGrants(ctx, accountsSvc); err != nil {
			return nil, fmt.Errorf("seed dev accounts: %w", err)
		}
		if opts.Out != nil {
			fmt.Fprintf(opts.Out, "\ncarekey dev mode: %s\n  dashboard:  %s\n  sign in as: %s / %s\n  (also %s, same password)\n\n",
				cfg.Issuer, cfg.Dev.DashboardURL, seedPenny.email, pw, seedSam.email)
		}
	}

	km := keys.NewManager(keys.Config{Store: b.Store, Cipher: kr.signing, Clock: clk, Rotation: cfg.Keys.RotationPeriod, CacheTTL: time.Minute})
	if _, err := km.Signing(ctx, cfg.Keys.Algorithm); err != nil {
		return nil, fmt.Errorf("load signing key: %w", err)
	}

	logout, err := a.newBackchannel(cfg, km, clk, logger) // back-channel logout (issue 6)
	if err != nil {
		return nil, err
	}

	ready := a.Ready
	provider, err := oidcop.New(oidcop.Config{
		Issuer:             cfg.Issuer,
		Clients:            cfg.Clients,
		LoginURL:           func(id string) string { return "/login?authRequestID=" + id },
		Users:              b.Store,
		RefreshTokens:      b.Store,
		Audit:              b.Store,
		State:              b.State,
		Sessions:           b.Sessions,
		Keys:               km,
		Logout:             logout,
		Health:             ready,
		Algorithm:          cfg.Keys.Algorithm,
		CryptoKey:          kr.tokens[0],
		PreviousCryptoKeys: kr.tokens[1:],
		Tokens:             cfg.Tokens,
		Accounts:           accountsSvc.Claim,
		Clock:              clk,
		Logger:             logger,
		Insecure:           opts.Mode == config.ModeDev || isLocalhostHTTP(cfg.Issuer),

		SessionAbsolute: cfg.Sessions.AbsoluteTimeout, // refresh families end with it (issue 10)
		Replay:          a.newLimiter(clk),            // private_key_jwt assertions are used once
	})
	if err != nil {
		return nil, err
	}
	for _, alg := range provider.Algorithms() {
		if _, err := km.Signing(ctx, alg); err != nil {
			return nil, fmt.Errorf("load %s signing key: %w", alg, err)
		}
	}
	if err := a.keyAge(km, provider.Algorithms(), clk.Now); err != nil { // observability.go
		return nil, err
	}
	journey := a.newJourney(cfg, clk, hasher, pepper, kr.signing) // phones.go
	admin, err := newAdminAPI(provider, accountsSvc, b.Store, b.Sessions, logout, clk, logger, cfg.HTTP.MaxBodyBytes,
		&adminapi.UserImport{Users: b.Store, Hasher: hasher, Policy: passwordPolicy(cfg.PasswordPolicy)}, journey.Accounts)
	if err != nil {
		return nil, err
	}
	mounts := a.mounts()
	mounts[adminapi.Prefix] = admin
	rp, err := render.New(ui.Templates(), cfg.Branding, logger, pages...)
	if err != nil {
		return nil, err
	}
	hook, err := voiceWebhook(cfg) // Call Me webhooks (senders_phone.go)
	if err != nil {
		return nil, err
	}
	proxies, err := clientip.New(cfg.HTTP.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("http.trusted_proxies: %w", err)
	}
	srv, err := web.New(web.Config{
		ClientIP:        proxies,                              // X-Forwarded-For from trusted proxies only
		Provider:        countedProvider{provider, a.metrics}, // observability.go
		Metrics:         a.metrics,
		Tracer:          a.tracer(),
		Signin:          journey,
		VoiceWebhook:    hook, // senders_phone.go
		Users:           b.Store,
		Flows:           b.Flows,
		Sessions:        b.Sessions,
		Pages:           rp,
		Static:          ui.Static(),
		Clock:           clk,
		Logger:          logger,
		Pepper:          pepper,
		InsecureCookies: cfg.Dev.InsecureCookies,
		MaxBodyBytes:    cfg.HTTP.MaxBodyBytes,
		SessionIdle:     cfg.Sessions.IdleTimeout,
		SessionAbsolute: cfg.Sessions.AbsoluteTimeout,
		Ready:           ready,
		Logout:          logout,
		Mounts:          mounts,
		Register:        a.newRegistration(cfg, clk, hasher, pepper),     // journeys_register.go
		Recovery:        a.newRecovery(cfg, clk, hasher, pepper, logout), // journeys_register.go
		Policy:          passwordPolicy(cfg.PasswordPolicy),              // journeys_register.go
	})
	if err != nil {
		return nil, err
	}
	a.handler = withRedisMemo(srv, a.backends.Redis, logger)

	if opts.Mode == config.ModeDev && cfg.Dev.DashboardURL != "" {
		d, err := dashboard.New(dashboard.Config{
			Issuer:       cfg.Issuer,
			ClientID:     config.DashboardClientID,
			ClientSecret: cfg.Dev.DashboardSecret,
			BaseURL:      cfg.Dev.DashboardURL,
			IdleTimeout:  cfg.Sessions.IdleTimeout,
			HTTPClient:   opts.HTTPClient,
			Logger:       logger,
			Branding: dashboard.Branding{ // one name and one set of colours for both
				CouncilName: cfg.Branding.CouncilName, ServiceName: cfg.Branding.ServiceName,
				PrimaryColor: cfg.Branding.PrimaryColor, PrimaryTextColor: cfg.Branding.PrimaryTextColor,
				LinkColor:   cfg.Branding.LinkColor,
				PhaseBanner: cfg.Branding.PhaseBanner, FeedbackURL: cfg.Branding.FeedbackURL,
			},
		})
		if err != nil {
			return nil, fmt.Errorf("dashboard: %w", err)
		}
		a.dashboard = d.Handler()
	}
	return a, nil
}

func isLocalhostHTTP(issuer string) bool {
	for _, p := range []string{"http://localhost", "http://127.0.0.1"} {
		if len(issuer) >= len(p) && issuer[:len(p)] == p {
			return true
		}
	}
	return false
}

func (a *App) openBackends(ctx context.Context, mode config.Mode, clk clock.Clock, hooks []redis.Hook, pgTracer pgx.QueryTracer) error {
	cfg := a.cfg
	if mode == config.ModeDev {
		a.backends = Backends{
			Store:    sourceStore{memstore.New(), a.metrics},
			Sessions: memsession.New(clk),
			Flows:    memflow.New(clk),
			State:    memauth.New(clk),
		}
		return nil
	}
	pc := pgConfig(cfg.Postgres)
	pc.Tracer = a.pgTracer() // observability.go
	switch {
	case pc.Tracer == nil:
		pc.Tracer = pgTracer
	case pgTracer != nil:
		pc.Tracer = multitracer.New(pc.Tracer, pgTracer)
	}
	pg, err := postgres.Open(ctx, pc)
	if err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	a.closers = append(a.closers, pg.Close)
	if err := a.metrics.PostgresPool(pg.Pool().Stat); err != nil {
		return err
	}
	if cfg.Postgres.Migrate == "auto" {
		if err := pg.Migrate(ctx); err != nil {
			return fmt.Errorf("migrate postgres: %w", err)
		}
	}
	rc := NewRedis(cfg.Redis)
	a.closers = append(a.closers, func() { _ = rc.Close() })
	if err := a.instrumentRedis(rc); err != nil { // observability.go
		return err
	}
	for _, h := range hooks {
		rc.AddHook(h)
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.Redis.DialTimeout+cfg.Redis.ReadTimeout)
	defer cancel()
	if err := rc.Ping(pctx).Err(); err != nil {
		return fmt.Errorf("connect to redis at %s: no answer within %s (redis.dial_timeout + redis.read_timeout): %w",
			strings.Join(cfg.Redis.Addrs, ","), cfg.Redis.DialTimeout+cfg.Redis.ReadTimeout, err)
	}
	p := cfg.Redis.KeyPrefix
	a.redisRestarts = &restartWatch{runID: redisRunID(rc), log: a.logger}
	a.redisRestarts.check(ctx) // remember the run_id at start
	a.backends = Backends{
		Store:    sourceStore{pg, a.metrics},
		Sessions: redissession.New(rc, p+"sess:", clk),
		Flows:    redisflow.New(rc, p+"flow:", clk),
		State:    redisauth.New(rc, p+"oidc:", clk),
		Redis:    rc,
	}
	return nil
}

// NewRedis returns a client for a single node (one address), a Cluster
// (several addresses, or one with c.Cluster) or Sentinel (c.MasterName: the
// addresses are the sentinels', the client follows the master they name).
func NewRedis(c config.Redis) redis.UniversalClient {
	o := &redis.UniversalOptions{
		Addrs:        c.Addrs,
		Username:     c.Username,
		Password:     c.Password,
		DB:           c.DB,
		MasterName:   c.MasterName,
		DialTimeout:  c.DialTimeout,
		ReadTimeout:  c.ReadTimeout,
		WriteTimeout: c.WriteTimeout,
		// A command waits for a free connection no longer than for an answer.
		PoolTimeout: c.ReadTimeout + c.WriteTimeout,
		// Deadlines come from the options above, not from each caller's
		// context: a blackholed Redis fails within them either way.
		ContextTimeoutEnabled: true,
		// One address of a Cluster: discover the others from it.
		IsClusterMode: c.Cluster,
		// Sentinel: the sentinels' password (the master's is Password).
		SentinelPassword: c.SentinelPassword,
	}
	if c.TLS {
		o.TLSConfig = tlsConfig()
	}
	return redis.NewUniversalClient(o)
}

// Ready reports whether every backend answers.
func (a *App) Ready(ctx context.Context) error {
	if err := a.backends.Store.Ping(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := a.backends.State.Ping(ctx); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	if a.redisRestarts != nil {
		a.redisRestarts.check(ctx)
	}
	return nil
}

// Handler is carekey's HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// DashboardHandler is the reference dashboard's handler (dev mode), or nil.
func (a *App) DashboardHandler() http.Handler { return a.dashboard }

// Backends returns the opened backends.
func (a *App) Backends() Backends { return a.backends }

// Run serves carekey (and in dev mode the dashboard) until ctx ends, then shuts
// down gracefully.
func (a *App) Run(ctx context.Context) error {
	servers := []*http.Server{a.server(a.cfg.HTTP.Addr, a.handler)}
	if a.dashboard != nil && a.cfg.Dev.DashboardAddr != "" {
		servers = append(servers, a.server(a.cfg.Dev.DashboardAddr, a.dashboard))
	}
	if s := a.adminServer(); s != nil { // metrics on their own listener (observability.go)
		servers = append(servers, s)
	}
	errc := make(chan error, len(servers))
	for _, s := range servers {
		ln, err := net.Listen("tcp", s.Addr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", s.Addr, err)
		}
		a.logger.InfoContext(ctx, "listening", "addr", ln.Addr().String())
		go func() {
			if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	if runErr != nil {
		a.logger.ErrorContext(ctx, "shutting down", "timeout", a.cfg.HTTP.ShutdownTimeout, "err", runErr)
	} else {
		a.logger.InfoContext(ctx, "shutting down", "timeout", a.cfg.HTTP.ShutdownTimeout)
	}
	start := time.Now()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.HTTP.ShutdownTimeout)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			a.logger.WarnContext(ctx, "shutdown", "addr", s.Addr, "err", err)
		}
	}
	a.logger.InfoContext(ctx, "shut down", "dur", time.Since(start))
	return runErr
}

func (a *App) server(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: a.cfg.HTTP.ReadHeaderTimeout,
		ReadTimeout:       a.cfg.HTTP.ReadTimeout,
		WriteTimeout:      a.cfg.HTTP.WriteTimeout,
		IdleTimeout:       a.cfg.HTTP.IdleTimeout,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
}

// Close releases the backends.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// Migrate applies the PostgreSQL migrations (idp migrate).
// pgConfig is the store's configuration from the postgres section.
func pgConfig(p config.Postgres) postgres.Config {
	return postgres.Config{URL: p.URL, MaxConns: p.MaxConns, ConnectTimeout: p.ConnectTimeout, QueryTimeout: p.QueryTimeout}
}

func Migrate(ctx context.Context, cfg *config.Config) error {
	pg, err := postgres.Open(ctx, postgres.Config{URL: cfg.Postgres.URL, MaxConns: 2, ConnectTimeout: cfg.Postgres.ConnectTimeout})
	if err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	defer pg.Close()
	return pg.Migrate(ctx)
}

// withRedisMemo gives each request a memo of the Redis keys it reads and
// writes (rediscas.WithMemo), so that the flow, the auth request and the
// session it touches several times cost one read each (issue 13). Writes a
// backend queued for later (rediscas.Later: clean-ups, counter resets) ride
// with the request's next write, or go out before the response's first
// byte (flushWriter) and at the latest when the handler returns.
func withRedisMemo(h http.Handler, rdb redis.UniversalClient, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := rediscas.WithMemo(r.Context())
		flush := func() {
			if rdb == nil {
				return
			}
			if err := rediscas.Flush(ctx, rdb); err != nil {
				log.WarnContext(ctx, "queued redis writes", "err", err)
			}
		}
		h.ServeHTTP(&flushWriter{ResponseWriter: w, flush: flush}, r.WithContext(ctx))
		flush()
	})
}

// flushWriter runs flush before the response's header goes out, so that
// what a request queued has landed before its answer can lead to another.
type flushWriter struct {
	http.ResponseWriter
	flush   func()
	flushed bool
}

func (f *flushWriter) WriteHeader(code int) {
	if !f.flushed {
		f.flushed = true
		f.flush()
	}
	f.ResponseWriter.WriteHeader(code)
}

func (f *flushWriter) Write(b []byte) (int, error) {
	if !f.flushed {
		f.flushed = true
		f.flush()
	}
	return f.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (f *flushWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }
