package config

import (
	"net/url"
	"strings"
)

// Metrics is the admin listener that serves Prometheus metrics. It is a
// separate listener from http.addr so that metrics are never public: bind it
// to loopback or a private interface.
type Metrics struct {
	Addr string `yaml:"addr"` // default "127.0.0.1:9090"; "off" serves no metrics
	// Pprof adds Go's profiler (net/http/pprof, under /debug/pprof/) to the
	// same admin listener, for measuring where CPU goes under load. Off by
	// default; it needs metrics on and shows stacks and heap contents to
	// whoever reaches the listener, so keep that loopback-only.
	Pprof bool `yaml:"pprof"`
}

// MetricsOff is the metrics.addr that turns the admin listener off.
const MetricsOff = "off"

// Tracing exports OpenTelemetry traces. Off unless OTLPEndpoint is set.
type Tracing struct {
	// OTLPEndpoint is an OTLP/HTTP collector URL such as
	// http://otel-collector:4318 (http only on loopback or a private network
	// you trust; spans carry route names and SQL, never parameters).
	OTLPEndpoint  string `yaml:"otlp_endpoint"`
	SamplePercent int    `yaml:"sample_percent"` // traces kept of those started here, 1..100; default 100
	ServiceName   string `yaml:"service_name"`   // default "carekey"
}

func applyObservabilityDefaults(c *Config) {
	setDefault(&c.Metrics.Addr, "127.0.0.1:9090")
	setDefault(&c.Tracing.SamplePercent, 100)
	setDefault(&c.Tracing.ServiceName, "carekey")
}

func (v *validator) observability(c *Config) {
	if c.Metrics.Addr != MetricsOff {
		v.hostPort("metrics.addr", c.Metrics.Addr)
		if c.Metrics.Addr == c.HTTP.Addr {
			v.add("metrics.addr", "must differ from http.addr: metrics are served on their own listener")
		}
	}
	if c.Metrics.Pprof && c.Metrics.Addr == MetricsOff {
		v.add("metrics.pprof", "needs metrics.addr: the profiler is served on the metrics listener")
	}
	if e := c.Tracing.OTLPEndpoint; e != "" {
		u, err := url.Parse(e)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			v.add("tracing.otlp_endpoint", "must be an http(s) URL such as http://otel-collector:4318")
		} else if u.User != nil || strings.Contains(e, "?") {
			v.add("tracing.otlp_endpoint", "must not carry credentials or a query")
		}
	}
	if p := c.Tracing.SamplePercent; p < 1 || p > 100 {
		v.add("tracing.sample_percent", "must be between 1 and 100")
	}
}
