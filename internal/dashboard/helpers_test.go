package dashboard

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const (
	testIssuer = "http://idp.test:8080"
	testBase   = "http://dashboard.test:8081"
)

// fakeNow is a settable clock for Config.Now.
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeNow) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeNow) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

// recordingTransport records every request the dashboard makes to the
// issuer and fails it, as an unreachable issuer would.
type recordingTransport struct {
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
}

var errUnreachable = errors.New("issuer unreachable (test)")

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body string
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.requests = append(rt.requests, r)
	rt.bodies = append(rt.bodies, body)
	return nil, errUnreachable
}

func (rt *recordingTransport) count() int {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return len(rt.requests)
}

// testDashboard is a Dashboard whose issuer is unreachable (every request is
// recorded by rt) and whose clock is clk.
type testDashboard struct {
	*Dashboard
	h   http.Handler
	clk *fakeNow
	rt  *recordingTransport
}

func newTest(t *testing.T, edit func(*Config)) *testDashboard {
	t.Helper()
	clk := &fakeNow{t: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
	rt := &recordingTransport{}
	cfg := Config{
		Issuer:       testIssuer,
		ClientID:     "dashboard",
		ClientSecret: "s3cret",
		BaseURL:      testBase,
		HTTPClient:   &http.Client{Transport: rt},
		Now:          clk.Now,
	}
	if edit != nil {
		edit(&cfg)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	return &testDashboard{Dashboard: d, h: d.Handler(), clk: clk, rt: rt}
}

// discovered sets the issuer's endpoints as discovery would have, so that
// /login and /logout can run without an issuer.
func (td *testDashboard) discovered() {
	td.prov = td.newProvider(nil, oauth2.Endpoint{
		AuthURL:  testIssuer + "/authorize",
		TokenURL: testIssuer + "/oauth/token",
	}, testIssuer+"/end_session")
}

// signIn starts a session built from the given claims JSON and returns its cookie.
func (td *testDashboard) signIn(t *testing.T, claimsJSON string) *http.Cookie {
	t.Helper()
	var cl map[string]any
	if err := json.Unmarshal([]byte(claimsJSON), &cl); err != nil {
		t.Fatalf("decode claims: %v", err)
	}
	s, err := sessionFromClaims(cl)
	if err != nil {
		t.Fatalf("sessionFromClaims() error = %v", err)
	}
	s.rawIDToken = "raw.id.token"
	return &http.Cookie{Name: sessionCookie, Value: td.sessions.create(s, td.clk.Now())}
}

// csrfOf returns the CSRF token of the session behind c.
func (td *testDashboard) csrfOf(t *testing.T, c *http.Cookie) string {
	t.Helper()
	td.sessions.mu.Lock()
	defer td.sessions.mu.Unlock()
	s, ok := td.sessions.sessions[key(c.Value)]
	if !ok {
		t.Fatal("no session for cookie")
	}
	return s.csrf
}

// get serves a GET of target with the cookies.
func (td *testDashboard) get(target string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, testBase+target, nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	td.h.ServeHTTP(w, r)
	return w
}

// post serves a form POST of target with the cookies.
func (td *testDashboard) post(target string, form url.Values, edit func(*http.Request), cookies ...*http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, testBase+target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		r.AddCookie(c)
	}
	if edit != nil {
		edit(r)
	}
	w := httptest.NewRecorder()
	td.h.ServeHTTP(w, r)
	return w
}

// responseCookie returns the cookie named name set by w, or nil.
func responseCookie(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

var (
	tagRE   = regexp.MustCompile(`<[^>]*>`)
	spaceRE = regexp.MustCompile(`\s+`)
)

// textOf returns the text of an HTML page, tags removed and spaces collapsed.
func textOf(html string) string {
	return strings.TrimSpace(spaceRE.ReplaceAllString(tagRE.ReplaceAllString(html, " "), " "))
}

// assertInOrder fails unless every phrase occurs in s, each after the one before.
func assertInOrder(t *testing.T, s string, phrases ...string) {
	t.Helper()
	rest := s
	for _, p := range phrases {
		i := strings.Index(rest, p)
		if i < 0 {
			t.Fatalf("%q not found (in order) in:\n%s", p, s)
		}
		rest = rest[i+len(p):]
	}
}
