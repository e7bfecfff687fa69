package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/carekey/carekey/internal/clientip"
	"github.com/carekey/carekey/internal/requestid"
	"github.com/carekey/carekey/pkg/text"
)

// wtObserved is one ObserveRequest call.
type wtObserved struct {
	Route, Method string
	Status        int
}

// wtMetrics records what observe counts.
type wtMetrics struct {
	mu  sync.Mutex
	got []wtObserved
}

func (m *wtMetrics) ObserveRequest(route, method string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d < 0 {
		panic("negative duration")
	}
	m.got = append(m.got, wtObserved{route, method, status})
}

func (m *wtMetrics) last(t *testing.T) wtObserved {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.got) == 0 {
		t.Fatal("no request observed")
	}
	return m.got[len(m.got)-1]
}

// wtProxies trusts 10.0.0.0/8 as proxies.
func wtProxies(t *testing.T) *clientip.Resolver {
	t.Helper()
	res, err := clientip.New([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// wtProbe is a mounted page handler that reports what a handler sees.
type wtProbe struct {
	requestID, clientIP string
}

func wtProbeMount(p *wtProbe) func(*Config) {
	return func(c *Config) {
		if c.Mounts == nil {
			c.Mounts = map[string]http.Handler{}
		}
		c.Mounts["/probe/"] = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p.requestID, p.clientIP = requestid.FromContext(r.Context()), clientIP(r)
			switch r.URL.Path {
			case "/probe/panic":
				panic("probe panics")
			case "/probe/panic-after-write":
				w.WriteHeader(http.StatusAccepted)
				panic("probe panics late")
			case "/probe/fail":
				w.WriteHeader(http.StatusBadGateway)
			}
		})
	}
}

// Each request gets an ID, echoed in X-Request-ID and seen by handlers.
// A proxy's ID is kept only from a trusted proxy and only when it is a
// sane token: anyone else could forge log lines or collide IDs.
func TestRequestID(t *testing.T) {
	probe := &wtProbe{}
	e := wtServer(t, wtProbeMount(probe), func(c *Config) { c.ClientIP = wtProxies(t) })
	for _, tc := range []struct {
		name, peer, sent string
		kept             bool
	}{
		{"none sent", "192.0.2.1:1234", "", false},
		{"untrusted peer", "192.0.2.1:1234", "lb-abc-123", false},
		{"trusted proxy", "10.1.2.3:1234", "lb-abc-123", true},
		{"trusted proxy, forged line", "10.1.2.3:1234", "x\" level=ERROR msg=\"forged", false},
		{"trusted proxy, too long", "10.1.2.3:1234", strings.Repeat("a", 65), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/probe/id", nil)
			r.RemoteAddr = tc.peer
			if tc.sent != "" {
				r.Header.Set(requestid.Header, tc.sent)
			}
			rec := e.do(r)
			got := rec.Header().Get(requestid.Header)
			if got != probe.requestID || !requestid.Valid(got) {
				t.Errorf("response ID %q, handler saw %q", got, probe.requestID)
			}
			if (got == tc.sent) != tc.kept {
				t.Errorf("sent %q, got %q; kept %v, want %v", tc.sent, got, got == tc.sent, tc.kept)
			}
		})
	}
	// Two requests never share an ID.
	if a, b := e.get("/healthz").Header().Get(requestid.Header), e.get("/healthz").Header().Get(requestid.Header); a == b {
		t.Errorf("two requests got the same ID %q", a)
	}
}

// X-Forwarded-For names the client only when a trusted proxy sent it.
func TestClientAddressFromTrustedProxiesOnly(t *testing.T) {
	probe := &wtProbe{}
	for _, tc := range []struct {
		name    string
		proxies bool
		peer    string
		want    string
	}{
		{"no proxies configured", false, "10.1.2.3:1234", "10.1.2.3"},
		{"untrusted peer", true, "192.0.2.1:1234", "192.0.2.1"},
		{"trusted proxy", true, "10.1.2.3:1234", "198.51.100.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := wtServer(t, wtProbeMount(probe), func(c *Config) {
				if tc.proxies {
					c.ClientIP = wtProxies(t)
				}
			})
			r := httptest.NewRequest(http.MethodGet, "/probe/ip", nil)
			r.RemoteAddr = tc.peer
			r.Header.Set("X-Forwarded-For", "198.51.100.7")
			e.do(r)
			if probe.clientIP != tc.want {
				t.Errorf("client %q, want %q", probe.clientIP, tc.want)
			}
		})
	}
}

