package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/requestid"
)

// codeFlow signs in through the dashboard client, exchanges the code and
// calls userinfo: the journey the observability tests watch.
func (e *env) codeFlow(t *testing.T) {
	t.Helper()
	r := e.rp("dashboard", dashSecret, dashRedirect, "profile", "email", "offline_access")
	ctx := oidc.ClientContext(t.Context(), r.http)
	verifier := oauth2.GenerateVerifier()
	code := e.login(e.browser(), r, verifier, "n-obs")
	tok, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if _, err := r.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil {
		t.Fatalf("userinfo: %v", err)
	}
}

// Acceptance 2: a sign-in's trace spans HTTP, PostgreSQL and Redis.
func TestSignInTraceSpansHTTPPostgresAndRedis(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	e := startClock(t, true, nil, nil, nil, func(o *app.Options) { o.TracerProvider = tp })
	e.codeFlow(t)

	spans := exp.GetSpans()
	var signin *tracetest.SpanStub
	for i, s := range spans {
		if s.SpanKind == trace.SpanKindServer && s.Name == "POST /signin" {
			signin = &spans[i]
		}
	}
	if signin == nil {
		t.Fatalf("no server span POST /signin among %d spans", len(spans))
	}
	system := func(s tracetest.SpanStub) string {
		for _, a := range s.Attributes {
			if k := string(a.Key); k == "db.system" || k == "db.system.name" {
				return a.Value.AsString()
			}
		}
		return ""
	}
	seen := map[string]bool{}
	for _, s := range spans {
		if s.SpanContext.TraceID() == signin.SpanContext.TraceID() && s.Parent.IsValid() {
			seen[system(s)] = true
		}
	}
	for _, want := range []string{"postgresql", "redis"} {
		if !seen[want] {
			t.Errorf("the POST /signin trace has no %s span (systems seen: %v)", want, seen)
		}
	}
	for _, s := range spans {
		for _, a := range s.Attributes {
			if v := a.Value.String(); strings.Contains(v, testPassword) || strings.Contains(v, testEmail) {
				t.Errorf("span %q attribute %s carries personal data or a secret: %q", s.Name, a.Key, v)
			}
		}
	}
}

// lockedBuffer is an io.Writer the app's goroutines may share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Split(strings.TrimSpace(b.buf.String()), "\n")
}

// Acceptance 4: every line logged while serving is JSON with the request's
// ID, including the OIDC library's (it logs through slog.Default, which main
// sets to our logger, as this test does); one info line per request names
// the route template, never the raw path or query.
func TestEveryLogLineIsJSONWithARequestID(t *testing.T) {
	backends(t, func(t *testing.T, _ *env) {
		out := &lockedBuffer{}
		logger := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e := startFull(t, e2eReal(t), nil, logger)
		before := len(out.lines())
		prev := slog.Default()
		slog.SetDefault(slog.New(requestid.NewHandler(logger.Handler())))
		t.Cleanup(func() { slog.SetDefault(prev) })

		e.codeFlow(t)
		// A refused token request: the OIDC library logs it.
		resp, err := e.srv.Client().PostForm(e.issuer+"/oauth/token?x=1", map[string][]string{"grant_type": {"authorization_code"}, "code": {"nope"}})
		if err != nil {
			t.Fatal(err)
		}
		_ = readBody(t, resp)

		lines := out.lines()[before:]
		requests := 0
		for _, l := range lines {
			var rec map[string]any
			if err := json.Unmarshal([]byte(l), &rec); err != nil {
				t.Errorf("not JSON: %s", l)
				continue
			}
			if id, _ := rec[requestid.Key].(string); !requestid.Valid(id) {
				t.Errorf("no request ID on a line logged while serving: %s", l)
			}
			if rec["msg"] != "request" {
				continue
			}
			requests++
			if rec["level"] != "INFO" || rec["method"] == nil || rec["status"] == nil || rec["dur"] == nil {
				t.Errorf("request line lacks a field: %s", l)
			}
			if route, _ := rec["route"].(string); strings.ContainsAny(route, "?=") || strings.Contains(l, "code=") || strings.Contains(l, "nope") {
				t.Errorf("request line carries a query: %s", l)
			}
		}
		if requests < 10 {
			t.Errorf("%d request lines, want one per request (at least 10):\n%s", requests, strings.Join(lines, "\n"))
		}
	})
}

// e2eReal reports whether backends runs t on PostgreSQL and Redis.
func e2eReal(t *testing.T) bool { return strings.HasSuffix(t.Name(), "/postgres+redis") }

