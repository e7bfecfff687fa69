package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/flow/memflow"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/notify/notifytest"
	"github.com/carekey/carekey/internal/oidcop"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/phone"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/ratelimit/memlimit"
	"github.com/carekey/carekey/internal/registration"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/session/memsession"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/memstore"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/pkg/text"
	"github.com/carekey/carekey/ui"
)

// The sign-in pages driven through web's own handler, on memory backends
// and the notifytest recorder: the password, enrolment, Send Code, Call Me,
// Cancel, a phone change, and the refusals (CSRF, expiry, a form for
// another step, rate limits, another browser's request).

const (
	tEmail    = "penny@example.com"
	tPassword = "correct horse battery staple"
	tPhone    = "+447700900047"
	tNewPhone = "+447700900222"
	tBrowser  = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" // 43 characters, as bindBrowser makes
	rpNext    = "https://rp.example/cb?code=c1"
)

// fakeProvider stands in for oidcop: auth requests by ID, and the logins
// CompleteAuthRequest was handed.
type fakeProvider struct {
	mu     sync.Mutex
	reqs   map[string]authstate.AuthRequest
	logins []oidcop.Login
}

func (p *fakeProvider) Handler() http.Handler { return http.NotFoundHandler() }

func (p *fakeProvider) AuthRequest(_ context.Context, id string) (authstate.AuthRequest, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ar, ok := p.reqs[id]
	if !ok {
		return ar, authstate.ErrNotFound
	}
	return ar, nil
}

func (p *fakeProvider) CompleteAuthRequest(_ context.Context, id string, l oidcop.Login) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ar, ok := p.reqs[id]
	if !ok || !oidcop.SameBrowser(ar, l.Browser) {
		return "", oidcop.ErrWrongBrowser
	}
	ar.Done = true
	p.reqs[id] = ar
	p.logins = append(p.logins, l)
	return rpNext, nil
}

func (p *fakeProvider) CheckCallback(context.Context, string, string) error { return nil }
func (p *fakeProvider) CheckLogoutLink(string, string) error                { return nil }
func (p *fakeProvider) ConfirmLogout(context.Context, string, string, string) (string, error) {
	return "/logged-out", nil
}

// signinRig is a Server on memory backends, with one user (penny, whose
// phone is tPhone unless the test changes it) and a browser's cookie jar.
type signinRig struct {
	t        *testing.T
	clk      *clocktest.Clock
	users    *memstore.Store
	flows    *memflow.Store
	sessions *memsession.Store
	sent     *notifytest.Recorder
	prov     *fakeProvider
	journey  *signin.Journey
	srv      *Server
	jar      map[string]*http.Cookie
}

