package app_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/store"
)

// A deployment with an SMS provider and no voice provider offers "Send
// Code" only: "Call Me" is not shown, and posting it anyway is a clear 400
// on the same page, never a server error.
func TestOnlyConfiguredChannelsAreOffered(t *testing.T) {
	var mu sync.Mutex
	var codes []string
	notifyAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Personalisation map[string]string `json:"personalisation"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		codes = append(codes, body.Personalisation["code"])
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"740e5834-3a29-46b4-9a6f-16142fde533a"}`))
	}))
	t.Cleanup(notifyAPI.Close)
	e := startWith(t, false, func(c *config.Config) {
		c.Dev.Outbox = false
		c.SMS = config.SMS{Provider: "govuknotify", GovUKNotify: config.NotifySMS{
			BaseURL:              notifyAPI.URL,
			APIKey:               "carekey-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
			SignInCodeTemplate:   "11111111-1111-4111-8111-111111111111",
			PhoneChangedTemplate: "22222222-2222-4222-8222-222222222222",
		}}
	})
	r := e.rp("dashboard", dashSecret, dashRedirect, "profile")
	c := e.browser()
	resp, err := c.Get(r.conf.AuthCodeURL("st"))
	if err != nil {
		t.Fatal(err)
	}
	csrf := csrfOf(t, mustStatus(t, resp, http.StatusOK))
	body := mustStatus(t, post(t, c, e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {testEmail}, "password": {testPassword}}), http.StatusOK)
	if !strings.Contains(body, ">Send Code<") || strings.Contains(body, ">Call Me<") {
		t.Fatalf("want Send Code and no Call Me:\n%s", body)
	}
	body = mustStatus(t, post(t, c, e.issuer+"/signin/call", url.Values{"csrf_token": {csrf}}), http.StatusBadRequest)
	if !strings.Contains(body, "This way of confirming your identity is not available") {
		t.Fatalf("posting Call Me anyway:\n%s", body)
	}
	mustStatus(t, post(t, c, e.issuer+"/signin/send-code", url.Values{"csrf_token": {csrf}}), http.StatusOK)
	mu.Lock()
	code := codes[len(codes)-1]
	mu.Unlock()
	resp = post(t, c, e.issuer+"/signin/verify", url.Values{"csrf_token": {csrf}, "code": {code}})
	readBody(t, resp)
	if loc, _ := resp.Location(); resp.StatusCode/100 != 3 || loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("verify: %d %v, want a redirect to the client with a code", resp.StatusCode, loc)
	}
}

// TestLandlineOffersCallMeOnly (issue 14): a user whose phone is a landline
// is offered "Call Me" only, and told why; a forced Send Code is refused.
func TestLandlineOffersCallMeOnly(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		st := e.app.Backends().Store
		u, err := st.GetUserByEmail(t.Context(), testEmail)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateUser(t.Context(), u.ID, func(u *store.User) ([]store.AuditEvent, error) {
			u.Phone = "+441632960000" // a landline (Ofcom's drama range)
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		c := e.browser()
		csrf := csrfOf(t, e.signinPage(t, c))
		body := mustStatus(t, post(t, c, e.issuer+"/signin", url.Values{"csrf_token": {csrf}, "email": {testEmail}, "password": {testPassword}}), http.StatusOK)
		if strings.Contains(body, "Send Code") || !strings.Contains(body, "Call Me") || !strings.Contains(body, "This is a landline number") {
			t.Fatalf("confirm page for a landline:\n%s", body)
		}
		resp := post(t, c, e.issuer+"/signin/send-code", url.Values{"csrf_token": {csrfOf(t, body)}})
		if b := readBody(t, resp); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forced Send Code to a landline: %d, want 400:\n%s", resp.StatusCode, b)
		}
	})
}
