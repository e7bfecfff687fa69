package web

import (
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/carekey/carekey/pkg/text"
)

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// TestErrorPagesForBrowsers checks that the provider's plain-text errors
// reach a browser as designed pages (lang, title, heading, a way forward)
// with their status, while API clients and JSON answers are untouched.
func TestErrorPagesForBrowsers(t *testing.T) {
	e := wtServer(t)
	e.provider.op = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/authorize":
			http.Error(w, "unable to retrieve client by id", http.StatusBadRequest)
		case "/end_session": // op's RequestError
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_request","error_description":"post_logout_redirect_uri invalid"}`))
		case "/oauth/token":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
		case "/empty-405":
			w.WriteHeader(http.StatusMethodNotAllowed)
		case "/boom":
			http.Error(w, "pq: relation users does not exist", http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	})
	for _, tc := range []struct {
		name, path string
		accept     string
		want       int
		page       string // the h1, "" for the provider's own answer
		body       string // the provider's answer, when page is ""
	}{
		{"unknown client", "/authorize?client_id=nope", browserAccept, 400, "Sorry, there is a problem with the sign-in link", ""},
		{"bad post-logout URI", "/end_session?post_logout_redirect_uri=https://evil.example/", browserAccept, 400, "Sorry, there is a problem with the sign-in link", ""},
		{"not found", "/no-such-page", browserAccept, 404, "Page not found", ""},
		{"static not found", "/static/nope.css", browserAccept, 404, "Page not found", ""},
		{"method not allowed", "/empty-405", browserAccept, 405, "Sorry, this page cannot do that", ""},
		{"server error", "/boom", browserAccept, 500, "Sorry, there is a problem", ""},
		{"JSON stays JSON", "/oauth/token", browserAccept, 400, "", `{"error":"invalid_grant"}`},
		{"API client", "/authorize?client_id=nope", "application/json", 400, "", "unable to retrieve client by id\n"},
		{"no Accept", "/no-such-page", "", 404, "", "404 page not found\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.accept != "" {
				r.Header.Set("Accept", tc.accept)
			}
			rec := e.do(r)
			body := rec.Body.String()
			if rec.Code != tc.want {
				t.Errorf("status %d, want %d", rec.Code, tc.want)
			}
			if tc.page == "" {
				if body != tc.body {
					t.Errorf("body %q, want the provider's %q", body, tc.body)
				}
				return
			}
			for _, want := range []string{`<html lang="en">`, "<title>" + tc.page + " - Test Service</title>", "<h1 class=\"govuk-heading-l\">" + tc.page + "</h1>",
				`<a href="/">Go to the sign-in page</a>`} {
				if !strings.Contains(body, want) {
					t.Errorf("missing %s:\n%s", want, body)
				}
			}
			if strings.Contains(body, "unable to retrieve") || strings.Contains(body, "invalid_request") || strings.Contains(body, "pq:") || strings.Contains(body, "404 page not found") {
				t.Errorf("the plain error leaked:\n%s", body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

// An outage is the designed 503 page, still with Retry-After.
func TestErrorPageOutage(t *testing.T) {
	e := wtServer(t)
	e.provider.op = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "dial tcp 10.0.0.5:5432: connection refused", http.StatusInternalServerError)
	})
	e.ready = func() error { return errors.New("postgres down") }
	r := httptest.NewRequest(http.MethodGet, "/authorize?client_id=portal", nil)
	r.Header.Set("Accept", browserAccept)
	rec := e.do(r)
	body := rec.Body.String()
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != retryAfterOutage ||
		!strings.Contains(body, "<h1 class=\"govuk-heading-l\">Sorry, the service is unavailable</h1>") || strings.Contains(body, "10.0.0.5") {
		t.Errorf("%d %v:\n%s", rec.Code, rec.Header(), body)
	}
}

// The branding assets are served: the theme, and the embedded favicon.
func TestBrandAssetsMounted(t *testing.T) {
	e := wtServer(t)
	if rec := e.get("/favicon.ico"); rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/svg+xml" {
		t.Errorf("favicon: %d %v", rec.Code, rec.Header())
	}
	if rec := e.get("/brand/theme.css"); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Errorf("theme: %d %v", rec.Code, rec.Header())
	}
}

func TestWantsHTML(t *testing.T) {
	for accept, want := range map[string]bool{
		browserAccept: true, "text/html": true, "application/xhtml+xml": true, "TEXT/HTML; q=0.5": true,
		"": false, "*/*": false, "application/json": false, "text/plain, text/htmlx": false,
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept", accept)
		if got := wantsHTML(r); got != want {
			t.Errorf("wantsHTML(%q) = %v, want %v", accept, got, want)
		}
	}
}