func newSigninRig(t *testing.T, userPhone string) *signinRig {
	t.Helper()
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	users := memstore.New()
	hasher := password.NewHasherLimits(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, password.Limits{Concurrency: 2, Queue: 10})
	hash, err := hasher.Hash(t.Context(), tPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := users.CreateUser(t.Context(), store.User{ID: "usr_p", Email: tEmail, PasswordHash: hash, Phone: userPhone,
		PhoneVerified: userPhone != "", CreatedAt: clk.Now(), UpdatedAt: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	names := []string{"signin", "signin_enrol_email", "signin_enrol", "signin_confirm", "signin_code", "signin_call", "signed_in",
		"logged_out", "error", "coming_soon", "account_phone", "account_phone_done", "signin_app", "account_app"}
	pages, err := render.New(ui.Templates(), config.Branding{ServiceName: "Test"}, nil, names...)
	if err != nil {
		t.Fatal(err)
	}
	r := &signinRig{t: t, clk: clk, users: users, flows: memflow.New(clk), sessions: memsession.New(clk), sent: &notifytest.Recorder{},
		prov: &fakeProvider{reqs: map[string]authstate.AuthRequest{}}, jar: map[string]*http.Cookie{}}
	logger := slog.New(slog.DiscardHandler)
	limiter := memlimit.New(clk)
	accounts := &signin.Service{Users: users, Hasher: hasher, Clock: clk, Logger: logger, Lockout: ratelimit.DefaultLockout(),
		Limiter: limiter, Limits: ratelimit.Defaults(), SMS: r.sent, Email: r.sent}
	r.journey = &signin.Journey{Flows: r.flows, Accounts: accounts, Sessions: r.sessions, SessionIdle: 30 * time.Minute,
		SessionAbsolute: 12 * time.Hour, SMS: r.sent, Voice: r.sent, Email: r.sent, Limiter: limiter, Limits: ratelimit.Defaults(),
		Pepper: secret.Pepper{[]byte("0123456789abcdef0123456789abcdef")}, Clock: clk, Audit: users, Strikes: accounts, Logger: logger}
	r.srv, err = New(Config{Provider: r.prov, Signin: r.journey, Users: users, Flows: r.flows, Sessions: r.sessions, Pages: pages,
		Clock: clk, Logger: logger, Pepper: secret.Pepper{[]byte("fedcba9876543210fedcba9876543210")},
		SessionIdle: 30 * time.Minute, SessionAbsolute: 12 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// authRequest registers an auth request bound to the rig's browser and
// gives the browser its binding cookie.
func (r *signinRig) authRequest(id string, prompt ...string) {
	r.prov.reqs[id] = authstate.AuthRequest{ID: id, ClientID: "rp", RedirectURI: "https://rp.example/cb", State: "st8",
		Prompt: prompt, BrowserHash: secret.HashToken(tBrowser)}
	r.jar["__Host-"+browserCookie] = &http.Cookie{Name: "__Host-" + browserCookie, Value: tBrowser}
}

// do sends a request with the jar's cookies and keeps the cookies set.
func (r *signinRig) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	r.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	for _, c := range r.jar {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	r.srv.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(r.jar, c.Name)
		} else {
			r.jar[c.Name] = c
		}
	}
	return rec
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// page GETs path, wants status, and returns the body and its CSRF token.
func (r *signinRig) page(path string, status int) (string, string) {
	r.t.Helper()
	rec := r.do(http.MethodGet, path, nil)
	if rec.Code != status {
		r.t.Fatalf("GET %s: %d, want %d\n%s", path, rec.Code, status, rec.Body)
	}
	token := ""
	if m := csrfField.FindStringSubmatch(rec.Body.String()); m != nil {
		token = html.UnescapeString(m[1])
	}
	return rec.Body.String(), token
}

// post GETs /signin for its CSRF token, then POSTs form (with it) to path.
func (r *signinRig) post(path string, form url.Values) *httptest.ResponseRecorder {
	r.t.Helper()
	_, token := r.page("/signin", http.StatusOK)
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", token)
	return r.do(http.MethodPost, path, form)
}

func wantRedirect(t *testing.T, rec *httptest.ResponseRecorder, to string) {
	t.Helper()
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != to {
		t.Fatalf("got %d to %q, want 303 to %q\n%s", rec.Code, rec.Header().Get("Location"), to, rec.Body)
	}
}

func wantPage(t *testing.T, rec *httptest.ResponseRecorder, status int, words string) {
	t.Helper()
	if rec.Code != status || !strings.Contains(html.UnescapeString(rec.Body.String()), words) {
		t.Fatalf("got %d, want %d with %q\n%s", rec.Code, status, words, rec.Body)
	}
}

// signIn passes the password step.
func (r *signinRig) signIn() {
	r.t.Helper()
	wantRedirect(r.t, r.post("/signin", url.Values{"email": {" Penny@Example.com "}, "password": {tPassword}}), "/signin")
}

func (r *signinRig) lastSMSCode() string {
	r.t.Helper()
	sms := r.sent.SMSs()
	if len(sms) == 0 {
		r.t.Fatal("no SMS sent")
	}
	return sms[len(sms)-1].Code
}

func (r *signinRig) flowCount() int {
	n := 0
	for _, c := range r.jar {
		if c.Name == "__Host-"+flowCookie {
			n++
		}
	}
	return n
}

func TestSigninBySMSCompletesTheAuthRequest(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.authRequest("ar_1")
	wantRedirect(t, r.do(http.MethodGet, "/login?authRequestID=ar_1", nil), "/signin")
	body, _ := r.page("/signin", http.StatusOK)
	if !strings.Contains(body, `for="email"`) {
		t.Fatalf("not the sign-in page:\n%s", body)
	}

	// Empty fields, then a wrong password: the page again, no session.
	wantPage(t, r.post("/signin", url.Values{"email": {""}, "password": {""}}), http.StatusBadRequest, text.Get(text.EmailRequired))
	wantPage(t, r.post("/signin", url.Values{"email": {tEmail}, "password": {"wrong"}}), http.StatusUnauthorized, text.Get(text.SignInFailed))

	r.signIn()
	body, _ = r.page("/signin", http.StatusOK)
	if !strings.Contains(body, phone.Mask(tPhone)) || strings.Contains(body, tPhone) {
		t.Fatalf("confirm page does not show the masked number:\n%s", body)
	}
	// A form for a later step changes nothing: the current step again.
	wantRedirect(t, r.post("/signin/verify", url.Values{"code": {"123456"}}), "/signin")

	wantRedirect(t, r.post("/signin/send-code", nil), "/signin")
	wantRedirect(t, r.post("/signin/send-code", nil), "/signin") // within the cooldown: the same code is good
	if n := len(r.sent.SMSs()); n != 1 {
		t.Fatalf("%d texts sent, want 1 (a resend within the cooldown sends nothing)", n)
	}
	code := r.lastSMSCode()
	wantPage(t, r.post("/signin/verify", url.Values{"code": {"12"}}), http.StatusBadRequest, text.Get(text.CodeRequired))
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	wantPage(t, r.post("/signin/verify", url.Values{"code": {wrong}}), http.StatusBadRequest, text.Get(text.CodeMismatch))
	if len(r.prov.logins) != 0 || r.jar["__Host-"+sessionCookie] != nil {
		t.Fatal("a session before the right code")
	}

	rec := r.post("/signin/verify", url.Values{"code": {code[:3] + " " + code[3:]}})
	wantRedirect(t, rec, rpNext)
	sc := r.jar["__Host-"+sessionCookie]
	if sc == nil || r.flowCount() != 0 {
		t.Fatalf("after the right code: session cookie %v, flow cookies %d; want a session and no flow", sc, r.flowCount())
	}
	sess, err := r.sessions.Get(t.Context(), sc.Value)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.prov.logins) != 1 {
		t.Fatalf("%d logins handed to the provider, want 1", len(r.prov.logins))
	}
	l := r.prov.logins[0]
	if l.UserID != "usr_p" || l.SessionID != sess.ID || !slices.Equal(l.AMR, []string{"pwd", "sms", "mfa"}) || l.Browser != tBrowser {
		t.Errorf("login handed to the provider: %+v; session %+v", l, sess)
	}
	// The flow is gone: its cookie (replayed) starts nothing.
	if evs, _ := r.users.ListAudit(t.Context(), store.AuditFilter{}); !hasAudit(evs, "signin.second_factor_ok") {
		t.Errorf("no signin.second_factor_ok audit event: %v", evs)
	}
}

func errUndeliverable() error { return fmt.Errorf("provider: %w", notify.ErrUndeliverable) }

func hasAudit(evs []store.AuditEvent, typ string) bool {
	for _, e := range evs {
		if e.Type == typ {
			return true
		}
	}
	return false
}

func TestSigninByCallEndsAtHome(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.page("/signin", http.StatusSeeOther) // no flow yet: one starts
	r.signIn()
	wantRedirect(t, r.post("/signin/call", nil), "/signin")
	body, _ := r.page("/signin", http.StatusOK)
	if !strings.Contains(body, "/signin/continue") {
		t.Fatalf("not the waiting page:\n%s", body)
	}
	status := func() string {
		rec := r.do(http.MethodGet, "/signin/call-status", nil)
		var st callStatus
		if err := json.NewDecoder(rec.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		return st.State
	}
	if st := status(); st != signin.CallPending {
		t.Fatalf("call status %q, want pending", st)
	}
	wantPage(t, r.post("/signin/continue", nil), http.StatusOK, text.Get(text.CallPending))

	calls := r.sent.Calls()
	if _, err := r.journey.CallAnswered(t.Context(), calls[len(calls)-1].Reference, true); err != nil {
		t.Fatal(err)
	}
	if st := status(); st != signin.CallVerified {
		t.Fatalf("call status %q, want verified", st)
	}
	wantRedirect(t, r.post("/signin/continue", nil), "/")
	if r.jar["__Host-"+sessionCookie] == nil {
		t.Fatal("no session after the answered call")
	}
	body, _ = r.page("/", http.StatusOK)
	if !strings.Contains(body, tEmail) {
		t.Errorf("home does not say who is signed in:\n%s", body)
	}
	if st := status(); st != signin.CallFailed {
		t.Errorf("call status without a flow %q, want failed", st)
	}
}

func TestSigninCallNotAnswered(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.page("/signin", http.StatusSeeOther)
	r.signIn()
	wantRedirect(t, r.post("/signin/call", nil), "/signin")
	calls := r.sent.Calls()
	if err := r.journey.CallEnded(t.Context(), calls[0].Reference, "busy"); err != nil {
		t.Fatal(err)
	}
	wantPage(t, r.post("/signin/continue", nil), http.StatusBadRequest, text.Get(text.PhoneUnavailable))
	body, _ := r.page("/signin", http.StatusOK)
	if !strings.Contains(body, "/signin/send-code") {
		t.Errorf("after a failed call, not back at Confirm your identity:\n%s", body)
	}
}

func TestSigninEnrolsAPhone(t *testing.T) {
	r := newSigninRig(t, "") // first sign-in: no phone yet
	r.page("/signin", http.StatusSeeOther)
	r.signIn()
	emails := r.sent.Emails()
	if len(emails) != 1 || emails[0].To != tEmail {
		t.Fatalf("enrolment code emails: %+v", emails)
	}
	wantPage(t, r.post("/signin/email/verify", url.Values{"code": {""}}), http.StatusBadRequest, text.Get(text.EmailCodeRequired))
	rec := r.post("/signin/email/resend", nil) // within the cooldown
	wantPage(t, rec, http.StatusTooManyRequests, text.Get(text.EmailCodeCooldown))
	if rec.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After on the cooldown")
	}
	r.clk.Advance(2 * time.Minute)
	wantRedirect(t, r.post("/signin/email/resend", nil), "/signin?sent=1")
	emails = r.sent.Emails()
	wantRedirect(t, r.post("/signin/email/verify", url.Values{"code": {emails[len(emails)-1].Code}}), "/signin")

	wantPage(t, r.post("/signin/enrol", url.Values{"phone": {"12"}, "country": {"44"}}), http.StatusBadRequest, text.Get(text.PhoneTooShort))
	wantRedirect(t, r.post("/signin/enrol", url.Values{"phone": {"07700 900222"}, "country": {"44"}}), "/signin")
	wantRedirect(t, r.post("/signin/send-code", nil), "/signin")
	if to := r.sent.SMSs()[0].To; to != tNewPhone {
		t.Fatalf("code sent to %s, want the new number", to)
	}
	wantRedirect(t, r.post("/signin/verify", url.Values{"code": {r.lastSMSCode()}}), "/")
	u, err := r.users.GetUser(t.Context(), "usr_p")
	if err != nil {
		t.Fatal(err)
	}
	if u.Phone != tNewPhone || !u.PhoneVerified {
		t.Errorf("enrolled phone %q verified %v, want %s", u.Phone, u.PhoneVerified, tNewPhone)
	}
}

func TestSigninCancelAnswersTheRelyingParty(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.authRequest("ar_1")
	wantRedirect(t, r.do(http.MethodGet, "/login?authRequestID=ar_1", nil), "/signin")
	r.signIn()
	wantRedirect(t, r.post("/signin/cancel", nil), "https://rp.example/cb?error=access_denied&state=st8")
	if r.flowCount() != 0 {
		t.Error("flow cookie kept after Cancel")
	}
}

func TestSigninRefusals(t *testing.T) {
	t.Run("no flow", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		wantPage(t, r.do(http.MethodPost, "/signin", url.Values{"email": {tEmail}}), http.StatusForbidden, text.Get(text.FormOutOfDate))
	})
	t.Run("wrong CSRF token", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.page("/signin", http.StatusSeeOther)
		rec := r.do(http.MethodPost, "/signin", url.Values{"email": {tEmail}, "password": {tPassword}, "csrf_token": {"forged"}})
		wantPage(t, rec, http.StatusForbidden, text.Get(text.FormOutOfDate))
	})
	t.Run("expired", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.page("/signin", http.StatusSeeOther)
		_, token := r.page("/signin", http.StatusOK)
		r.clk.Advance(31 * time.Minute)
		wantPage(t, r.do(http.MethodPost, "/signin", url.Values{"email": {tEmail}, "password": {tPassword}, "csrf_token": {token}}),
			http.StatusGone, text.Get(text.FlowExpired))
		r.page("/signin", http.StatusSeeOther) // the cookie was cleared: a new flow
		r.page("/signin", http.StatusOK)
	})
	t.Run("expired page", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.page("/signin", http.StatusSeeOther)
		r.clk.Advance(31 * time.Minute)
		r.page("/signin", http.StatusGone)
	})
	t.Run("rate limited", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.journey.Accounts.Limits.SigninPerIP.Max = 1
		r.page("/signin", http.StatusSeeOther)
		wantPage(t, r.post("/signin", url.Values{"email": {tEmail}, "password": {"wrong"}}), http.StatusUnauthorized, text.Get(text.SignInFailed))
		rec := r.post("/signin", url.Values{"email": {tEmail}, "password": {tPassword}})
		wantPage(t, rec, http.StatusTooManyRequests, text.Get(text.TooManyRequests))
		if rec.Header().Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	})
	t.Run("too many codes per phone", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.journey.Limits.CodesPerPhone.Max = 1
		r.page("/signin", http.StatusSeeOther)
		r.signIn()
		wantRedirect(t, r.post("/signin/send-code", nil), "/signin")
		r.clk.Advance(time.Minute) // past the cooldown
		rec := r.post("/signin/send-code", nil)
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("second send: %d, Retry-After %q; want 429 with it", rec.Code, rec.Header().Get("Retry-After"))
		}
	})
	t.Run("text not delivered", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.page("/signin", http.StatusSeeOther)
		r.signIn()
		r.sent.FailNext(errUndeliverable())
		wantPage(t, r.post("/signin/send-code", nil), http.StatusBadRequest, text.Get(text.PhoneUnavailable))
	})
	t.Run("no SMS provider", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.journey.SMS = nil
		r.page("/signin", http.StatusSeeOther)
		r.signIn()
		wantPage(t, r.post("/signin/send-code", nil), http.StatusBadRequest, text.Get(text.ChannelUnavailable))
	})
}

