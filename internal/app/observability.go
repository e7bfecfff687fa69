package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/metrics"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/web"
)

// tracerName names carekey's own spans (HTTP server spans).
const tracerName = "github.com/carekey/carekey"

// openTracing picks the tracer provider: the caller's (tests), an OTLP
// exporter when tracing.otlp_endpoint is set, or none (a nil tracer: no span
// is ever started, so tracing off costs nothing per request).
func (a *App) openTracing(ctx context.Context, c config.Tracing, given trace.TracerProvider) error {
	if given != nil {
		a.tracing = given
		return nil
	}
	if c.OTLPEndpoint == "" {
		return nil
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(c.OTLPEndpoint))
	if err != nil {
		return fmt.Errorf("tracing.otlp_endpoint: %w", err)
	}
	res := resource.NewSchemaless(semconv.ServiceName(c.ServiceName))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(float64(c.SamplePercent)/100))))
	a.closers = append(a.closers, func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := tp.Shutdown(sctx); err != nil {
			a.logger.WarnContext(sctx, "flush traces", "err", err)
		}
	})
	a.tracing = tp
	return nil
}

// tracer is the HTTP layer's tracer, or nil when tracing is off.
func (a *App) tracer() trace.Tracer {
	if a.tracing == nil {
		return nil
	}
	return a.tracing.Tracer(tracerName)
}

// pgTracer traces statements (never their parameters), or is nil.
func (a *App) pgTracer() pgx.QueryTracer {
	if a.tracing == nil {
		return nil
	}
	return otelpgx.NewTracer(otelpgx.WithTracerProvider(a.tracing)) // span names are trimmed SQL by default
}

// instrumentRedis adds tracing hooks (commands named, never their
// arguments: they hold session and flow data) and the pool collector.
func (a *App) instrumentRedis(rc redis.UniversalClient) error {
	if a.tracing != nil {
		if err := redisotel.InstrumentTracing(rc, redisotel.WithTracerProvider(a.tracing), redisotel.WithDBStatement(false)); err != nil {
			return fmt.Errorf("trace redis: %w", err)
		}
	}
	return a.metrics.RedisPool(rc.PoolStats)
}

// keyAge registers the signing key age gauges; the key is read through the
// manager's cache, with a short deadline so a scrape never hangs.
func (a *App) keyAge(km *keys.Manager, algs []string, now func() time.Time) error {
	return a.metrics.SigningKeyAge(algs, func(alg string) (time.Time, bool) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		k, err := km.Signing(ctx, alg)
		if err != nil {
			return time.Time{}, false
		}
		return k.CreatedAt, true
	}, now)
}

