package app_test

import (
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/config"
)

// formStep is one journey form FuzzJourneyForms posts to: the page that
// starts the journey, the forms to fill in first (with good answers), and
// the form that gets the fuzzer's body.
type formStep struct {
	start  []string    // GET, in order (each may set the flow cookie)
	before [][2]string // POST path, body: good answers that reach the step
	path   string      // POST the fuzzer's body here
}

var fuzzSteps = []formStep{
	{start: []string{"/signin", "/signin"}, path: "/signin"},
	{start: []string{"/register", "/register"}, path: "/register/profile"},
	{start: []string{"/register", "/register"}, before: [][2]string{{"/register/profile", goodProfile}}, path: "/register/credentials"},
	{start: []string{"/register", "/register"}, before: [][2]string{{"/register/profile", goodProfile}}, path: "/register/back"},
	{start: []string{"/forgot-password", "/forgot-password"}, path: "/forgot-password/email"},
	{start: []string{"/forgot-password", "/forgot-password"}, before: [][2]string{{"/forgot-password/email", "email=" + url.QueryEscape(testEmail)}}, path: "/forgot-password/verify"},
}

const goodProfile = "forename=Penny&surname=Plumber&professional=no&role=Carer&organisation=Norfolk&street=1+Market+St&town=Norwich&postcode=NR1+2DH"

// FuzzJourneyForms posts the fuzzer's url-encoded bodies to the forms of
// the sign-in, registration and forgot-password journeys, on the dev
// configuration with memory backends, each time in a new browser that has
// loaded the journey's page (so the flow cookie and CSRF token are right:
// the fuzzer reaches the form decoding, not only the CSRF check). csrf
// picks whether the page's token is sent first (even) or not at all (odd).
//
// Invariants:
//   - nothing panics and no answer is 5xx (a 503 from a full hash queue
//     is allowed, with Retry-After);
//   - without the page's CSRF token the answer is a 4xx refusal;
//   - a redirect stays on carekey (a path, not another host), and no
//     header holds CR or LF;
//   - no field's value reaches the page unescaped: a value holding < (of
//     8 bytes or more, and not text of the form page itself) is never
//     found verbatim in the HTML.
func FuzzJourneyForms(f *testing.F) {
	for i := range fuzzSteps {
		for _, body := range []string{
			"email=" + url.QueryEscape(testEmail) + "&password=" + url.QueryEscape(testPassword),
			"email=%3Cscript%3Ealert(1)%3C%2Fscript%3E%40b.example&password=x",
			goodProfile,
			strings.Replace(goodProfile, "Penny", "%3Cimg+src%3Dx+onerror%3Dalert(1)%3E%0D%0ABcc%3A+x", 1),
			strings.Replace(goodProfile, "NR1+2DH", "%C4%B0R1+2DH", 1),
			"email=a%40b.example&password=Correct-Horse-42%21&confirm_password=Correct-Horse-42%21",
			"email=a%40b.example%0D%0ABcc%3A+x%40y.example&password=%00&confirm_password=%FF",
			"code=1234+5678", "code=%D9%A1%D9%A2", "code=" + strings.Repeat("9", 5000),
			"csrf_token=forged&email=a%40b.example", "email=%zz", "a;b=c", "",
		} {
			f.Add(byte(i), byte(0), body)
		}
	}
	f.Add(byte(0), byte(1), "email=a%40b.example&password=x")
	// A logger of its own: with -v the harness would log through f, which
	// the fuzz function must not use.
	quiet := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := startFull(f, false, func(c *config.Config) {
		for _, rl := range []*config.RateLimit{&c.RateLimits.SigninPerIP, &c.RateLimits.SigninPerAccount,
			&c.RateLimits.EmailCodesPerAddress, &c.RateLimits.RegistrationsPerIP} {
			rl.Max = 1 << 30
		}
	}, quiet)
	h := e.app.Handler()
	f.Fuzz(func(t *testing.T, which, csrf byte, body string) {
		step := fuzzSteps[int(which)%len(fuzzSteps)]
		b := &fuzzBrowser{t: t, h: h, issuer: e.issuer, cookies: map[string]string{}}
		var token, formPage string
		get := func(path string) {
			w := b.do(http.MethodGet, path, "")
			if tok := csrfIn(w); tok != "" {
				token, formPage = tok, w.Body.String()
			}
		}
		for _, p := range step.start {
			get(p)
		}
		for _, post := range step.before {
			b.do(http.MethodPost, post[0], "csrf_token="+url.QueryEscape(token)+"&"+post[1])
			get(step.start[0])
		}
		if token == "" {
			t.Fatalf("%v: no CSRF token on the page", step.start)
		}
		sent := body
		if csrf%2 == 0 {
			sent = "csrf_token=" + url.QueryEscape(token) + "&" + body
		}
		w := b.do(http.MethodPost, step.path, sent)
		if csrf%2 == 1 && !strings.Contains(body, token) && (w.Code < 400 || w.Code >= 500) {
			t.Fatalf("POST %s without the CSRF token: %d", step.path, w.Code)
		}
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		page := w.Body.String()
		for name, values := range form {
			for _, v := range values {
				// Short values, and text the form page holds itself
				// ("<input"), would be found without any echo.
				if strings.Contains(v, "<") && len(v) >= 8 && strings.Contains(page, v) && !strings.Contains(formPage, v) {
					t.Fatalf("POST %s: %s=%q is in the page unescaped", step.path, name, v)
				}
			}
		}
	})
}

// fuzzBrowser sends requests straight to the handler, keeping cookies.
type fuzzBrowser struct {
	t       *testing.T
	h       http.Handler
	issuer  string
	cookies map[string]string
}

// do sends one request and checks the answer's invariants.
func (b *fuzzBrowser) do(method, path, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, b.issuer+path, strings.NewReader(body))
	if method == http.MethodPost {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range b.cookies {
		r.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	switch {
	case w.Code == http.StatusServiceUnavailable && w.Header().Get("Retry-After") != "":
	case w.Code >= 500:
		b.t.Fatalf("%s %s %q: %d\n%s", method, path, body, w.Code, w.Body)
	}
	for k, vs := range w.Header() {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") {
				b.t.Fatalf("%s %s %q: header %s: %q", method, path, body, k, v)
			}
		}
	}
	if loc := w.Header().Get("Location"); loc != "" && (!strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\")) {
		b.t.Fatalf("%s %s %q: redirected off carekey to %q", method, path, body, loc)
	}
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return w
}

// csrfIn returns the page's CSRF token, or "".
func csrfIn(w *httptest.ResponseRecorder) string {
	m := csrfRE.FindStringSubmatch(w.Body.String())
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}