func TestLoginEntry(t *testing.T) {
	t.Run("unknown auth request", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		wantPage(t, r.do(http.MethodGet, "/login?authRequestID=nope", nil), http.StatusBadRequest, text.Get(text.LinkInvalid))
	})
	t.Run("another browser's request", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.authRequest("ar_1")
		delete(r.jar, "__Host-"+browserCookie)
		if rec := r.do(http.MethodGet, "/login?authRequestID=ar_1", nil); rec.Code != http.StatusBadRequest || r.flowCount() != 0 {
			t.Fatalf("got %d with %d flow cookies, want 400 and no flow", rec.Code, r.flowCount())
		}
	})
	t.Run("prompt none without a session", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.authRequest("ar_1", "none")
		wantRedirect(t, r.do(http.MethodGet, "/login?authRequestID=ar_1", nil), "https://rp.example/cb?error=login_required&state=st8")
	})
	t.Run("prompt create goes to registration, remembering the request", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.signedIn(r.clk.Now()) // a session does not answer a request to register
		r.authRequest("ar_1", "create")
		r.srv.cfg.Register = &registration.Service{}
		wantRedirect(t, r.do(http.MethodGet, "/login?authRequestID=ar_1", nil), "/register")
		id, _, _ := strings.Cut(r.jar["__Host-"+flowCookie].Value, ".")
		f, err := r.flows.Get(t.Context(), id)
		if err != nil || signin.DataOf(f).AuthRequest != "ar_1" || len(r.prov.logins) != 0 {
			t.Fatalf("flow %+v (%v), logins %v; want a sign-in flow for ar_1 and no login", f, err, r.prov.logins)
		}
	})
	t.Run("prompt create without registration signs in", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.authRequest("ar_1", "create")
		wantRedirect(t, r.do(http.MethodGet, "/login?authRequestID=ar_1", nil), "/signin")
	})
	t.Run("a session answers at once", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.signedIn(r.clk.Now())
		r.authRequest("ar_1")
		wantRedirect(t, r.do(http.MethodGet, "/login?authRequestID=ar_1", nil), rpNext)
		if len(r.prov.logins) != 1 || r.flowCount() != 0 {
			t.Errorf("logins %v, flow cookies %d; want one login and no flow", r.prov.logins, r.flowCount())
		}
	})
	t.Run("a lost flow starts again for its request", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.authRequest("ar_1")
		wantRedirect(t, r.do(http.MethodGet, "/login?authRequestID=ar_1", nil), "/signin")
		id, _, _ := strings.Cut(r.jar["__Host-"+flowCookie].Value, ".")
		if err := r.flows.Delete(t.Context(), id); err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, r.do(http.MethodGet, "/signin", nil), "/signin")
		nid, _, _ := strings.Cut(r.jar["__Host-"+flowCookie].Value, ".")
		f, err := r.flows.Get(t.Context(), nid)
		if err != nil || nid == id || signin.DataOf(f).AuthRequest != "ar_1" {
			t.Fatalf("new flow %s (%v): %+v; want a fresh flow for ar_1", nid, err, f)
		}
	})
}

