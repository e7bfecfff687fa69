package app_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/b2c/b2ctest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/store"
)

const (
	b2cClientID    = "6c1d2c77-3b9e-4a4e-9a59-0f1e2d3c4b5a"
	importedEmail  = "imported.user@example.org"
	importedOldPwd = "Old-B2C-password-9"
)

// withOldTenant points b2c.ropc at the stand-in old, with cut-off cutoff.
func withOldTenant(old *b2ctest.Server, cutoff string) func(*config.Config) {
	return func(c *config.Config) {
		c.B2C.ROPC = config.B2CROPC{TokenURL: old.TokenURL(), ClientID: b2cClientID, Scope: "openid " + b2cClientID + " offline_access", Timeout: time.Second}
		c.B2C.Cutoff = cutoff
	}
}

// seedImported creates a user as `idp import b2c` does: password pending.
func seedImported(t *testing.T, e *env) {
	t.Helper()
	now := time.Now().UTC()
	err := e.app.Backends().Store.CreateUser(t.Context(), store.User{ID: "usr_imported", Email: importedEmail, EmailVerified: true,
		GivenName: "Imported", FamilyName: "User", Phone: "+447700900047", PhoneVerified: true,
		ExternalID: "0b1f6c1e-6d2a-4d38-9a51-000000000001", PasswordPending: true, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
}

// postSignin posts the sign-in form in a new browser and returns the answer.
func (e *env) postSignin(t *testing.T, email, password string) (*http.Response, string) {
	t.Helper()
	c := e.browser()
	csrf := csrfOf(t, e.signinPage(t, c))
	resp, err := c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	return resp, readBody(t, resp)
}

// Issue 15, acceptance 2, end to end: with the old tenant down the user is
// told to try again later (503, never "wrong password"); then the first
// sign-in through an OIDC client checks the old password once, the phone
// step follows and the client gets its code; the second sign-in does not
// call the old tenant.
func TestB2CPasswordMigratesAtFirstSignIn(t *testing.T) {
	old := b2ctest.New(t, b2cClientID)
	old.SetPassword(importedEmail, importedOldPwd)
	backendsWith(t, withOldTenant(old, ""), func(t *testing.T, e *env) {
		seedImported(t, e)
		start := old.Hits()

		old.SetDown(http.StatusServiceUnavailable)
		resp, body := e.postSignin(t, importedEmail, importedOldPwd)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
			!strings.Contains(body, "Sorry, we cannot check your password at the moment. Please try again in a few minutes.") ||
			strings.Contains(body, "The email address or password you entered is incorrect.") || strings.Contains(body, importedOldPwd) {
			t.Fatalf("old tenant down: %d (Retry-After %q), want 503 try again later:\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		old.SetDown(0)

		r := e.rp("dashboard", dashSecret, dashRedirect, "profile", "email")
		back := e.signIn(e.browser(), r.conf.AuthCodeURL("st-1"), importedEmail, importedOldPwd)
		if back.Query().Get("code") == "" {
			t.Fatalf("first sign-in: no code in %s", back)
		}
		if got := old.Hits() - start; got != 2 { // the outage, then the check
			t.Errorf("old tenant hit %d times, want 2", got)
		}
		u, err := e.app.Backends().Store.GetUser(t.Context(), "usr_imported")
		if err != nil || u.PasswordPending || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
			t.Fatalf("after the first sign-in: pending %v, hash %.10q (%v); want migrated", u.PasswordPending, u.PasswordHash, err)
		}

		old.SetDown(http.StatusServiceUnavailable) // decommissioned: no longer needed
		back = e.signIn(e.browser(), r.conf.AuthCodeURL("st-1"), importedEmail, importedOldPwd)
		if back.Query().Get("code") == "" {
			t.Fatalf("second sign-in: no code in %s", back)
		}
		if got := old.Hits() - start; got != 2 {
			t.Errorf("second sign-in reached the old tenant (%d hits)", got)
		}
		old.SetDown(0)
	})
}

// After the cut-off a pending user is sent to forgot password, whatever the
// password, and the old tenant is not asked.
func TestB2CAfterCutoffSendsToForgotPassword(t *testing.T) {
	old := b2ctest.New(t, b2cClientID)
	old.SetPassword(importedEmail, importedOldPwd)
	e := startWith(t, false, withOldTenant(old, "2020-01-01"))
	seedImported(t, e)
	resp, body := e.postSignin(t, importedEmail, importedOldPwd)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "please reset your password") ||
		!strings.Contains(body, `href="/forgot-password"`) {
		t.Fatalf("after the cut-off: %d, want 403 with the way to forgot password:\n%s", resp.StatusCode, body)
	}
	if old.Hits() != 0 {
		t.Errorf("old tenant hit %d times after the cut-off", old.Hits())
	}
}

// No password reaches the logs, whether the old tenant is down or says yes.
func TestB2CMigrationLogsNoPassword(t *testing.T) {
	old := b2ctest.New(t, b2cClientID)
	old.SetPassword(importedEmail, importedOldPwd)
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := startFull(t, false, withOldTenant(old, ""), logger)
	seedImported(t, e)
	old.SetDown(http.StatusBadGateway)
	if resp, _ := e.postSignin(t, importedEmail, importedOldPwd); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("old tenant down: %d, want 503", resp.StatusCode)
	}
	old.SetDown(0)
	if resp, body := e.postSignin(t, importedEmail, importedOldPwd); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Confirm your identity") {
		t.Fatalf("old tenant up: %d, want the phone step:\n%s", resp.StatusCode, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "check password at the old directory") {
		t.Errorf("the outage was not logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), importedOldPwd) {
		t.Errorf("a password reached the logs:\n%s", logs.String())
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