// Every response names its request; a proxy's ID is kept only from a trusted
// proxy and only when it is a sane token.
func TestRequestIDHeader(t *testing.T) {
	for _, tc := range []struct {
		name     string
		trusted  []string
		incoming string
		keep     bool
	}{
		{"none sent", nil, "", false},
		{"untrusted peer", nil, "lb-7f3a", false},
		{"trusted proxy", []string{"127.0.0.1/32", "::1/128"}, "lb-7f3a", true},
		{"trusted proxy, forged line", []string{"127.0.0.1/32", "::1/128"}, "x\" level=ERROR", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startWith(t, false, func(c *config.Config) { c.HTTP.TrustedProxies = tc.trusted })
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.issuer+"/healthz", nil)
			if tc.incoming != "" {
				req.Header.Set(requestid.Header, tc.incoming)
			}
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = readBody(t, resp)
			got := resp.Header.Get(requestid.Header)
			if !requestid.Valid(got) {
				t.Fatalf("X-Request-ID = %q", got)
			}
			if (got == tc.incoming) != tc.keep {
				t.Errorf("X-Request-ID = %q for incoming %q, keep = %v", got, tc.incoming, tc.keep)
			}
		})
	}
}

// Acceptance 2: the admin listener serves the metrics of a sign-in; the
// public one does not.
func TestMetricsOnTheAdminListener(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.codeFlow(t)
		rec := httptest.NewRecorder()
		e.app.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		body := rec.Body.String()
		want := []string{
			`carekey_http_requests_total{code="2xx",method="GET",route="/authorize"}`,
			`carekey_http_requests_total{code="3xx",method="POST",route="/signin/verify"}`,
			`carekey_http_requests_total{code="2xx",method="POST",route="/oauth/token"}`,
			`carekey_http_request_duration_seconds_bucket{method="GET",route="/userinfo",le="+Inf"}`,
			`carekey_signins_total{outcome="password_ok"} 1`,
			`carekey_signins_total{outcome="complete"} 1`,
			`carekey_second_factors_total{channel="sms",outcome="ok"} 1`,
			`carekey_sends_total{channel="sms",outcome="ok",provider="outbox"} 1`,
			`carekey_token_grants_total{grant_type="authorization_code",outcome="ok"} 1`,
			`carekey_signing_key_age_seconds{alg="ES256"}`,
			`carekey_lockouts_total 0`,
		}
		if e2eReal(t) {
			want = append(want, `carekey_postgres_pool_connections{state="max"}`, `carekey_redis_pool_hits_total`)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("metrics lack %s", w)
			}
		}
		if strings.Contains(body, `route="/authorize?`) || strings.Contains(body, "authRequestID") {
			t.Errorf("a raw path or query in a label")
		}
		resp, err := e.srv.Client().Get(e.issuer + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		if b := readBody(t, resp); strings.Contains(b, "carekey_http_requests_total") {
			t.Errorf("the public listener serves metrics")
		}
	})
}

// Run serves /metrics on metrics.addr, apart from http.addr, and logs its
// shutdown.
func TestRunServesMetricsAndLogsShutdown(t *testing.T) {
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	out := &lockedBuffer{}
	httpAddr, metricsAddr := free(), free()
	e := startFull(t, false, func(c *config.Config) { c.HTTP.Addr, c.Metrics.Addr = httpAddr, metricsAddr },
		slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug})))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.app.Run(ctx) }()
	var body string
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + metricsAddr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics listener: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(body, "carekey_signins_total") && !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics listener body:\n%.400s", body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	logged := strings.Join(out.lines(), "\n")
	for _, w := range []string{`"msg":"shutting down"`, `"msg":"shut down"`, metricsAddr} {
		if !strings.Contains(logged, w) {
			t.Errorf("log lacks %s:\n%s", w, logged)
		}
	}
}

// metrics.pprof adds Go's profiler to the admin listener, and only there;
// without it the listener has no /debug/pprof/.
func TestProfilerOnlyWhenAsked(t *testing.T) {
	for _, on := range []bool{false, true} {
		e := startWith(t, false, func(c *config.Config) { c.Metrics.Pprof = on })
		rec := httptest.NewRecorder()
		e.app.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil))
		if want := map[bool]int{false: http.StatusNotFound, true: http.StatusOK}[on]; rec.Code != want {
			t.Errorf("pprof %v: admin listener /debug/pprof/ = %d, want %d", on, rec.Code, want)
		}
		resp, err := e.browser().Get(e.srv.URL + "/debug/pprof/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("pprof %v: public listener /debug/pprof/ = %d, want 404", on, resp.StatusCode)
		}
	}
}