// signedIn gives the browser a session of penny's signed in at authTime.
func (r *signinRig) signedIn(authTime time.Time) session.Session {
	r.t.Helper()
	sess := session.Session{ID: secret.Token(), UserID: "usr_p", AuthTime: authTime, AMR: []string{"pwd", "sms", "mfa"},
		CreatedAt: authTime, LastSeen: r.clk.Now(), IdleTimeout: time.Hour, ExpiresAt: r.clk.Now().Add(12 * time.Hour)}
	if err := r.sessions.Create(r.t.Context(), sess); err != nil {
		r.t.Fatal(err)
	}
	r.jar["__Host-"+sessionCookie] = &http.Cookie{Name: "__Host-" + sessionCookie, Value: sess.ID}
	return sess
}

func TestChangePhoneThroughTheSigninSteps(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.signedIn(r.clk.Now())
	body, token := r.page(pathAccountPhone, http.StatusOK)
	if !strings.Contains(body, `for="phone"`) {
		t.Fatalf("not the change phone page:\n%s", body)
	}
	wantPage(t, r.do(http.MethodPost, pathAccountPhone, url.Values{"phone": {"07700 900047"}, "country": {"44"}, "csrf_token": {token}}),
		http.StatusBadRequest, text.Get(text.PhoneSame))
	wantRedirect(t, r.do(http.MethodPost, pathAccountPhone, url.Values{"phone": {"07700 900222"}, "country": {"44"}, "csrf_token": {token}}), "/signin")
	wantRedirect(t, r.post("/signin/send-code", nil), "/signin")
	if to := r.sent.SMSs()[0].To; to != tNewPhone {
		t.Fatalf("code sent to %s, want the new number", to)
	}
	// Signed out meanwhile: the flow cookie and the right code alone
	// change nothing.
	sc := r.jar["__Host-"+sessionCookie]
	delete(r.jar, "__Host-"+sessionCookie)
	_, flowToken, _ := strings.Cut(r.jar["__Host-"+flowCookie].Value, ".")
	wantPage(t, r.do(http.MethodPost, "/signin/verify", url.Values{"code": {r.lastSMSCode()}, "csrf_token": {flowToken}}),
		http.StatusForbidden, text.Get(text.PhoneChangeNotYours))
	if u, _ := r.users.GetUser(t.Context(), "usr_p"); u.Phone != tPhone {
		t.Fatalf("phone changed to %s for a signed-out browser", u.Phone)
	}
	wantRedirect(t, r.do(http.MethodGet, "/signin", nil), "/signin") // the refused flow's cookie is gone

	r.jar["__Host-"+sessionCookie] = sc
	wantRedirect(t, r.do(http.MethodPost, pathAccountPhone, url.Values{"phone": {"07700 900222"}, "country": {"44"}, "csrf_token": {token}}), "/signin")
	wantRedirect(t, r.post("/signin/send-code", nil), "/signin")
	wantRedirect(t, r.post("/signin/verify", url.Values{"code": {r.lastSMSCode()}}), pathAccountPhoneDone)
	body, _ = r.page(pathAccountPhoneDone, http.StatusOK)
	if !strings.Contains(body, phone.Mask(tNewPhone)) {
		t.Errorf("confirmation does not show the new number:\n%s", body)
	}
	u, _ := r.users.GetUser(t.Context(), "usr_p")
	if u.Phone != tNewPhone {
		t.Errorf("phone %s, want %s", u.Phone, tNewPhone)
	}
	if r.jar["__Host-"+sessionCookie].Value != sc.Value {
		t.Error("a phone change replaced the session")
	}
}

