package smtp_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/notify/smtp"
	"github.com/carekey/carekey/pkg/text"
)

var (
	tpl = notify.Templates{ServiceName: "Children's Services Portal", CouncilName: "Norfolk County Council"}
	now = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
)

// config returns a Config for ts with the right credentials.
func config(ts *testServer) smtp.Config {
	return smtp.Config{
		Host:      "127.0.0.1",
		Port:      ts.Port,
		Username:  "carekey",
		Password:  "s3cret-pass",
		From:      "Children's Services Portal <no-reply@council.example>",
		TLSConfig: &tls.Config{RootCAs: ts.Roots, MinVersion: tls.VersionTLS12},
		Timeout:   10 * time.Second,
		Clock:     clocktest.New(now),
	}
}

func newSender(t *testing.T, cfg smtp.Config) *smtp.Sender {
	t.Helper()
	s, err := smtp.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestSendStartTLS(t *testing.T) {
	ts := startServer(t, serverOptions{startTLS: true})
	s := newSender(t, config(ts))
	m := tpl.VerifyEmail("Zoë Example <zoe@example.com>", "12345678")
	m.Subject = "Café: " + m.Subject // a non-ASCII subject must survive
	if err := s.SendEmail(t.Context(), m); err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	got := ts.Received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	r := got[0]
	if !r.TLS || r.Authed != "carekey" {
		t.Errorf("have TLS=%v authed=%q, want TLS and carekey", r.TLS, r.Authed)
	}
	if r.From != "no-reply@council.example" || len(r.To) != 1 || r.To[0] != "zoe@example.com" {
		t.Errorf("have envelope from %q to %q", r.From, r.To)
	}
	checkMessage(t, r.Data, m)
}

func TestSendImplicitTLS(t *testing.T) {
	ts := startServer(t, serverOptions{implicit: true})
	cfg := config(ts)
	cfg.TLS = smtp.TLSImplicit
	s := newSender(t, cfg)
	m := tpl.In(text.Welsh).PasswordResetCode("penny@example.com", "87654321")
	if err := s.SendEmail(t.Context(), m); err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	got := ts.Received()
	if len(got) != 1 || !got[0].TLS || got[0].Authed != "carekey" {
		t.Fatalf("have %+v, want one message over TLS after AUTH", got)
	}
	checkMessage(t, got[0].Data, m)
}

// checkMessage parses data as a MIME message and checks it carries m.
func checkMessage(t *testing.T, data []byte, m notify.Email) {
	t.Helper()
	for i, line := range strings.Split(string(data), "\r\n") {
		if len(line) > 998 || strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d is too long or holds a bare CR/LF: %q", i, line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	h := msg.Header
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("have subject %q (%v), want %q", subject, err, m.Subject)
	}
	to, err := h.AddressList("To")
	wantTo, _ := mail.ParseAddress(m.To)
	if err != nil || len(to) != 1 || *to[0] != *wantTo {
		t.Errorf("have To %v (%v), want %v", to, err, wantTo)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Children's Services Portal" || from[0].Address != "no-reply@council.example" {
		t.Errorf("have From %v (%v)", from, err)
	}
	if d, err := h.Date(); err != nil || !d.Equal(now) {
		t.Errorf("have Date %v (%v), want %v", d, err, now)
	}
	if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@council.example>") {
		t.Errorf("have Message-ID %q", id)
	}
	if h.Get("Mime-Version") != "1.0" {
		t.Errorf("have MIME-Version %q", h.Get("Mime-Version"))
	}
	if h.Get("Content-Language") != string(m.Lang) {
		t.Errorf("have Content-Language %q, want %q", h.Get("Content-Language"), m.Lang)
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("have Content-Type %q (%v)", h.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var parts []string
	for _, want := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		p, err := mr.NextRawPart()
		if err != nil {
			t.Fatalf("read %s part: %v", want.typ, err)
		}
		if ct := p.Header.Get("Content-Type"); ct != want.typ+"; charset=utf-8" {
			t.Errorf("have part Content-Type %q, want %s; charset=utf-8", ct, want.typ)
		}
		if cte := p.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Errorf("have %s Content-Transfer-Encoding %q", want.typ, cte)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(p))
		if err != nil {
			t.Fatalf("decode %s part: %v", want.typ, err)
		}
		if have, want := string(body), strings.ReplaceAll(want.body, "\n", "\r\n"); have != want {
			t.Errorf("%s part:\nhave %q\nwant %q", mt, have, want)
		}
		parts = append(parts, string(body))
	}
	if _, err := mr.NextRawPart(); err != io.EOF {
		t.Errorf("have a third part or a broken end: %v", err)
	}
	if m.Code != "" {
		for i, p := range parts {
			if !strings.Contains(p, m.Code) {
				t.Errorf("part %d lacks the code", i)
			}
		}
	}
}

func TestSendErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		server   serverOptions
		config   func(*smtp.Config)
		to       string
		want     error // errors.Is
		wantNot  []error
		wantSent bool
	}{{
		name:    "RecipientRejected",
		server:  serverOptions{startTLS: true, rcptErr: &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "No such user"}},
		want:    notify.ErrUndeliverable,
		wantNot: []error{notify.ErrTemporary},
	}, {
		name:    "RecipientDeferred",
		server:  serverOptions{startTLS: true, rcptErr: &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Try later"}},
		want:    notify.ErrTemporary,
		wantNot: []error{notify.ErrUndeliverable},
	}, {
		name:    "NoSTARTTLS",
		server:  serverOptions{},
		want:    smtp.ErrNoSTARTTLS,
		wantNot: []error{notify.ErrTemporary, notify.ErrUndeliverable},
	}, {
		name:     "NoSTARTTLSButInsecure",
		server:   serverOptions{},
		config:   func(c *smtp.Config) { c.Insecure, c.Username, c.Password = true, "", "" },
		wantSent: true,
	}, {
		name:     "TLSNoneInsecure",
		server:   serverOptions{insecure: true},
		config:   func(c *smtp.Config) { c.TLS, c.Insecure = smtp.TLSNone, true },
		wantSent: true,
	}, {
		name:    "WrongPassword",
		server:  serverOptions{startTLS: true},
		config:  func(c *smtp.Config) { c.Password = "wrong" },
		wantNot: []error{notify.ErrTemporary, notify.ErrUndeliverable},
	}, {
		name:    "UntrustedCertificate",
		server:  serverOptions{startTLS: true},
		config:  func(c *smtp.Config) { c.TLSConfig = &tls.Config{RootCAs: nil, MinVersion: tls.VersionTLS12} },
		wantNot: []error{notify.ErrTemporary, notify.ErrUndeliverable},
	}, {
		name:    "UntrustedCertificateImplicit",
		server:  serverOptions{implicit: true},
		config:  func(c *smtp.Config) { c.TLS, c.TLSConfig = smtp.TLSImplicit, nil },
		wantNot: []error{notify.ErrTemporary, notify.ErrUndeliverable},
	}, {
		name:    "HeaderInjectionTo",
		server:  serverOptions{startTLS: true},
		to:      "a@b.example\r\nBcc: x@y.example",
		want:    smtp.ErrHeader,
		wantNot: []error{notify.ErrTemporary},
	}, {
		name:   "BadAddress",
		server: serverOptions{startTLS: true},
		to:     "not an address",
		want:   smtp.ErrHeader,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, tc.server)
			cfg := config(ts)
			if tc.config != nil {
				tc.config(&cfg)
			}
			s := newSender(t, cfg)
			to := "penny@example.com"
			if tc.to != "" {
				to = tc.to
			}
			err := s.SendEmail(t.Context(), tpl.VerifyEmail(to, "12345678"))
			if tc.wantSent {
				if err != nil {
					t.Fatalf("SendEmail: %v", err)
				}
			} else if err == nil {
				t.Fatal("SendEmail succeeded, want an error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("have %v, want %v", err, tc.want)
			}
			for _, bad := range tc.wantNot {
				if errors.Is(err, bad) {
					t.Errorf("have %v, which should not be %v", err, bad)
				}
			}
			if n := len(ts.Received()); (n == 1) != tc.wantSent {
				t.Errorf("server received %d messages, want sent=%v", n, tc.wantSent)
			}
		})
	}
}

func TestSubjectInjection(t *testing.T) {
	ts := startServer(t, serverOptions{startTLS: true})
	s := newSender(t, config(ts))
	m := tpl.VerifyEmail("penny@example.com", "12345678")
	m.Subject = "Hello\r\nBcc: x@y.example"
	if err := s.SendEmail(t.Context(), m); !errors.Is(err, smtp.ErrHeader) {
		t.Errorf("have %v, want ErrHeader", err)
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.sessions != 0 {
		t.Errorf("a connection was opened for a message that was refused")
	}
}

func TestUnreachableIsTemporary(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := newSender(t, smtp.Config{Host: "127.0.0.1", Port: port, From: "no-reply@council.example"})
	if err := s.SendEmail(t.Context(), tpl.PasswordChanged("penny@example.com")); !errors.Is(err, notify.ErrTemporary) {
		t.Errorf("have %v, want ErrTemporary", err)
	}
}

func TestCancelledContext(t *testing.T) {
	// A server that accepts and never greets: only ctx can end the send.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			defer c.Close()
			_, _ = io.Copy(io.Discard, c)
		}
	}()
	s := newSender(t, smtp.Config{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, From: "no-reply@council.example"})
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- s.SendEmail(ctx, tpl.PasswordChanged("penny@example.com")) }()
	cancel()
	select {
	case err := <-errc:
		if err == nil {
			t.Error("SendEmail succeeded after cancel")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SendEmail did not return after its context was cancelled")
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name    string
		have    smtp.Config
		wantErr bool
	}{
		{"Minimal", smtp.Config{Host: "smtp.example", From: "a@council.example"}, false},
		{"NoHost", smtp.Config{From: "a@council.example"}, true},
		{"BadFrom", smtp.Config{Host: "smtp.example", From: "nobody"}, true},
		{"FromInjection", smtp.Config{Host: "smtp.example", From: "a@council.example\r\nBcc: x@y.example"}, true},
		{"NoneWithoutInsecure", smtp.Config{Host: "smtp.example", From: "a@council.example", TLS: "none"}, true},
		{"NoneInsecure", smtp.Config{Host: "smtp.example", From: "a@council.example", TLS: "none", Insecure: true}, false},
		{"UnknownTLS", smtp.Config{Host: "smtp.example", From: "a@council.example", TLS: "ssl"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := smtp.New(tc.have)
			if (err != nil) != tc.wantErr {
				t.Errorf("have %v, want error %v", err, tc.wantErr)
			}
		})
	}
}
