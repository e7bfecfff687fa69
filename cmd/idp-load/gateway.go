package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/carekey/carekey/internal/notify/httpsms"
)

// gateway stands in for the phone network in serve mode: it serves the
// HTTP SMS gateway endpoint carekey's sms.provider http posts to
// (internal/notify/httpsms), on a loopback address only, and hands each
// sign-in code to the login waiting for that phone number. Logins to
// different numbers run at once; the tool gives each concurrent login its
// own user, so a number has one login waiting at a time.
type gateway struct {
	secret string
	srv    *http.Server
	ln     net.Listener

	mu      sync.Mutex
	waiting map[string]chan string // E.164 → the waiting login's code
}

// smsCodeRE finds the 6-digit code in an SMS body.
var smsCodeRE = regexp.MustCompile(`\b(\d{6})\b`)

// startGateway listens on addr, which must be a loopback address: the
// requests carry codes and the secret in clear.
func startGateway(addr, secret string) (*gateway, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !httpsms.IsLoopback(host) {
		return nil, fmt.Errorf("-sms-gateway %q: must be a loopback address and port, such as 127.0.0.1:9099", addr)
	}
	if secret == "" {
		return nil, errors.New("-sms-gateway needs a secret: -sms-secret-file or IDP_LOAD_SMS_SECRET")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("SMS gateway: %w", err)
	}
	g := &gateway{secret: secret, ln: ln, waiting: map[string]chan string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sms", g.receive)
	g.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = g.srv.Serve(ln) }()
	return g, nil
}

// URL is what carekey's sms.http.url must be.
func (g *gateway) URL() string { return "http://" + g.ln.Addr().String() + "/sms" }

// Close stops serving.
func (g *gateway) Close() error { return g.srv.Close() }

// receive takes one message: 401 for a wrong secret, 422 for a number no
// login waits for (as a gateway refuses an unknown number), 202 otherwise.
func (g *gateway) receive(w http.ResponseWriter, r *http.Request) {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+g.secret)) != 1 {
		http.Error(w, "wrong secret", http.StatusUnauthorized)
		return
	}
	var m httpsms.Message
	if err := json.NewDecoder(io.LimitReader(r.Body, 16<<10)).Decode(&m); err != nil {
		http.Error(w, "bad JSON", http.StatusBadRequest)
		return
	}
	code := smsCodeRE.FindString(m.Body)
	g.mu.Lock()
	ch, ok := g.waiting[m.To]
	delete(g.waiting, m.To)
	g.mu.Unlock()
	if !ok || code == "" {
		http.Error(w, "no login waits for a code to this number", http.StatusUnprocessableEntity)
		return
	}
	ch <- code // buffered: never blocks
	w.WriteHeader(http.StatusAccepted)
}

// expect registers a login waiting for a code to phone (E.164) and returns
// a function that waits for it.
func (g *gateway) expect(phone string) func(ctx context.Context) (string, error) {
	ch := make(chan string, 1)
	g.mu.Lock()
	g.waiting[phone] = ch
	g.mu.Unlock()
	return func(ctx context.Context) (string, error) {
		defer func() {
			g.mu.Lock()
			if g.waiting[phone] == ch {
				delete(g.waiting, phone)
			}
			g.mu.Unlock()
		}()
		t := time.NewTimer(30 * time.Second)
		defer t.Stop()
		select {
		case c := <-ch:
			return c, nil
		case <-t.C:
			return "", fmt.Errorf("SMS gateway: no code for %s within 30s: is sms.http.url %s?", phone, g.URL())
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}