func TestChangePhoneAsksForARecentSignin(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.signedIn(r.clk.Now().Add(-time.Hour))
	wantRedirect(t, r.do(http.MethodGet, pathAccountPhone, nil), "/signin")
	body, _ := r.page("/signin", http.StatusOK)
	if !strings.Contains(body, "change your phone") && !strings.Contains(body, "phone number") {
		t.Logf("re-authentication page:\n%s", body)
	}
	r.signIn()
	wantRedirect(t, r.post("/signin/send-code", nil), "/signin")
	wantRedirect(t, r.post("/signin/verify", url.Values{"code": {r.lastSMSCode()}}), pathAccountPhone)
}

// A flow whose phone change belongs to another user is refused at finish,
// even when its code is right, and deleted.
func TestFinishRefusesAnotherUsersChange(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.signedIn(r.clk.Now())
	_, token := r.page(pathAccountPhone, http.StatusOK)
	wantRedirect(t, r.do(http.MethodPost, pathAccountPhone, url.Values{"phone": {"07700 900222"}, "country": {"44"}, "csrf_token": {token}}), "/signin")
	wantRedirect(t, r.post("/signin/send-code", nil), "/signin")
	id, token, _ := strings.Cut(r.jar["__Host-"+flowCookie].Value, ".")
	// Past the check at the start of the step (the browser was signed in
	// as the user then), signed out before the code was checked.
	checks := 0
	out, err := r.journey.Step(t.Context(), id, token, signin.Action{Event: signin.EventCodeOK, Code: r.lastSMSCode(),
		Owns: func(context.Context, string) bool { checks++; return checks == 1 }})
	if !errors.Is(err, signin.ErrNotYourChange) || out.Done != nil {
		t.Fatalf("Step = %+v, %v; want ErrNotYourChange", out, err)
	}
	if _, err := r.flows.Get(t.Context(), id); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("refused flow kept: %v", err)
	}
	if u, _ := r.users.GetUser(t.Context(), "usr_p"); u.Phone != tPhone {
		t.Errorf("phone changed to %s by a refused flow", u.Phone)
	}
}

