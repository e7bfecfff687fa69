package web

import (
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/carekey/carekey/pkg/text"
)

// wtOpAnswers makes the provider answer status (and Location, if any).
func wtOpAnswers(e *wtEnv, status int, location string) {
	e.provider.op = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if location != "" {
			w.Header().Set("Location", location)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte("op body"))
	})
}

// While a backend is down, a provider answer that may hide the outage
// becomes 503 with Retry-After: any 5xx, and the 4xx of the token,
// userinfo, introspection and revocation endpoints (zitadel/oidc calls a
// storage failure there invalid_grant or invalid_token). With the
// backends up, or for any other answer, the provider's answer stands.
func TestOutageTurnsSuspectAnswersInto503(t *testing.T) {
	for _, tc := range []struct {
		path   string
		status int
		down   bool
		want   int
	}{
		{"/authorize", 500, true, 503},
		{"/keys", 502, true, 503},
		{"/oauth/token", 400, true, 503},
		{"/oauth/token", 401, true, 503},
		{"/userinfo", 401, true, 503},
		{"/oauth/introspect", 400, true, 503},
		{"/revoke", 400, true, 503},
		{"/authorize", 400, true, 400},   // a bad request is the client's
		{"/end_session", 400, true, 400}, // likewise
		{"/oauth/token", 200, true, 200},
		{"/oauth/token", 302, true, 302},
		{"/authorize", 500, false, 500},
		{"/oauth/token", 400, false, 400},
	} {
		e := wtServer(t)
		wtOpAnswers(e, tc.status, "")
		if tc.down {
			e.ready = func() error { return errors.New("postgres down") }
		}
		rec := e.get(tc.path)
		wantRetry := ""
		if tc.want == http.StatusServiceUnavailable {
			wantRetry = retryAfterOutage
		}
		if rec.Code != tc.want || rec.Header().Get("Retry-After") != wantRetry {
			t.Errorf("%s answering %d, backends down %v: %d, Retry-After %q; want %d, %q",
				tc.path, tc.status, tc.down, rec.Code, rec.Header().Get("Retry-After"), tc.want, wantRetry)
		}
	}
}

// A healthy answer never asks the backends: the probe runs only on the
// error path.
func TestOutageProbeOnlyOnTheErrorPath(t *testing.T) {
	e := wtServer(t)
	var probes atomic.Int32
	e.ready = func() error { probes.Add(1); return nil }
	wtOpAnswers(e, http.StatusOK, "")
	e.get("/oauth/token")
	wtOpAnswers(e, http.StatusFound, "https://rp.example/cb?code=abc")
	e.get("/authorize")
	if n := probes.Load(); n != 0 {
		t.Errorf("%d readiness probes on healthy answers, want 0", n)
	}
	wtOpAnswers(e, http.StatusInternalServerError, "")
	e.get("/authorize")
	if n := probes.Load(); n != 1 {
		t.Errorf("%d readiness probes on a 500, want 1", n)
	}
}

// op sends a storage failure at /authorize to the client's redirect URI as
// server_error. During an outage it becomes temporarily_unavailable (RFC
// 6749 §4.1.2.1: try again later) without the description, which may name
// the backend; state and the rest of the redirect are kept.
func TestOutageRedirectSaysTemporarilyUnavailable(t *testing.T) {
	const loc = "https://rp.example/cb?error=server_error&error_description=dial+tcp+10.0.0.5%3A5432&state=s-1"
	e := wtServer(t)
	wtOpAnswers(e, http.StatusFound, loc)
	e.ready = func() error { return errors.New("postgres down") }
	rec := e.get("/authorize?client_id=app")
	if rec.Code != http.StatusFound {
		t.Fatalf("status %d, want the redirect kept (302)", rec.Code)
	}
	u, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Host != "rp.example" || u.Path != "/cb" || q.Get("error") != "temporarily_unavailable" || q.Has("error_description") || q.Get("state") != "s-1" {
		t.Errorf("Location %q, want https://rp.example/cb with error=temporarily_unavailable, state=s-1, no description", u)
	}

	// Backends up: the server_error stands as op wrote it.
	e.ready = nil
	if got := e.get("/authorize?client_id=app").Header().Get("Location"); got != loc {
		t.Errorf("backends up: Location %q, want %q", got, loc)
	}
	// Another error, or no error, is never touched.
	e.ready = func() error { return errors.New("postgres down") }
	for _, other := range []string{"https://rp.example/cb?error=access_denied&state=s", "https://rp.example/cb?code=c&state=s", "/login?authRequestID=ar"} {
		wtOpAnswers(e, http.StatusSeeOther, other)
		if got := e.get("/authorize").Header().Get("Location"); got != other {
			t.Errorf("Location %q rewritten to %q", other, got)
		}
	}
}