// Requests are counted by route template, never by raw path: provider
// endpoints by their path, anything else under the catch-all as "other",
// so a client cannot mint metric series or log keys.
func TestRequestMetricsByRouteTemplate(t *testing.T) {
	m := &wtMetrics{}
	e := wtServer(t, func(c *Config) { c.Metrics = m })
	for _, tc := range []struct {
		method, target string
		want           wtObserved
	}{
		{http.MethodGet, "/healthz", wtObserved{"/healthz", "GET", 200}},
		{http.MethodGet, "/", wtObserved{"/", "GET", 303}},
		{http.MethodGet, "/logged-out?x=1", wtObserved{"/logged-out", "GET", 200}},
		{http.MethodGet, "/static/carekey.css", wtObserved{"/static/", "GET", 200}},
		{http.MethodGet, "/.well-known/openid-configuration", wtObserved{"/.well-known/openid-configuration", "GET", 200}},
		{http.MethodPost, "/oauth/token", wtObserved{"/oauth/token", "POST", 200}},
		{http.MethodGet, "/authorize/callback?id=1", wtObserved{"/authorize/callback", "GET", 200}},
		{http.MethodGet, "/wp-admin/secret-" + strings.Repeat("x", 20), wtObserved{"other", "GET", 200}},
		{"BREW", "/keys", wtObserved{"/keys", "OTHER", 200}},
		{http.MethodGet, "/signin?" + strings.Repeat("a", maxQueryBytes+1), wtObserved{"/signin", "GET", 414}},
	} {
		e.do(httptest.NewRequest(tc.method, tc.target, nil))
		if got := m.last(t); got != tc.want {
			t.Errorf("%s %.50s observed as %+v, want %+v", tc.method, tc.target, got, tc.want)
		}
	}
}

// One info line per request: method, route template, status, duration
// and request ID; never the query string, a header or a cookie.
func TestOneLogLinePerRequest(t *testing.T) {
	e := wtServer(t)
	r := httptest.NewRequest(http.MethodGet, "/wp-login?token=sekrit-query", nil)
	r.Header.Set("Authorization", "Bearer sekrit-header")
	r.AddCookie(&http.Cookie{Name: "__Host-" + sessionCookie, Value: "sekrit-cookie"})
	rec := e.do(r)
	logs := e.logs.String()
	if strings.Contains(logs, "sekrit") || strings.Contains(logs, "wp-login") {
		t.Errorf("log holds request data:\n%s", logs)
	}
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", len(lines), logs)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatal(err)
	}
	if line["level"] != "INFO" || line["msg"] != "request" || line["method"] != "GET" || line["route"] != "other" ||
		line["status"] != float64(200) || line[requestid.Key] != rec.Header().Get(requestid.Header) || line["dur"] == nil {
		t.Errorf("log line %v", line)
	}
}

// A panicking handler answers 500 with the generic words (or keeps the
// status it wrote), and the panic is logged and counted, not lost.
func TestPanicIsA500(t *testing.T) {
	m := &wtMetrics{}
	e := wtServer(t, wtProbeMount(&wtProbe{}), func(c *Config) { c.Metrics = m })
	rec := e.get("/probe/panic")
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), text.Get(text.SomethingWentWrong)) ||
		strings.Contains(rec.Body.String(), "probe panics") {
		t.Errorf("panic: %d %q; want 500 with the generic words only", rec.Code, rec.Body)
	}
	if got := m.last(t); got.Status != http.StatusInternalServerError || got.Route != "/probe/" {
		t.Errorf("panic observed as %+v", got)
	}
	if logs := e.logs.String(); !strings.Contains(logs, `"msg":"panic"`) || !strings.Contains(logs, "probe panics") {
		t.Errorf("panic not logged:\n%s", logs)
	}
	rec = e.get("/probe/panic-after-write")
	if rec.Code != http.StatusAccepted || m.last(t).Status != http.StatusAccepted {
		t.Errorf("panic after 202: answered %d, observed %+v", rec.Code, m.last(t))
	}
}

