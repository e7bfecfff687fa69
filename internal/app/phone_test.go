package app_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/store"
)

// amrAfter signs in by method and returns the ID token's amr.
func (e *env) amrAfter(t *testing.T, email, method string) []string {
	t.Helper()
	r := e.rp("dashboard", dashSecret, dashRedirect, "profile", "phone")
	ctx := oidc.ClientContext(t.Context(), r.http)
	c := e.browser()
	verifier := oauth2.GenerateVerifier()
	resp, err := c.Get(r.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n")))
	if err != nil {
		t.Fatal(err)
	}
	csrf := csrfOf(t, readBody(t, resp))
	resp, err = c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {email}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	back := e.confirmPhone(c, resp, method)
	tok, err := r.conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.verifier.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var cl struct {
		AMR   []string `json:"amr"`
		Phone string   `json:"phone_number"`
	}
	if err := idt.Claims(&cl); err != nil {
		t.Fatal(err)
	}
	return cl.AMR
}

func TestPhoneConfirmationBySMSAndByCall(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		if amr := e.amrAfter(t, testEmail, "sms"); !slices.Contains(amr, "sms") || !slices.Contains(amr, "mfa") || !slices.Contains(amr, "pwd") {
			t.Errorf("Send Code: amr = %v, want pwd, sms, mfa", amr)
		}
		if amr := e.amrAfter(t, testEmail, "tel"); !slices.Contains(amr, "tel") || !slices.Contains(amr, "mfa") {
			t.Errorf("Call Me: amr = %v, want pwd, tel, mfa", amr)
		}
	})
}

func TestFirstSigninEnrolsAPhone(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		st := e.app.Backends().Store
		now := time.Now().UTC()
		if err := st.CreateUser(t.Context(), store.User{ID: "usr_new", Email: "new.user@example.com", EmailVerified: true,
			GivenName: "New", FamilyName: "User", PasswordHash: devHash(t), CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if amr := e.amrAfter(t, "new.user@example.com", "sms"); !slices.Contains(amr, "sms") {
			t.Errorf("amr = %v", amr)
		}
		u, err := st.GetUser(t.Context(), "usr_new")
		if err != nil {
			t.Fatal(err)
		}
		if u.Phone != "+447700900111" || !u.PhoneVerified {
			t.Errorf("enrolled phone = %q verified %v, want +447700900111 verified", u.Phone, u.PhoneVerified)
		}
	})
}

// passwordOnly signs in with the password and stops at "Confirm your identity".
func (e *env) passwordOnly(t *testing.T, c *http.Client, authURL string) string {
	t.Helper()
	body := e.toConfirm(t, c, authURL)
	for _, want := range []string{"<h1 class=\"govuk-heading-l\">Confirm your identity</h1>", "You need to confirm your identity using your phone number every time you sign in.",
		"Phone Number", "XXX-XXX-XXX47", ">Send Code</button>", ">Call Me</button>", ">Cancel</button>"} {
		if !strings.Contains(body, want) {
			t.Errorf("confirm page lacks %q", want)
		}
	}
	return body
}

// toConfirm opens authURL and signs in with the test user's password, and
// returns the page that follows.
func (e *env) toConfirm(t *testing.T, c *http.Client, authURL string) string {
	t.Helper()
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	csrf := csrfOf(t, readBody(t, resp))
	resp, err = c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {testEmail}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	return mustStatus(t, resp, http.StatusOK)
}

