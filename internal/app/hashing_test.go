package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/carekey/carekey/internal/config"
)

// TestFullHashQueueAnswers503 (issue 10, point 6): with one hashing slot and
// one place in its queue, a burst of sign-ins gets 503 Service Unavailable
// with Retry-After and a page a person understands for the requests that
// find the queue full, at once, instead of waiting behind the others. The
// burst uses unknown addresses: a saturated hasher must answer them as it
// answers known ones (VerifyDummy reports ErrBusy too).
func TestFullHashQueueAnswers503(t *testing.T) {
	e := startWith(t, false, func(c *config.Config) {
		generousLimits(c) // then the hash limits under test
		c.PasswordPolicy.HashConcurrency, c.PasswordPolicy.HashQueue = 1, 1
	})
	const n = 24
	type form struct {
		c    *http.Client
		csrf string
	}
	forms := make([]form, n)
	for i := range forms {
		c := e.browser()
		resp, err := c.Get(e.issuer + "/signin")
		if err != nil {
			t.Fatal(err)
		}
		forms[i] = form{c, csrfOf(t, mustStatus(t, resp, http.StatusOK))}
	}
	type answer struct {
		status int
		retry  string
		body   string
	}
	answers := make([]answer, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, f := range forms {
		wg.Go(func() {
			<-start
			resp, err := f.c.PostForm(e.issuer+"/signin", url.Values{"csrf_token": {f.csrf},
				"email": {fmt.Sprintf("nobody-%d@example.com", i)}, "password": {"Wrong-password-1!"}})
			if err != nil {
				t.Error(err)
				return
			}
			answers[i] = answer{resp.StatusCode, resp.Header.Get("Retry-After"), readBody(t, resp)}
		})
	}
	close(start)
	wg.Wait()
	busy := 0
	for _, a := range answers {
		switch a.status {
		case http.StatusServiceUnavailable:
			busy++
			if a.retry == "" || !strings.Contains(a.body, "The service is very busy at the moment. Please wait a few seconds and try again.") {
				t.Errorf("503 without Retry-After (%q) or without the busy words:\n%s", a.retry, a.body)
			}
		case http.StatusUnauthorized: // hashed, and the address is unknown
		default:
			t.Errorf("status %d, want 401 or 503:\n%s", a.status, a.body)
		}
	}
	if busy == 0 || busy == n {
		t.Fatalf("%d of %d sign-ins answered busy; want some refused at once and some served", busy, n)
	}
}
