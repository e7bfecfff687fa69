package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/metrics"
)

// The per-request path allocates nothing once a route has been seen.
func TestObserveRequestAllocatesNothing(t *testing.T) {
	m := metrics.New()
	m.ObserveRequest("/signin", http.MethodPost, 303, time.Millisecond)
	if n := testing.AllocsPerRun(100, func() {
		m.ObserveRequest("/signin", http.MethodPost, 303, time.Millisecond)
	}); n != 0 {
		t.Errorf("ObserveRequest allocates %v times per request", n)
	}
}

func TestExposition(t *testing.T) {
	m := metrics.New()
	m.ObserveRequest("/oauth/token", http.MethodPost, 400, 2*time.Millisecond)
	m.ObserveRequest("/oauth/token", http.MethodPost, 200, time.Millisecond)
	m.ObserveRequest("/x", http.MethodGet, 0, time.Millisecond) // nothing written: "other"
	m.TokenGrant("refresh_token", 400)
	m.TokenGrant("refresh_token", 503)
	m.Send("sms", "twilio", nil)
	m.SignIn(metrics.SignInComplete)
	m.SecondFactor("tel", metrics.Failed)
	m.Lockout()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		metrics.HTTPRequests + `{code="4xx",method="POST",route="/oauth/token"} 1`,
		metrics.HTTPRequests + `{code="2xx",method="POST",route="/oauth/token"} 1`,
		metrics.HTTPRequests + `{code="other",method="GET",route="/x"} 1`,
		metrics.HTTPRequestDuration + `_count{method="POST",route="/oauth/token"} 2`,
		metrics.TokenGrants + `{grant_type="refresh_token",outcome="failed"} 1`,
		metrics.TokenGrants + `{grant_type="refresh_token",outcome="error"} 1`,
		metrics.Sends + `{channel="sms",outcome="ok",provider="twilio"} 1`,
		metrics.SignIns + `{outcome="complete"} 1`,
		metrics.SecondFactors + `{channel="tel",outcome="failed"} 1`,
		metrics.Lockouts + ` 1`,
		"go_goroutines",
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("exposition lacks %s", want)
		}
	}
}