func TestSigninCancelWithoutARelyingParty(t *testing.T) {
	t.Run("sign-in", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.page("/signin", http.StatusSeeOther)
		r.signIn()
		wantRedirect(t, r.post("/signin/cancel", nil), "/signin")
	})
	t.Run("phone change", func(t *testing.T) {
		r := newSigninRig(t, tPhone)
		r.signedIn(r.clk.Now())
		_, token := r.page(pathAccountPhone, http.StatusOK)
		wantRedirect(t, r.do(http.MethodPost, pathAccountPhone, url.Values{"phone": {"07700 900222"}, "country": {"44"}, "csrf_token": {token}}), "/signin")
		wantRedirect(t, r.post("/signin/cancel", nil), "/")
		if u, _ := r.users.GetUser(t.Context(), "usr_p"); u.Phone != tPhone {
			t.Errorf("phone %s after Cancel, want it unchanged", u.Phone)
		}
	})
}

func TestSigninCallWrongKey(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.page("/signin", http.StatusSeeOther)
	r.signIn()
	wantRedirect(t, r.post("/signin/call", nil), "/signin")
	if _, err := r.journey.CallAnswered(t.Context(), r.sent.Calls()[0].Reference, false); err != nil {
		t.Fatal(err)
	}
	wantPage(t, r.post("/signin/continue", nil), http.StatusBadRequest, text.Get(text.CallFailed))
}