// A page of carekey's own asked for with a method it does not take is 405
// with Allow and the designed page, never the catch-all's 404; the
// provider's own paths still go to the provider.
func TestWrongMethodOnAPage(t *testing.T) {
	e := wtServer(t)
	var reached []string
	e.provider.op = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = append(reached, r.Method+" "+r.URL.Path)
		http.NotFound(w, r)
	})
	for _, tc := range []struct {
		method, path, allow string
	}{
		{http.MethodGet, "/signin/verify", "POST"},
		{http.MethodDelete, "/signin", "GET, POST"},
		{http.MethodPut, "/register", "GET"},
		{http.MethodPost, "/", "GET"},
		{http.MethodGet, "/logout", "POST"},
	} {
		r := httptest.NewRequest(tc.method, tc.path, nil)
		r.Header.Set("Accept", browserAccept)
		rec := e.do(r)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != tc.allow ||
			!strings.Contains(rec.Body.String(), "<h1 class=\"govuk-heading-l\">Sorry, this page cannot do that</h1>") {
			t.Errorf("%s %s: %d, Allow %q, want 405 with Allow %q and the page:\n%s", tc.method, tc.path, rec.Code,
				rec.Header().Get("Allow"), tc.allow, rec.Body)
		}
	}
	if len(reached) != 0 {
		t.Errorf("the provider was asked %v", reached)
	}
	r := httptest.NewRequest(http.MethodDelete, "/authorize", nil)
	if rec := e.do(r); rec.Code != http.StatusNotFound || len(reached) != 1 {
		t.Errorf("DELETE /authorize: %d, provider reached %v; want the provider's answer", rec.Code, reached)
	}
}

// With the language cookie (carekey_lang=cy) the error pages and the
// plain-text refusals are in Welsh: language runs before limits, so even a
// request refused before any handler knows its reader's language. English
// readers keep the words they always had.
func TestErrorPagesInWelsh(t *testing.T) {
	e := wtServer(t)
	e.provider.op = http.HandlerFunc(http.NotFound)
	cy := &http.Cookie{Name: e.srv.cookies.name(langCookie), Value: "cy"}
	get := func(target string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		r.Header.Set("Accept", browserAccept)
		for _, c := range cookies {
			r.AddCookie(c)
		}
		return e.do(r)
	}

	rec := get("/no-such-page", cy)
	body := html.UnescapeString(rec.Body.String())
	for _, want := range []string{`<html lang="cy">`, "<title>" + text.Welsh.Get(text.NotFound) + " - Test Service</title>",
		`<h1 class="govuk-heading-l">` + text.Welsh.Get(text.NotFound) + "</h1>", text.Welsh.Get(text.NotFoundDetail),
		">" + text.Welsh.Get(text.GoHome) + "</a>"} {
		if rec.Code != http.StatusNotFound || !strings.Contains(body, want) {
			t.Errorf("404 in Welsh: %d, missing %s:\n%s", rec.Code, want, body)
		}
	}
	if strings.Contains(body, "Page not found") {
		t.Errorf("404 in Welsh says Page not found:\n%s", body)
	}

	long := "/signin?q=" + strings.Repeat("a", maxQueryBytes)
	for _, tc := range []struct {
		name    string
		target  string
		cookies []*http.Cookie
		status  int
		want    string
	}{
		{"URI too long, Welsh", long, []*http.Cookie{cy}, http.StatusRequestURITooLong, "mae URI y cais yn rhy hir\n"},
		{"URI too long, English", long, nil, http.StatusRequestURITooLong, "request URI too long\n"},
		{"malformed query, Welsh", "/authorize?a=%zz", []*http.Cookie{cy}, http.StatusBadRequest, text.Welsh.Get(text.RefusalMalformedQuery) + "\n"},
		{"malformed query, English", "/authorize?a=%zz", nil, http.StatusBadRequest,
			"malformed query string: every % must start a valid escape such as %20, and parameters are separated by &\n"},
	} {
		rec := get(tc.target, tc.cookies...)
		if rec.Code != tc.status || rec.Body.String() != tc.want {
			t.Errorf("%s: %d %q, want %d %q", tc.name, rec.Code, rec.Body.String(), tc.status, tc.want)
		}
	}

	// A body too large, announced: refused before any handler, in Welsh.
	r := wtPostForm("/logout", "a="+strings.Repeat("b", 64<<10), cy)
	if rec := e.do(r); rec.Code != http.StatusRequestEntityTooLarge || rec.Body.String() != "mae corff y cais yn rhy fawr\n" {
		t.Errorf("body too large in Welsh: %d %q", rec.Code, rec.Body.String())
	}
}
