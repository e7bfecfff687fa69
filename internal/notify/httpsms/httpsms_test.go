package httpsms_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/notify/httpsms"
)

const secret = "gateway-secret-0123456789abcdef"

var tpl = notify.Templates{ServiceName: "Children's Services Portal", CouncilName: "Norfolk County Council"}

// gateway follows the package's documented contract: bearer secret, JSON
// body with to, body and reference; it answers status.
type gateway struct {
	t      *testing.T
	mu     sync.Mutex
	got    []httpsms.Message
	status int
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/sms" {
		g.t.Errorf("have %s %s", r.Method, r.URL.Path)
	}
	if r.Header.Get("Authorization") != "Bearer "+secret {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"bad secret"}`)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		g.t.Errorf("Content-Type %q", ct)
	}
	var m httpsms.Message
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		g.t.Errorf("decode: %v", err)
	}
	g.mu.Lock()
	g.got = append(g.got, m)
	status := g.status
	g.mu.Unlock()
	if status == 0 {
		status = http.StatusAccepted
	}
	w.WriteHeader(status)
	io.WriteString(w, `{"status":"whatever"}`)
}

func start(t *testing.T, status int) (*gateway, string) {
	g := &gateway{t: t, status: status}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return g, srv.URL + "/sms"
}

func TestSendSMSPostsJSON(t *testing.T) {
	g, u := start(t, 0)
	c, err := httpsms.New(httpsms.Config{URL: u, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	m := tpl.SignInCodeSMS("+447700900047", "123456")
	for range 2 {
		if err := c.SendSMS(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}
	if len(g.got) != 2 {
		t.Fatalf("gateway got %d messages, want 2", len(g.got))
	}
	got := g.got[0]
	if got.To != "+447700900047" || got.Body != m.Body || got.Template != notify.TemplateSignInCode || !strings.Contains(got.Body, "123456") {
		t.Errorf("have %+v", got)
	}
	if !strings.HasPrefix(got.Reference, "sms_") || got.Reference == g.got[1].Reference {
		t.Errorf("references %q, %q: want distinct sms_…", got.Reference, g.got[1].Reference)
	}
}

func TestSendSMSErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		secret string
		want   error
	}{
		{"recipient refused", http.StatusUnprocessableEntity, secret, notify.ErrUndeliverable},
		{"wrong secret", 0, "wrong-secret", httpsms.ErrAuth},
		{"forbidden", http.StatusForbidden, secret, httpsms.ErrAuth},
		{"rate limited", http.StatusTooManyRequests, secret, notify.ErrTemporary},
		{"timeout status", http.StatusRequestTimeout, secret, notify.ErrTemporary},
		{"gateway down", http.StatusBadGateway, secret, notify.ErrTemporary},
		{"server error", http.StatusInternalServerError, secret, notify.ErrTemporary},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, u := start(t, tc.status)
			c, err := httpsms.New(httpsms.Config{URL: u, Secret: tc.secret})
			if err != nil {
				t.Fatal(err)
			}
			err = c.SendSMS(t.Context(), tpl.SignInCodeSMS("+447700900047", "123456"))
			if !errors.Is(err, tc.want) {
				t.Fatalf("have %v, want %v", err, tc.want)
			}
			var se *httpsms.StatusError
			if !errors.As(err, &se) {
				t.Errorf("%v carries no *StatusError", err)
			}
			if strings.Contains(err.Error(), "123456") || strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error %q shows the code or the secret", err)
			}
		})
	}
}

// A 400 is our request's fault: neither undeliverable nor temporary.
func TestSendSMSBadRequestIsPlain(t *testing.T) {
	_, u := start(t, http.StatusBadRequest)
	c, _ := httpsms.New(httpsms.Config{URL: u, Secret: secret})
	err := c.SendSMS(t.Context(), tpl.SignInCodeSMS("+447700900047", "123456"))
	if err == nil || errors.Is(err, notify.ErrTemporary) || errors.Is(err, notify.ErrUndeliverable) {
		t.Fatalf("have %v, want a plain error", err)
	}
}

func TestSendSMSUnreachableIsTemporary(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	c, _ := httpsms.New(httpsms.Config{URL: u, Secret: secret})
	if err := c.SendSMS(t.Context(), tpl.SignInCodeSMS("+447700900047", "123456")); !errors.Is(err, notify.ErrTemporary) {
		t.Fatalf("have %v, want ErrTemporary", err)
	}
}

func TestSendSMSTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c, _ := httpsms.New(httpsms.Config{URL: srv.URL, Secret: secret, Timeout: 50 * time.Millisecond})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := c.SendSMS(ctx, tpl.SignInCodeSMS("+447700900047", "123456")); !errors.Is(err, notify.ErrTemporary) {
		t.Fatalf("have %v, want ErrTemporary after the timeout", err)
	}
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		have string
		ok   bool
	}{
		{"https://sms.example.gov.uk/send", true},
		{"http://127.0.0.1:9000/sms", true},
		{"http://[::1]:9000/sms", true},
		{"http://localhost:9000/sms", true},
		{"http://sms.example.gov.uk/send", false},
		{"http://10.0.0.1/sms", false},
		{"https://user:pw@sms.example.gov.uk/send", false},
		{"https://sms.example.gov.uk/send#x", false},
		{"sms.example.gov.uk/send", false},
		{"ftp://sms.example.gov.uk/", false},
		{"", false},
	} {
		if err := httpsms.CheckURL(tc.have); (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q) = %v, want ok %v", tc.have, err, tc.ok)
		}
	}
	if _, err := httpsms.New(httpsms.Config{URL: "http://sms.example.gov.uk/", Secret: secret}); err == nil {
		t.Error("New accepted plain http to another machine")
	}
	if _, err := httpsms.New(httpsms.Config{URL: "https://sms.example.gov.uk/"}); err == nil {
		t.Error("New accepted no secret")
	}
}
