package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds carekey's collectors in their own registry.
type Metrics struct {
	reg *prometheus.Registry

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	routesMu sync.RWMutex
	routes   map[routeKey]*routeSeries

	signins  *prometheus.CounterVec
	factors  *prometheus.CounterVec
	lockouts prometheus.Counter
	sends    *prometheus.CounterVec
	grants   *prometheus.CounterVec
}

type routeKey struct{ route, method string }

// routeSeries are one (route, method)'s series, resolved once.
type routeSeries struct {
	byClass  [6]prometheus.Counter // index: status / 100 (0: none written)
	duration prometheus.Observer
}

// New returns collectors registered in a fresh registry, with the Go runtime
// and process collectors beside them.
func New() *Metrics {
	m := &Metrics{
		reg:    prometheus.NewRegistry(),
		routes: map[routeKey]*routeSeries{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: HTTPRequests,
			Help: "HTTP requests answered, by route template, method and status class."}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: HTTPRequestDuration,
			Help:    "Time to answer an HTTP request, by route template and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"route", "method"}),
		signins: prometheus.NewCounterVec(prometheus.CounterOpts{Name: SignIns,
			Help: "Sign-in steps by outcome: password_ok, complete, password_failed, unknown_email, locked, rate_limited."}, []string{"outcome"}),
		factors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: SecondFactors,
			Help: "Second-factor confirmations by channel (sms, tel, otp, email) and outcome (ok, failed, limited)."}, []string{"channel", "outcome"}),
		lockouts: prometheus.NewCounter(prometheus.CounterOpts{Name: Lockouts,
			Help: "Accounts locked after too many failed attempts."}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{Name: Sends,
			Help: "Messages handed to a provider, by channel (email, sms, voice), provider and outcome (ok, error)."}, []string{"channel", "provider", "outcome"}),
		grants: prometheus.NewCounterVec(prometheus.CounterOpts{Name: TokenGrants,
			Help: "Token endpoint requests by grant type and outcome (ok, failed: refused with 4xx, error: 5xx)."}, []string{"grant_type", "outcome"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.signins, m.factors, m.lockouts, m.sends, m.grants,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is where further collectors go (pools, key age).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

var classes = [6]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

// ObserveRequest counts one answered request. route is a route template (or
// another name from a closed set), never a raw path; method is one of the
// standard methods or "OTHER".
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	k := routeKey{route, method}
	m.routesMu.RLock()
	s := m.routes[k]
	m.routesMu.RUnlock()
	if s == nil {
		s = m.series(k)
	}
	c := status / 100
	if c < 1 || c > 5 {
		c = 0
	}
	s.byClass[c].Inc()
	s.duration.Observe(d.Seconds())
}

func (m *Metrics) series(k routeKey) *routeSeries {
	m.routesMu.Lock()
	defer m.routesMu.Unlock()
	if s := m.routes[k]; s != nil {
		return s
	}
	s := &routeSeries{duration: m.duration.WithLabelValues(k.route, k.method)}
	for i, c := range classes {
		s.byClass[i] = m.requests.WithLabelValues(k.route, k.method, c)
	}
	m.routes[k] = s
	return s
}

// SignIn counts a sign-in step by outcome (SignIn… constants).
func (m *Metrics) SignIn(outcome string) {
	if m != nil {
		m.signins.WithLabelValues(outcome).Inc()
	}
}

// SecondFactor counts a second-factor confirmation by channel and outcome.
func (m *Metrics) SecondFactor(channel, outcome string) {
	if m != nil {
		m.factors.WithLabelValues(channel, outcome).Inc()
	}
}

// Lockout counts an account locked.
func (m *Metrics) Lockout() {
	if m != nil {
		m.lockouts.Inc()
	}
}

// Send counts a message handed to a provider.
func (m *Metrics) Send(channel, provider string, err error) {
	if m == nil {
		return
	}
	outcome := OK
	if err != nil {
		outcome = Error
	}
	m.sends.WithLabelValues(channel, provider, outcome).Inc()
}

// TokenGrant counts a token endpoint request by grant type and the status it
// was answered with.
func (m *Metrics) TokenGrant(grantType string, status int) {
	if m == nil {
		return
	}
	outcome := OK
	switch {
	case status >= 500:
		outcome = Error
	case status >= 400:
		outcome = Failed
	}
	m.grants.WithLabelValues(grantType, outcome).Inc()
}
