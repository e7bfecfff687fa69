package web

import (
	"context"
	"github.com/carekey/carekey/pkg/text"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/oidcop"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/ui"
)

// callbackProvider is a Provider whose CheckCallback answers err; Handler
// records the binding token op would see.
type callbackProvider struct {
	Provider
	err  error
	seen *string
}

func (p callbackProvider) CheckCallback(context.Context, string, string) error { return p.err }

func bindingServer(t *testing.T, checkErr error) (*Server, *string) {
	t.Helper()
	pages, err := render.New(ui.Templates(), config.Branding{ServiceName: "Test"}, nil, "error")
	if err != nil {
		t.Fatal(err)
	}
	seen := new(string)
	return &Server{cfg: Config{Provider: callbackProvider{err: checkErr, seen: seen}, Pages: pages, Logger: slog.New(slog.DiscardHandler)}}, seen
}

func opStandIn(seen *string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*seen = oidcop.BrowserFromContext(r.Context())
		w.WriteHeader(http.StatusFound)
	})
}

func TestAuthorizeGivesTheBrowserABindingOnce(t *testing.T) {
	s, seen := bindingServer(t, nil)
	h := s.bindBrowser(opStandIn(seen))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/authorize?client_id=app", nil))
	var set *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "__Host-"+browserCookie {
			set = c
		}
	}
	if set == nil {
		t.Fatalf("no %s cookie set at /authorize: %v", browserCookie, rec.Result().Cookies())
	}
	if !set.HttpOnly || !set.Secure || set.SameSite != http.SameSiteLaxMode || set.Path != "/" {
		t.Errorf("binding cookie flags: %+v", set)
	}
	if !validBrowserToken(set.Value) || *seen != set.Value {
		t.Errorf("op saw binding %q, cookie holds %q", *seen, set.Value)
	}

	// A browser that has one keeps it (several tabs, several requests).
	req := httptest.NewRequest(http.MethodGet, "/authorize?client_id=app", nil)
	req.AddCookie(set)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if len(rec.Result().Cookies()) != 0 || *seen != set.Value {
		t.Errorf("second /authorize: cookies %v, op saw %q; want the same binding", rec.Result().Cookies(), *seen)
	}

	// A forged value is replaced, never trusted.
	req = httptest.NewRequest(http.MethodGet, "/authorize?client_id=app", nil)
	req.AddCookie(&http.Cookie{Name: "__Host-" + browserCookie, Value: "short"})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if *seen == "short" || !validBrowserToken(*seen) {
		t.Errorf("op saw the forged binding %q", *seen)
	}
}

func TestCallbackRefusedWithoutCode(t *testing.T) {
	for _, err := range []error{oidcop.ErrWrongBrowser, oidcop.ErrNotSignedIn, oidcop.ErrCodeIssued, oidcop.ErrSessionEnded, authstate.ErrNotFound} {
		t.Run(err.Error(), func(t *testing.T) {
			s, seen := bindingServer(t, err)
			*seen = "untouched"
			rec := httptest.NewRecorder()
			s.bindBrowser(opStandIn(seen)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/authorize/callback?id=ar_1", nil))
			if rec.Code != http.StatusBadRequest || rec.Header().Get("Location") != "" || *seen != "untouched" {
				t.Errorf("status %d, Location %q, op reached: %v; want 400, no redirect, op not reached",
					rec.Code, rec.Header().Get("Location"), *seen != "untouched")
			}
			if !strings.Contains(rec.Body.String(), "<html") {
				t.Errorf("refusal is not a page:\n%s", rec.Body)
			}
		})
	}
}

func TestValidBrowserToken(t *testing.T) {
	for have, want := range map[string]bool{
		strings.Repeat("a", 43):                               true,
		"abc-_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcde"[:43]: true,
		"":                            false,
		strings.Repeat("a", 42):       false,
		strings.Repeat("a", 44):       false,
		strings.Repeat("a", 42) + "=": false,
		strings.Repeat("a", 42) + ".": false,
	} {
		if got := validBrowserToken(have); got != want {
			t.Errorf("validBrowserToken(%q) = %v, want %v", have, got, want)
		}
	}
}

func TestRetryInWordsTheWait(t *testing.T) {
	for secs, want := range map[int]string{1: "1 minute", 60: "1 minute", 61: "about 2 minutes", 899: "about 15 minutes",
		5340: "about 89 minutes", 5400: "about 2 hours", 86400: "about 24 hours"} {
		if got := retryIn(secs).In(text.English); got != want {
			t.Errorf("retryIn(%d) = %q, want %q", secs, got, want)
		}
	}
}
