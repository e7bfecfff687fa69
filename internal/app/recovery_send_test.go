package app_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/config"
)

// Forgot password must answer without waiting for the email provider: a
// code is emailed only to an address with an account, so an answer that
// waited for the provider would tell known addresses from unknown ones by
// its time. Here GOV.UK Notify hangs until the test lets it go; the known
// address is answered all the same, and the email still goes out after.
func TestForgotPasswordDoesNotWaitForTheEmailProvider(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var posts int
	notifyAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		mu.Lock()
		posts++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"740e5834-3a29-46b4-9a6f-16142fde533a"}`))
	}))
	t.Cleanup(notifyAPI.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	templates := map[string]string{}
	for _, k := range config.EmailTemplates() {
		templates[k] = "f33517ff-2a88-4f6e-b855-c550268ce08a"
	}
	e := startWith(t, false, func(c *config.Config) {
		c.Dev.Outbox = false
		c.Email = config.Email{Provider: "govuknotify", GOVUKNotify: config.EmailNotify{
			BaseURL:   notifyAPI.URL,
			APIKey:    "carekey-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
			Templates: templates,
		}}
	})

	c := e.browser()
	c.Timeout = 20 * time.Second // far beyond a normal answer; the provider hangs for ever
	resp, err := c.Get(e.issuer + "/forgot-password")
	if err != nil {
		t.Fatal(err)
	}
	csrf := csrfOf(t, mustStatus(t, resp, http.StatusOK))
	resp, err = c.PostForm(e.issuer+"/forgot-password/email", url.Values{"csrf_token": {csrf}, "email": {testEmail}})
	if err != nil {
		t.Fatalf("forgot password waited for the email provider: %v", err)
	}
	mustStatus(t, resp, http.StatusOK)
	mu.Lock()
	early := posts
	mu.Unlock()
	if early != 0 {
		t.Fatalf("the provider answered before it was released (%d)", early)
	}
	close(release)
	e.app.Close() // waits for the email under way
	if posts != 1 {
		t.Fatalf("emails sent after release = %d, want 1", posts)
	}
}