// With tracing on, each request is a server span named for its method and
// route, marked an error on 5xx; a trace is continued only from a trusted
// proxy (anyone else could join their spans to ours).
func TestServerSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
	e := wtServer(t, wtProbeMount(&wtProbe{}), func(c *Config) {
		c.Tracer, c.ClientIP = tp.Tracer("test"), wtProxies(t)
	})
	const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	span := func(peer, target string) tracetest.SpanStub {
		t.Helper()
		exp.Reset()
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.RemoteAddr = peer
		r.Header.Set("Traceparent", parent)
		e.do(r)
		spans := exp.GetSpans()
		if len(spans) != 1 {
			t.Fatalf("%d spans, want 1", len(spans))
		}
		return spans[0]
	}
	s := span("192.0.2.1:1", "/logged-out")
	if s.Name != "GET /logged-out" || s.SpanKind.String() != "server" || s.Status.Code == codes.Error {
		t.Errorf("span %q kind %s status %v", s.Name, s.SpanKind, s.Status)
	}
	attrs := attribute.NewSet(s.Attributes...)
	if v, _ := attrs.Value("http.route"); v.AsString() != "/logged-out" {
		t.Errorf("http.route = %q", v.AsString())
	}
	if v, _ := attrs.Value("http.response.status_code"); v.AsInt64() != 200 {
		t.Errorf("status code attribute = %d", v.AsInt64())
	}
	if v, _ := attrs.Value(requestid.Key); v.AsString() == "" {
		t.Error("no request ID on the span")
	}
	if s.Parent.IsValid() || s.SpanContext.TraceID().String() == "0af7651916cd43dd8448eb211c80319c" {
		t.Errorf("untrusted peer's trace continued: parent %v", s.Parent)
	}
	if s := span("10.0.0.1:1", "/logged-out"); s.SpanContext.TraceID().String() != "0af7651916cd43dd8448eb211c80319c" || !s.Parent.IsRemote() {
		t.Errorf("trusted proxy's trace not continued: trace %s", s.SpanContext.TraceID())
	}
	if s := span("192.0.2.1:1", "/probe/fail"); s.Status.Code != codes.Error || s.Name != "GET /probe/" {
		t.Errorf("502 span %q status %v, want an error", s.Name, s.Status)
	}
}

func TestMethodName(t *testing.T) {
	for have, want := range map[string]string{
		"GET": "GET", "HEAD": "HEAD", "POST": "POST", "PUT": "PUT", "PATCH": "PATCH", "DELETE": "DELETE", "OPTIONS": "OPTIONS",
		"CONNECT": "OTHER", "TRACE": "OTHER", "get": "OTHER", "BREW": "OTHER", "": "OTHER", "GET /x": "OTHER",
	} {
		if got := methodName(have); got != want {
			t.Errorf("methodName(%q) = %q, want %q", have, got, want)
		}
	}
}

func TestFromTrustedProxy(t *testing.T) {
	res := wtProxies(t)
	for _, tc := range []struct {
		res  *clientip.Resolver
		addr string
		want bool
	}{
		{res, "10.1.2.3:80", true},
		{res, "[::ffff:10.1.2.3]:80", true},
		{res, "11.1.2.3:80", false},
		{res, "[2001:db8::1]:80", false},
		{res, "10.1.2.3", false}, // no port: not a peer address
		{res, "", false},
		{nil, "10.1.2.3:80", false},
	} {
		if got := fromTrustedProxy(tc.res, tc.addr); got != tc.want {
			t.Errorf("fromTrustedProxy(%v, %q) = %v, want %v", tc.res != nil, tc.addr, got, tc.want)
		}
	}
}

// A request no route took (observe around anything else) is "unmatched".
func TestRouteNameUnmatched(t *testing.T) {
	if got := routeName(httptest.NewRequest(http.MethodGet, "/x", nil)); got != routeUnmatched {
		t.Errorf("routeName without a route = %q, want %q", got, routeUnmatched)
	}
	m := &wtMetrics{}
	s := &Server{cfg: Config{Logger: slog.New(slog.DiscardHandler), Metrics: m}}
	s.observe(http.NotFoundHandler()).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	if got := m.last(t); got != (wtObserved{routeUnmatched, "GET", 404}) {
		t.Errorf("observed %+v", got)
	}
}
