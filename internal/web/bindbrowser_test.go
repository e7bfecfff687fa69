package web

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/oidcop"
	"github.com/carekey/carekey/pkg/text"
)

// Through New: the callback hands the provider the request ID and the
// browser's binding, and op runs with the binding only when the provider
// allows the browser the code.
func TestCallbackBindingThroughNew(t *testing.T) {
	e := wtServer(t)
	var opSaw string
	e.provider.op = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opSaw = oidcop.BrowserFromContext(r.Context())
		http.Redirect(w, r, "https://rp.example/cb?code=c", http.StatusFound)
	})
	binding := wtCookie(e.get("/authorize?client_id=app"), "__Host-"+browserCookie)
	if binding == nil || !validBrowserToken(binding.Value) {
		t.Fatalf("no binding from /authorize")
	}

	rec := e.get("/authorize/callback?id=ar_1", binding)
	if rec.Code != http.StatusFound || opSaw != binding.Value {
		t.Errorf("allowed callback: %d, op saw %q; want 302 with the binding", rec.Code, opSaw)
	}
	if got := e.provider.callbacks; len(got) != 1 || got[0] != (wtCallback{"ar_1", binding.Value}) {
		t.Errorf("CheckCallback calls %+v, want [{ar_1 %s}]", got, binding.Value)
	}

	// Refused: the "link not valid" page, no code, op not run.
	opSaw = "untouched"
	e.provider.callbackErr = oidcop.ErrWrongBrowser
	rec = e.get("/authorize/callback?id=ar_1")
	if rec.Code != http.StatusBadRequest || rec.Header().Get("Location") != "" || opSaw != "untouched" ||
		!wtHasText(rec.Body.String(), text.LinkInvalid) {
		t.Errorf("refused callback: %d, Location %q, op reached %v", rec.Code, rec.Header().Get("Location"), opSaw != "untouched")
	}
	if got := e.provider.callbacks[len(e.provider.callbacks)-1]; got.Browser != "" {
		t.Errorf("callback without a cookie checked with binding %q", got.Browser)
	}
	if !strings.Contains(e.logs.String(), "auth request refused") {
		t.Errorf("refusal not logged:\n%s", e.logs)
	}
}

// Other paths neither mint a binding nor check one; a binding the browser
// has still reaches op (token, end_session).
func TestBindingOnlyAtAuthorize(t *testing.T) {
	e := wtServer(t)
	var opSaw string
	e.provider.op = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opSaw = oidcop.BrowserFromContext(r.Context())
	})
	for _, path := range []string{"/oauth/token", "/end_session", "/authorize/other"} {
		rec := e.get(path)
		if c := rec.Result().Cookies(); len(c) != 0 || opSaw != "" {
			t.Errorf("%s: cookies %v, op saw %q; want none", path, c, opSaw)
		}
	}
	e.get("/end_session", &http.Cookie{Name: "__Host-" + browserCookie, Value: strings.Repeat("b", 43)})
	if opSaw != strings.Repeat("b", 43) {
		t.Errorf("end_session: op saw %q", opSaw)
	}
	if len(e.provider.callbacks) != 0 {
		t.Errorf("CheckCallback called off the callback: %+v", e.provider.callbacks)
	}
}

// A callback check that fails for another reason (a backend) is a server
// error, never the "link not valid" page that would send the user away.
func TestCallbackCheckFailureIsAServerError(t *testing.T) {
	e := wtServer(t)
	e.provider.callbackErr = errors.New("redis: i/o timeout")
	rec := e.get("/authorize/callback?id=ar_1")
	if rec.Code != http.StatusInternalServerError || wtHasText(rec.Body.String(), text.LinkInvalid) {
		t.Errorf("backend failure at the callback: %d %q; want 500", rec.Code, rec.Body)
	}
	e.ready = func() error { return errors.New("down") }
	if rec := e.get("/authorize/callback?id=ar_1"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("during an outage: %d, want 503", rec.Code)
	}
}