// outageWriter decides once, at the first WriteHeader or Write: a body
// written with an implicit 200, or a status already sent, is never
// rewritten afterwards.
func TestOutageWriterDecidesOnce(t *testing.T) {
	e := wtServer(t)
	e.ready = func() error { return errors.New("down") }
	for name, op := range map[string]http.HandlerFunc{
		"write then 500": func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("ok"))
			w.WriteHeader(http.StatusInternalServerError) // superfluous
		},
		"200 then 500": func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusOK)
			w.WriteHeader(http.StatusInternalServerError)
		},
	} {
		e.provider.op = op
		if rec := e.get("/keys"); rec.Code != http.StatusOK || rec.Header().Get("Retry-After") != "" {
			t.Errorf("%s: %d, Retry-After %q; want 200 as sent", name, rec.Code, rec.Header().Get("Retry-After"))
		}
	}
}

func TestBackendsDown(t *testing.T) {
	e := wtServer(t)
	ctx := httptest.NewRequest(http.MethodGet, "/", nil).Context()
	if e.srv.backendsDown(ctx) {
		t.Error("down while Ready answers nil")
	}
	e.ready = func() error { return errors.New("down") }
	if !e.srv.backendsDown(ctx) {
		t.Error("up while Ready fails")
	}
	if (&Server{}).backendsDown(ctx) {
		t.Error("down without a Ready probe")
	}
}

// A page handler's unexpected error is 503 with Retry-After and the
// "service unavailable" words while a backend is down, a plain 500
// otherwise; the cause is logged, never shown.
func TestServerErrorPageDuringOutage(t *testing.T) {
	e := wtServer(t)
	e.provider.authRequestErr = errors.New("redis: connection refused 10.0.0.9")
	rec := e.get("/login?authRequestID=ar_1")
	if rec.Code != http.StatusInternalServerError || rec.Header().Get("Retry-After") != "" || !wtHasText(rec.Body.String(), text.SomethingWentWrong) {
		t.Errorf("backends up: %d, Retry-After %q; want 500", rec.Code, rec.Header().Get("Retry-After"))
	}
	e.ready = func() error { return errors.New("down") }
	rec = e.get("/login?authRequestID=ar_1")
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != retryAfterOutage || !wtHasText(rec.Body.String(), text.ServiceUnavailable) {
		t.Errorf("backends down: %d, Retry-After %q; want 503, %s", rec.Code, rec.Header().Get("Retry-After"), retryAfterOutage)
	}
	// Issue 14: the outage is the designed page, with its own heading and a
	// way forward: back to the page the person was on.
	if body := rec.Body.String(); !strings.Contains(body, "<h1 class=\"govuk-heading-l\">"+html.EscapeString(text.Get(text.UnavailableHeading))+"</h1>") ||
		!strings.Contains(body, `<a href="/login?authRequestID=ar_1" class="govuk-button">`+text.Get(text.TryAgain)+`</a>`) {
		t.Errorf("the outage page has not its heading or no way forward:\n%s", body)
	}
	if strings.Contains(rec.Body.String(), "10.0.0.9") || !strings.Contains(e.logs.String(), "10.0.0.9") {
		t.Error("the cause is shown, or not logged")
	}
}

// A page carekey could not answer offers "Try again" back to the page the
// person was on: the same address for a GET; for a POST, the page of its
// form, the nearest address at or above it that shows a page (a journey's
// steps post below its entry); nothing (the page then links to the start)
// when there is none, or for an address that would leave carekey.
func TestRetryHref(t *testing.T) {
	e := wtServer(t)
	for _, tc := range []struct{ method, target, want string }{
		{http.MethodGet, "/login?authRequestID=ar_1", "/login?authRequestID=ar_1"},
		{http.MethodGet, "/signin", "/signin"},
		{http.MethodPost, "/signin", "/signin"},
		{http.MethodPost, "/register/profile?x=1", "/register"},
		{http.MethodPost, "/signin/call", "/signin"},
		{http.MethodPost, "/signin/email/verify", "/signin"},
		{http.MethodPost, "/no-such-page", ""},
		{http.MethodGet, "//evil.example/x", ""},
		{http.MethodGet, "/\\evil.example/x", "/%5Cevil.example/x"}, // a path on carekey
	} {
		r := httptest.NewRequest(tc.method, "http://carekey.example"+tc.target, nil)
		if got := e.srv.retryHref(r); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.method, tc.target, got, tc.want)
		}
	}
}