func TestSecondFactorCannotBeSkipped(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		r := e.rp(publicID, "", publicRedir, "profile")
		c := e.browser()
		verifier := oauth2.GenerateVerifier()
		authURL := r.conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier))
		resp, err := c.Get(authURL)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		arID := resp.Request.Response.Request.URL.Query().Get("authRequestID")
		if arID == "" {
			t.Fatalf("no auth request ID in %s", resp.Request.Response.Request.URL)
		}
		e.passwordOnly(t, c, authURL)

		// The callback does not issue a code for a request whose sign-in is unfinished.
		resp, err = c.Get(e.issuer + "/authorize/callback?id=" + url.QueryEscape(arID))
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode/100 == 3 && loc.Query().Get("code") != "" {
			t.Fatalf("callback issued a code after the password alone: %s", loc)
		}
		// No session: the signed-in page sends the browser back to sign in.
		resp, err = c.Get(e.issuer + "/")
		if err != nil {
			t.Fatal(err)
		}
		if body := readBody(t, resp); strings.Contains(body, "You are signed in") {
			t.Error("a session exists after the password alone")
		}
		// No code means no token; a made-up code is refused.
		tr, out := e.tokenRequest(t, publicID, "", url.Values{"grant_type": {"authorization_code"}, "code": {"forged"}, "redirect_uri": {publicRedir}, "code_verifier": {verifier}})
		if tr.StatusCode/100 != 4 || out["access_token"] != nil {
			t.Errorf("token endpoint: %d %v", tr.StatusCode, out)
		}
		// userinfo without a token.
		resp, err = e.srv.Client().Get(e.issuer + "/userinfo")
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		if resp.StatusCode/100 != 4 {
			t.Errorf("userinfo without a token: %d", resp.StatusCode)
		}
	})
}

