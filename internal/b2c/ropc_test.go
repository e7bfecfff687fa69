package b2c_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/b2c"
	"github.com/carekey/carekey/internal/b2c/b2ctest"
)

const clientID = "6c1d2c77-3b9e-4a4e-9a59-0f1e2d3c4b5a"

func ropcClient(old *b2ctest.Server) *b2c.ROPC {
	return &b2c.ROPC{TokenURL: old.TokenURL(), ClientID: clientID, Scope: "openid " + clientID + " offline_access",
		Timeout: 2 * time.Second, HTTP: old.Client()}
}

func TestROPC(t *testing.T) {
	old := b2ctest.New(t, clientID)
	old.SetPassword("ann@example.org", "Old-password-1!")
	c := ropcClient(old)
	for _, tc := range []struct {
		name, user, password string
		down                 int
		want                 bool
		wantErr              error
	}{
		{name: "right", user: "ann@example.org", password: "Old-password-1!", want: true},
		{name: "right, email in capitals", user: "Ann@Example.org", password: "Old-password-1!", want: true},
		{name: "wrong", user: "ann@example.org", password: "old-password-1!"},
		{name: "unknown user", user: "bob@example.org", password: "Old-password-1!"},
		{name: "tenant down", user: "ann@example.org", password: "Old-password-1!", down: http.StatusServiceUnavailable, wantErr: b2c.ErrUnavailable},
		{name: "tenant throttling", user: "ann@example.org", password: "Old-password-1!", down: http.StatusTooManyRequests, wantErr: b2c.ErrUnavailable},
		{name: "tenant hangs", user: "ann@example.org", password: "Old-password-1!", down: b2ctest.Hang, wantErr: b2c.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old.SetDown(tc.down)
			defer old.SetDown(0)
			got, err := c.CheckPassword(t.Context(), tc.user, tc.password)
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Fatalf("CheckPassword = %v, %v; want %v, %v", got, err, tc.want, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), tc.password) {
				t.Errorf("error %q holds the password", err)
			}
		})
	}
}

// TestROPCMisconfigured: answers that are not "wrong password" (a bad
// client ID or scope, another error code) are never taken for one.
func TestROPCMisconfigured(t *testing.T) {
	old := b2ctest.New(t, clientID)
	old.SetPassword("ann@example.org", "Old-password-1!")
	for _, tc := range []struct {
		name   string
		change func(c *b2c.ROPC)
	}{
		{"wrong client ID", func(c *b2c.ROPC) { c.ClientID = "00000000-0000-0000-0000-000000000000" }},
		{"scope without openid", func(c *b2c.ROPC) { c.Scope = clientID }},
		{"wrong policy path", func(c *b2c.ROPC) { c.TokenURL = strings.TrimSuffix(c.TokenURL, "/token") + "/nothing" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ropcClient(old)
			tc.change(c)
			if ok, err := c.CheckPassword(t.Context(), "ann@example.org", "wrong"); ok || !errors.Is(err, b2c.ErrUnavailable) {
				t.Errorf("CheckPassword = %v, %v; want b2c.ErrUnavailable", ok, err)
			}
		})
	}
}

func TestROPCAnswers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		want    bool
		wantErr error
	}{
		{"tokens", 200, `{"access_token":"a","token_type":"Bearer","expires_in":"3600","id_token":"i"}`, true, nil},
		{"200 without tokens", 200, `{}`, false, b2c.ErrUnavailable},
		{"200 HTML", 200, `<html>`, false, b2c.ErrUnavailable},
		{"AADB2C90225", 400, `{"error":"invalid_grant","error_description":"AADB2C90225: The username or password provided in the request are invalid.\r\nCorrelation ID: x"}`, false, nil},
		{"AADB2C90054", 400, `{"error":"invalid_grant","error_description":"AADB2C90054: Invalid username or password."}`, false, nil},
		{"locked at the old tenant", 400, `{"error":"invalid_grant","error_description":"AADB2C90092: The account is locked."}`, false, b2c.ErrUnavailable},
		{"invalid_grant without code", 400, `{"error":"invalid_grant"}`, false, b2c.ErrUnavailable},
		{"wrong-password code with another error", 400, `{"error":"invalid_request","error_description":"AADB2C90225: x"}`, false, b2c.ErrUnavailable},
		{"wrong-password code with 401", 401, `{"error":"invalid_grant","error_description":"AADB2C90225: x"}`, false, b2c.ErrUnavailable},
		{"500", 500, `{"error":"server_error"}`, false, b2c.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c := &b2c.ROPC{TokenURL: srv.URL, ClientID: clientID, Scope: "openid"}
			got, err := c.CheckPassword(t.Context(), "ann@example.org", "pw")
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("CheckPassword = %v, %v; want %v, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestROPCRedirectNotFollowed: the password is posted to TokenURL only.
func TestROPCRedirectNotFollowed(t *testing.T) {
	elsewhere := 0
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere++ }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c := &b2c.ROPC{TokenURL: srv.URL, ClientID: clientID, Scope: "openid", HTTP: &http.Client{}}
	if _, err := c.CheckPassword(t.Context(), "ann@example.org", "pw"); !errors.Is(err, b2c.ErrUnavailable) {
		t.Errorf("err = %v, want b2c.ErrUnavailable", err)
	}
	if elsewhere != 0 {
		t.Error("the redirect was followed")
	}
}

func TestROPCTimeout(t *testing.T) {
	old := b2ctest.New(t, clientID)
	old.SetDown(b2ctest.Hang)
	c := ropcClient(old)
	c.Timeout = 50 * time.Millisecond
	_, err := c.CheckPassword(t.Context(), "ann@example.org", "pw")
	if !errors.Is(err, b2c.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want b2c.ErrUnavailable after the deadline", err)
	}
}