func TestSigninBodyTooLarge(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.page("/signin", http.StatusSeeOther)
	big := url.Values{"email": {strings.Repeat("a", 70<<10)}}
	if rec := r.do(http.MethodPost, "/signin", big); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversize form: %d, want 413", rec.Code)
	}
}

func TestSigninPageSaysRegistered(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.page("/signin", http.StatusSeeOther)
	r.jar["__Host-"+noticeCookie] = &http.Cookie{Name: "__Host-" + noticeCookie, Value: noticeRegistered}
	const notice = "Your account has been created."
	if first, _ := r.page("/signin", http.StatusOK); !strings.Contains(first, notice) {
		t.Errorf("no registered notice:\n%s", first)
	}
	if again, _ := r.page("/signin", http.StatusOK); strings.Contains(again, notice) {
		t.Error("the registered notice showed twice")
	}
}

func TestPhoneErrorWordsEachReason(t *testing.T) {
	for have, want := range map[string]text.ID{
		"":                 text.PhoneInvalid,
		"12":               text.PhoneTooShort,
		"0770090004712345": text.PhoneTooLong,
		"0800 FLOWERS":     text.PhoneCharacters,
	} {
		_, err := phone.Parse(have, "44")
		if got := phoneError(err); got != want {
			t.Errorf("phoneError(Parse(%q)) = %s (%v), want %s", have, got, err, want)
		}
	}
	if got := phoneError(errors.New("other")); got != text.PhoneInvalid {
		t.Errorf("phoneError(other) = %s, want %s", got, text.PhoneInvalid)
	}
}

