package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's writes and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freePortPair returns a loopback port p with p+1 free too.
func freePortPair(t *testing.T) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+1))
		l.Close()
		if err == nil {
			l2.Close()
			return p
		}
	}
	t.Fatal("no free pair of loopback ports")
	return 0
}

var (
	csrfRE     = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	passwordRE = regexp.MustCompile(`sign in as: (\S+) / (\S+)`)
)

// TestDevPortSignsIn is `make run PORT=…` as a newcomer meets it: `idp dev
// --port P` serves carekey on P and the dashboard on P+1, and the seeded user
// signs in through the dashboard (password, Send Code, the code from the dev
// outbox) and is welcomed.
func TestDevPortSignsIn(t *testing.T) {
	port := freePortPair(t)
	issuer := "http://localhost:" + strconv.Itoa(port)
	dash := "http://localhost:" + strconv.Itoa(port+1)
	ctx, cancel := context.WithCancel(t.Context())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"dev", "--config", "../../configs/dev.yaml", "--port", strconv.Itoa(port)}, &out, &errOut)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("idp dev did not stop")
		}
	})

	var email, password string
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(issuer + "/readyz")
		if err == nil {
			resp.Body.Close()
		}
		if m := passwordRE.FindStringSubmatch(out.String()); err == nil && resp.StatusCode == http.StatusOK && m != nil {
			email, password = m[1], m[2]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("idp dev --port %d did not start:\n%s\n%s", port, out.String(), errOut.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	get := func(u string) (*http.Response, string) {
		t.Helper()
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	post := func(u string, form url.Values) (*http.Response, string) {
		t.Helper()
		resp, err := c.PostForm(u, form)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	csrf := func(body string) string {
		t.Helper()
		m := csrfRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no csrf_token in:\n%s", body)
		}
		return html.UnescapeString(m[1])
	}

	resp, body := get(dash + "/login")
	if resp.Request.URL.Host != "localhost:"+strconv.Itoa(port) || !strings.Contains(body, ">Sign in</h1>") {
		t.Fatalf("dashboard /login ended at %s (%d), want carekey's Sign in page:\n%s", resp.Request.URL, resp.StatusCode, body)
	}
	_, body = post(issuer+"/signin", url.Values{"csrf_token": {csrf(body)}, "email": {email}, "password": {password}})
	_, body = post(issuer+"/signin/send-code", url.Values{"csrf_token": {csrf(body)}})
	_, box := get(issuer + "/dev/outbox.json")
	var outbox struct {
		Messages []struct {
			Channel string  `json:"channel"`
			Code    *string `json:"code"`
		} `json:"messages"`
	}
	if err := json.Unmarshal([]byte(box), &outbox); err != nil || len(outbox.Messages) == 0 || outbox.Messages[0].Code == nil {
		t.Fatalf("no code in the dev outbox: %v\n%s", err, box)
	}
	resp, body = post(issuer+"/signin/verify", url.Values{"csrf_token": {csrf(body)}, "code": {*outbox.Messages[0].Code}})
	if resp.Request.URL.Host != "localhost:"+strconv.Itoa(port+1) || !strings.Contains(body, "Welcome, Penny QQ Plumber.") {
		t.Fatalf("after sign-in: at %s (%d), want the dashboard's welcome:\n%s", resp.Request.URL, resp.StatusCode, body)
	}
}
