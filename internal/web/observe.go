package web

import (
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"time"

	"github.com/gorilla/mux"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/carekey/carekey/internal/clientip"
	"github.com/carekey/carekey/internal/requestid"
	"github.com/carekey/carekey/pkg/text"
)

// RequestObserver counts answered requests (internal/metrics).
type RequestObserver interface {
	// ObserveRequest is called once per request after it is answered, with
	// its route template (never a raw path) and normalised method.
	ObserveRequest(route, method string, status int, d time.Duration)
}

// routeUnmatched names requests no route took (the router's 404 and 405).
const routeUnmatched = "unmatched"

// providerRoutes are the OpenID provider's endpoints, served under the
// router's catch-all "/": named so that metrics and logs tell them apart,
// while any other path under the catch-all is "other" (a closed set either
// way, so a client cannot mint series or log keys).
var providerRoutes = map[string]bool{
	"/.well-known/openid-configuration": true, "/authorize": true, "/authorize/callback": true,
	"/oauth/token": true, "/oauth/introspect": true, "/userinfo": true, "/revoke": true,
	"/end_session": true, "/keys": true, "/device_authorization": true, "/ready": true,
}

// observe wraps the whole router: it gives each request an ID (a proxy's
// X-Request-ID is kept only when the peer is a trusted proxy and the ID is a
// sane token), echoes it in the response, puts it in the context for every
// log line (requestid.Handler), opens a server span when tracing is on,
// recovers from panics with a 500, and at the end counts the request and
// logs one info line: method, route template, status, duration and request
// ID. Never the query string, a header or a body.
func (s *Server) observe(next http.Handler) http.Handler {
	logger, obs, tracer, proxies := s.cfg.Logger, s.cfg.Metrics, s.cfg.Tracer, s.cfg.ClientIP
	prop := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		trusted := fromTrustedProxy(proxies, r.RemoteAddr)
		id := r.Header.Get(requestid.Header)
		if !trusted || !requestid.Valid(id) {
			id = requestid.New()
		}
		w.Header().Set(requestid.Header, id)
		ctx := clientAddress(requestid.NewContext(r.Context(), id), proxies, r) // middleware.go
		method := methodName(r.Method)
		var span trace.Span
		if tracer != nil {
			if trusted { // a trace begun at our own load balancer continues here
				ctx = prop.Extract(ctx, propagation.HeaderCarrier(r.Header))
			}
			ctx, span = tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(attribute.String("http.request.method", method), attribute.String(requestid.Key, id)))
		}
		rec := &statusRecorder{ResponseWriter: w, route: routeUnmatched}
		r = r.WithContext(ctx)
		defer func() {
			if v := recover(); v != nil {
				logger.ErrorContext(ctx, "panic", "route", rec.route, "panic", v, "stack", string(debug.Stack()))
				if rec.status == 0 {
					http.Error(rec, s.langOf(r).Get(text.SomethingWentWrong), http.StatusInternalServerError) // language.go
				}
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK // nothing written: net/http answers 200
			}
			d := time.Since(start)
			if obs != nil {
				obs.ObserveRequest(rec.route, method, status, d)
			}
			logger.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("method", method), slog.String("route", rec.route),
				slog.Int("status", status), slog.Duration("dur", d))
			if span != nil {
				span.SetName(method + " " + rec.route)
				span.SetAttributes(attribute.String("http.route", rec.route), attribute.Int("http.response.status_code", status))
				if status >= 500 {
					span.SetStatus(codes.Error, http.StatusText(status))
				}
				span.End()
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// nameRoute is the router's first middleware: it tells observe the route
// template the router matched.
func nameRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec, ok := w.(*statusRecorder); ok {
			rec.route = routeName(r)
		}
		next.ServeHTTP(w, r)
	})
}

// routeName is the matched route's template; under the catch-all, the
// provider endpoint's path or "other".
func routeName(r *http.Request) string {
	cr := mux.CurrentRoute(r)
	if cr == nil {
		return routeUnmatched
	}
	tpl, err := cr.GetPathTemplate()
	if err != nil {
		return routeUnmatched
	}
	if tpl != "/" || r.URL.Path == "/" {
		return tpl
	}
	if providerRoutes[r.URL.Path] {
		return r.URL.Path
	}
	return "other"
}

// methodName keeps the method label to a closed set.
func methodName(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// fromTrustedProxy reports whether the peer is one of http.trusted_proxies.
func fromTrustedProxy(res *clientip.Resolver, remoteAddr string) bool {
	if res == nil {
		return false
	}
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return false
	}
	return res.Trusted(ap.Addr())
}