// MetricsHandler serves the Prometheus metrics (the admin listener's
// /metrics) and, with metrics.pprof, Go's profiler under /debug/pprof/.
func (a *App) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.Handler())
	if a.cfg.Metrics.Pprof {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// countAudit turns the audit events of journeys into counters: the audit
// trail already records each sign-in step, factor and lock, so counting them
// where they are written keeps the services free of metrics.
func countAudit(m *metrics.Metrics, events []store.AuditEvent) {
	for _, e := range events {
		switch e.Type {
		case "signin.password_ok":
			m.SignIn(metrics.SignInPassword)
		case "signin.password_failed":
			m.SignIn(metrics.SignInBadPassword)
		case "signin.unknown_email":
			m.SignIn(metrics.SignInUnknown)
		case "signin.locked_attempt":
			m.SignIn(metrics.SignInLocked)
		case "signin.rate_limited":
			m.SignIn(metrics.SignInLimited)
		case "signin.second_factor_ok":
			m.SignIn(metrics.SignInComplete)
			m.SecondFactor(channel(e.Detail["method"]), metrics.OK)
		case "signin.code_failed":
			m.SecondFactor("sms", metrics.Failed)
		case "signin.code_limited":
			m.SecondFactor("sms", metrics.Limited)
		case "signin.call_failed":
			m.SecondFactor("tel", metrics.Failed)
		case "signin.call_limited":
			m.SecondFactor("tel", metrics.Limited)
		case "signin.app_code_failed":
			m.SecondFactor("otp", metrics.Failed)
		case "signin.enrol_code_ok":
			m.SecondFactor("email", metrics.OK)
		case "signin.enrol_code_failed":
			m.SecondFactor("email", metrics.Failed)
		case "user.locked":
			m.Lockout()
		}
	}
}

func channel(method string) string {
	if method == "sms" || method == "tel" || method == "otp" {
		return method
	}
	return "other"
}

// countSends wraps the senders so each message handed to a provider is
// counted by channel, provider and outcome.
func countSends(m *metrics.Metrics, s Senders, cfg *config.Config) Senders {
	provider := func(p string) string {
		if cfg.Dev.Outbox || p == "" {
			return "outbox"
		}
		return p
	}
	if s.Email != nil {
		s.Email = countedEmail{s.Email, m, provider(cfg.Email.Provider)}
	}
	if s.SMS != nil {
		s.SMS = countedSMS{s.SMS, m, provider(cfg.SMS.Provider)}
	}
	if s.Voice != nil {
		s.Voice = countedVoice{s.Voice, m, provider(cfg.Voice.Provider)}
	}
	return s
}

type countedEmail struct {
	notify.EmailSender
	m        *metrics.Metrics
	provider string
}

func (c countedEmail) SendEmail(ctx context.Context, e notify.Email) error {
	err := c.EmailSender.SendEmail(ctx, e)
	c.m.Send("email", c.provider, err)
	return err
}

type countedSMS struct {
	notify.SMSSender
	m        *metrics.Metrics
	provider string
}

func (c countedSMS) SendSMS(ctx context.Context, s notify.SMS) error {
	err := c.SMSSender.SendSMS(ctx, s)
	c.m.Send("sms", c.provider, err)
	return err
}

type countedVoice struct {
	notify.VoiceCaller
	m        *metrics.Metrics
	provider string
}

func (c countedVoice) PlaceCall(ctx context.Context, call notify.Call) error {
	err := c.VoiceCaller.PlaceCall(ctx, call)
	c.m.Send("voice", c.provider, err)
	return err
}

// grantTypes are the token endpoint's grant_type label values; anything
// else a client sends is "other".
var grantTypes = map[string]bool{"authorization_code": true, "refresh_token": true, "client_credentials": true}

// countedProvider counts token endpoint requests by grant type and outcome.
// It parses the form of token requests only (bounded by http.max_body_bytes,
// and the provider would parse it anyway: it reuses the parsed form).
type countedProvider struct {
	web.Provider
	m *metrics.Metrics
}

// ReadAhead is the provider's (oidcop.Provider.ReadAhead), which the web
// layer finds by its method: the callback's two reads in one round trip.
func (p countedProvider) ReadAhead(ctx context.Context, id, sessionID string) {
	if ra, ok := p.Provider.(interface {
		ReadAhead(ctx context.Context, id, sessionID string)
	}); ok {
		ra.ReadAhead(ctx, id, sessionID)
	}
}

func (p countedProvider) Handler() http.Handler {
	h := p.Provider.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/token" || r.Method != http.MethodPost {
			h.ServeHTTP(w, r)
			return
		}
		grant := "other"
		if err := r.ParseForm(); err == nil && grantTypes[r.PostForm.Get("grant_type")] {
			grant = r.PostForm.Get("grant_type")
		}
		rec := &grantRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		p.m.TokenGrant(grant, rec.status)
	})
}

type grantRecorder struct {
	http.ResponseWriter
	status  int
	written bool
}

func (g *grantRecorder) WriteHeader(code int) {
	if !g.written {
		g.status, g.written = code, true
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *grantRecorder) Write(b []byte) (int, error) {
	g.written = true
	return g.ResponseWriter.Write(b)
}

func (g *grantRecorder) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// adminServer serves the metrics on metrics.addr (Run), or is nil when off.
func (a *App) adminServer() *http.Server {
	if a.cfg.Metrics.Addr == config.MetricsOff || a.cfg.Metrics.Addr == "" {
		return nil
	}
	return a.server(a.cfg.Metrics.Addr, a.MetricsHandler())
}

// RedisLogger sends go-redis's log lines through logger as JSON (warn
// level: go-redis logs only trouble, such as a failed reconnect). go-redis
// has one process-wide logger (redis.SetLogger), so only main sets it, once.
func RedisLogger(logger *slog.Logger) interface {
	Printf(ctx context.Context, format string, v ...any)
} {
	return redisLogger{logger}
}

type redisLogger struct{ l *slog.Logger }

func (r redisLogger) Printf(ctx context.Context, format string, v ...any) {
	if ctx == nil {
		ctx = context.Background()
	}
	r.l.WarnContext(ctx, "redis", "detail", fmt.Sprintf(format, v...))
}