func TestReusableSession(t *testing.T) {
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	sess := session.Session{UserID: "usr_p", AuthTime: now.Add(-10 * time.Minute)}
	age := func(s uint) *uint { return &s }
	for _, tc := range []struct {
		name string
		have authstate.AuthRequest
		want bool
	}{
		{"no constraint", authstate.AuthRequest{}, true},
		{"prompt login", authstate.AuthRequest{Prompt: []string{"login"}}, false},
		{"prompt select_account", authstate.AuthRequest{Prompt: []string{"select_account"}}, false},
		{"hint names the user", authstate.AuthRequest{HintSubject: "usr_p"}, true},
		{"hint names someone else", authstate.AuthRequest{HintSubject: "usr_q"}, false},
		{"max_age met", authstate.AuthRequest{MaxAge: age(600)}, true},
		{"max_age passed", authstate.AuthRequest{MaxAge: age(599)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := reusable(tc.have, sess, now); got != tc.want {
				t.Errorf("reusable = %v, want %v", got, tc.want)
			}
		})
	}
}

// brokenFlows fails every read: the backend is down.
type brokenFlows struct{ flow.Store }

func (brokenFlows) Get(context.Context, string) (flow.Flow, error) {
	return flow.Flow{}, errors.New("flow store down")
}

func TestSigninFlowStoreDown(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.page("/signin", http.StatusSeeOther)
	_, token := r.page("/signin", http.StatusOK)
	r.journey.Flows = brokenFlows{r.flows}
	r.page("/signin", http.StatusInternalServerError)
	rec := r.do(http.MethodPost, "/signin", url.Values{"email": {tEmail}, "password": {tPassword}, "csrf_token": {token}})
	wantPage(t, rec, http.StatusInternalServerError, text.Get(text.SomethingWentWrong))
}

func TestSigninMalformedForm(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.page("/signin", http.StatusSeeOther)
	req := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader("%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	r.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("malformed form: %d, want 400", rec.Code)
	}
}