func TestCodeEntryErrors(t *testing.T) {
	e := start(t, false)
	c := e.browser()
	body := e.passwordOnly(t, c, e.issuer+"/signin")
	resp, err := c.PostForm(e.issuer+"/signin/send-code", url.Values{"csrf_token": {csrfOf(t, body)}})
	if err != nil {
		t.Fatal(err)
	}
	body = mustStatus(t, resp, http.StatusOK)
	for _, want := range []string{`autocomplete="one-time-code"`, `inputmode="numeric"`, "Enter your verification code below, or send a new code", ">Verify Code</button>", "send a new code", `src="/static/autosubmit.js"`} {
		if !strings.Contains(body, want) {
			t.Errorf("code page lacks %q", want)
		}
	}
	csrf := csrfOf(t, body)
	post := func(code string) (int, string) {
		resp, err := c.PostForm(e.issuer+"/signin/verify", url.Values{"csrf_token": {csrf}, "code": {code}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, readBody(t, resp)
	}
	if st, b := post("12ab56"); st != http.StatusBadRequest || !strings.Contains(b, "Please enter the 6-digit code you received") {
		t.Errorf("letters: %d", st)
	}
	right := e.lastCode(t)
	wrong := "000000"
	if wrong == right {
		wrong = "111111"
	}
	if st, b := post(wrong); st != http.StatusBadRequest || !strings.Contains(b, "does not match our records") {
		t.Errorf("wrong code: %d", st)
	}
	// Four more wrong tries use up the five; then even the right code is refused.
	for range 4 {
		post(wrong)
	}
	if st, _ := post(right); st != http.StatusBadRequest {
		t.Errorf("right code after 5 wrong tries: %d, want 400", st)
	}
}

func TestSMSCodeSingleUseUnderConcurrency(t *testing.T) {
	e := start(t, false)
	c := e.browser()
	body := e.passwordOnly(t, c, e.issuer+"/signin")
	resp, err := c.PostForm(e.issuer+"/signin/send-code", url.Values{"csrf_token": {csrfOf(t, body)}})
	if err != nil {
		t.Fatal(err)
	}
	csrf := csrfOf(t, mustStatus(t, resp, http.StatusOK))
	code := e.lastCode(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 20 {
		wg.Go(func() {
			resp, err := c.PostForm(e.issuer+"/signin/verify", url.Values{"csrf_token": {csrf}, "code": {code}})
			if err != nil {
				return
			}
			// The winner is signed in (its redirect to "/" is followed).
			if b := readBody(t, resp); resp.StatusCode == http.StatusOK && strings.Contains(b, "You are signed in") {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d of 20 concurrent submissions of the right code succeeded, want 1", wins)
	}
}

func TestLockoutAfterTenWrongPasswords(t *testing.T) {
	// Rate limits high enough that every one of the 100 reaches the lockout.
	backendsWith(t, generousLimits, func(t *testing.T, e *env) {
		try := func(password string) (int, string) {
			c := e.browser()
			csrf := csrfOf(t, e.signinPage(t, c))
			resp, err := c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {testEmail}, "password": {password}})
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, csrfRE.ReplaceAllString(readBody(t, resp), "")
		}
		// 100 wrong passwords in parallel never count past the threshold twice over.
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() { try("Wrong-password-123") })
		}
		wg.Wait()
		u, err := e.app.Backends().Store.GetUser(t.Context(), "usr_penny")
		if err != nil {
			t.Fatal(err)
		}
		if u.LockedUntil.IsZero() || u.FailedLogins != 0 || u.LockCount != 1 || time.Until(u.LockedUntil) > 15*time.Minute {
			t.Errorf("after 100 wrong passwords: locked until %v, failed %d, locks %d; want one 15-minute lock",
				u.LockedUntil, u.FailedLogins, u.LockCount)
		}
		counted, err := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_penny", Type: "signin.password_failed"})
		if err != nil || len(counted) != 10 {
			t.Errorf("%d wrong passwords counted (%v), want exactly the threshold, 10", len(counted), err)
		}
		wrongStatus, wrongBody := try("Wrong-password-123")
		rightStatus, rightBody := try(testPassword)
		if rightStatus != http.StatusUnauthorized || rightStatus != wrongStatus || rightBody != wrongBody {
			t.Errorf("locked: right password got %d, wrong got %d (bodies equal: %v)", rightStatus, wrongStatus, rightBody == wrongBody)
		}
		events, err := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{UserID: "usr_penny", Type: "user.locked"})
		if err != nil || len(events) == 0 {
			t.Errorf("no user.locked audit event (%v)", err)
		}
	})
}

func TestSMSCodeNeverLeaks(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := startWithLogger(t, logger)
	c := e.browser()
	var bodies strings.Builder
	body := e.passwordOnly(t, c, e.issuer+"/signin")
	bodies.WriteString(body)
	resp, err := c.PostForm(e.issuer+"/signin/send-code", url.Values{"csrf_token": {csrfOf(t, body)}})
	if err != nil {
		t.Fatal(err)
	}
	body = readBody(t, resp)
	bodies.WriteString(body)
	code := e.lastCode(t)
	resp, err = c.PostForm(e.issuer+"/signin/verify", url.Values{"csrf_token": {csrfOf(t, body)}, "code": {"000001"}})
	if err != nil {
		t.Fatal(err)
	}
	bodies.WriteString(readBody(t, resp))
	resp, err = c.PostForm(e.issuer+"/signin/verify", url.Values{"csrf_token": {csrfOf(t, body)}, "code": {code}})
	if err != nil {
		t.Fatal(err)
	}
	bodies.WriteString(readBody(t, resp))
	for _, h := range resp.Header {
		bodies.WriteString(strings.Join(h, " "))
	}
	events, err := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var audit strings.Builder
	for _, ev := range events {
		audit.WriteString(ev.Type)
		for k, v := range ev.Detail {
			audit.WriteString(k + "=" + v)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for where, s := range map[string]string{"responses": bodies.String(), "logs": logs.String(), "audit": audit.String()} {
		if strings.Contains(s, code) {
			t.Errorf("the SMS code %s appears in %s", code, where)
		}
	}
	if logs.Len() == 0 {
		t.Error("captured no logs: the scan proves nothing")
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestLockHoldsWithEmptyRedis locks the account on one instance, then signs
// in on a second instance sharing PostgreSQL but with an empty Redis key space
// (what a FLUSHALL would leave, without flushing the shared test server).
func TestLockHoldsWithEmptyRedis(t *testing.T) {
	e1 := startWith(t, true, generousLimits) // one client reaches the hard lock past the per-source backoff
	try := func(e *env, password string) (int, string) {
		c := e.browser()
		csrf := csrfOf(t, e.signinPage(t, c))
		resp, err := c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {testEmail}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, csrfRE.ReplaceAllString(readBody(t, resp), "")
	}
	for range 10 {
		try(e1, "Wrong-password-123")
	}
	e2 := startWith(t, true, func(c *config.Config) { generousLimits(c); c.Postgres.URL = e1.cfg.Postgres.URL })
	if e2.cfg.Redis.KeyPrefix == e1.cfg.Redis.KeyPrefix {
		t.Fatal("second instance shares the Redis key space")
	}
	ws, wb := try(e2, "Wrong-password-123")
	rs, rb := try(e2, testPassword)
	if rs != http.StatusUnauthorized || rs != ws || rb != wb {
		t.Errorf("on a fresh Redis the right password got %d, a wrong one %d: the lock did not hold", rs, ws)
	}
}
