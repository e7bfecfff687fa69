package smtp

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	netsmtp "net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/notify"
)

// TLS modes.
const (
	TLSStartTLS = "starttls" // plain connection upgraded by STARTTLS (default)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no TLS at all: only with Insecure, for tests and dev
)

// ErrNoSTARTTLS means the server did not offer STARTTLS and Insecure is not
// set, so nothing was sent.
var ErrNoSTARTTLS = errors.New("smtp: server does not offer STARTTLS")

// ErrHeader means a header value (To, Subject, From) holds CR, LF, NUL or
// invalid UTF-8, or an address does not parse.
var ErrHeader = errors.New("smtp: invalid header value")

// Config says how to reach the relay.
type Config struct {
	Host     string
	Port     int // default 587, or 465 with TLS "tls"
	Username string
	Password string
	// From is the sender, e.g. "Children's Services Portal <no-reply@example.gov.uk>".
	From string
	// TLS is "starttls" (default), "tls" or "none".
	TLS string
	// Insecure allows sending without TLS: when the server does not offer
	// STARTTLS, or with TLS "none". Tests and dev only.
	Insecure bool
	// TLSConfig, when set, is used for the TLS handshake (tests set RootCAs).
	// ServerName defaults to Host.
	TLSConfig *tls.Config
	// Timeout bounds one whole send, unless ctx has an earlier deadline.
	// Default 30s.
	Timeout time.Duration
	// HelloName is the name sent in EHLO. Default "localhost".
	HelloName string
	// Clock stamps the Date header. Default clock.System().
	Clock clock.Clock
}

// Sender sends emails over SMTP. It is safe for concurrent use: each send
// opens its own connection.
type Sender struct {
	cfg  Config
	from *mail.Address
}

var _ notify.EmailSender = (*Sender)(nil)

// New checks cfg, fills its defaults and returns a Sender.
func New(cfg Config) (*Sender, error) {
	if cfg.Host == "" {
		return nil, errors.New("smtp: host is required")
	}
	switch cfg.TLS {
	case "":
		cfg.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit:
	case TLSNone:
		if !cfg.Insecure {
			return nil, errors.New(`smtp: tls "none" requires insecure`)
		}
	default:
		return nil, fmt.Errorf("smtp: unknown tls mode %q", cfg.TLS)
	}
	if cfg.Port == 0 {
		cfg.Port = 587
		if cfg.TLS == TLSImplicit {
			cfg.Port = 465
		}
	}
	if err := checkHeaderValue(cfg.From); err != nil {
		return nil, fmt.Errorf("smtp: from: %w", err)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("smtp: parse from %q: %w", cfg.From, err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System()
	}
	return &Sender{cfg: cfg, from: from}, nil
}

// SendEmail sends m as one multipart/alternative message to m.To.
func (s *Sender) SendEmail(ctx context.Context, m notify.Email) error {
	msg, to, err := s.build(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.send(ctx, to, msg); err != nil {
		return fmt.Errorf("send %s email to %s: %w", m.Template, notify.MaskEmail(to), err)
	}
	return nil
}

// build returns the whole message and the bare recipient address.
func (s *Sender) build(m notify.Email) ([]byte, string, error) {
	var msg bytes.Buffer
	to, err := writeHeader(&msg, header{
		From:      s.from,
		To:        m.To,
		Subject:   m.Subject,
		Date:      s.cfg.Clock.Now(),
		MessageID: messageID(s.from.Address),
	})
	if err != nil {
		return nil, "", err
	}
	// Content-Language (RFC 3282) tells mail readers, screen readers
	// among them, the language of the words.
	if isLangTag(string(m.Lang)) {
		fmt.Fprintf(&msg, "Content-Language: %s\r\n", m.Lang)
	}
	mw := multipart.NewWriter(&msg)
	fmt.Fprintf(&msg, "Content-Type: multipart/alternative; boundary=%q\r\n\r\n", mw.Boundary())
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, "", fmt.Errorf("smtp: create %s part: %w", part.typ, err)
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(crlf(part.body))); err != nil {
			return nil, "", fmt.Errorf("smtp: encode %s part: %w", part.typ, err)
		}
		if err := qp.Close(); err != nil {
			return nil, "", fmt.Errorf("smtp: encode %s part: %w", part.typ, err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", fmt.Errorf("smtp: close multipart: %w", err)
	}
	return msg.Bytes(), to, nil
}

// isLangTag reports whether s looks like a BCP 47 tag ("cy", "en-GB"):
// letters, digits and hyphens only, so that it cannot break the header.
func isLangTag(s string) bool {
	if s == "" || len(s) > 35 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// crlf makes every line ending CRLF, as SMTP wants.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// header is what writeHeader puts at the top of a message.
type header struct {
	From      *mail.Address
	To        string
	Subject   string
	Date      time.Time
	MessageID string
}

// writeHeader writes the message header, up to but not including the
// Content-Type line, and returns the bare recipient address. It refuses
// values that could start a new header line.
func writeHeader(w *bytes.Buffer, h header) (string, error) {
	if err := checkHeaderValue(h.To); err != nil {
		return "", fmt.Errorf("to: %w", err)
	}
	if err := checkHeaderValue(h.Subject); err != nil {
		return "", fmt.Errorf("subject: %w", err)
	}
	to, err := mail.ParseAddress(h.To)
	if err != nil {
		return "", fmt.Errorf("to: %w: %w", ErrHeader, err)
	}
	// The parsed address can be written back only if it stayed on one line.
	if err := checkHeaderValue(to.Address); err != nil {
		return "", fmt.Errorf("to: %w", err)
	}
	fmt.Fprintf(w, "From: %s\r\n", h.From.String())
	fmt.Fprintf(w, "To: %s\r\n", to.String())
	// Mail readers drop whitespace at either end of a field anyway.
	fmt.Fprintf(w, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", strings.TrimSpace(h.Subject)))
	fmt.Fprintf(w, "Date: %s\r\n", h.Date.Format(time.RFC1123Z))
	fmt.Fprintf(w, "Message-ID: %s\r\n", h.MessageID)
	w.WriteString("MIME-Version: 1.0\r\n")
	return to.Address, nil
}

// checkHeaderValue refuses CR, LF, NUL and invalid UTF-8.
func checkHeaderValue(v string) error {
	if strings.ContainsAny(v, "\r\n\x00") {
		return fmt.Errorf("%w: line break or NUL", ErrHeader)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%w: invalid UTF-8", ErrHeader)
	}
	return nil
}

// messageID returns a random Message-ID at the sender's domain.
func messageID(from string) string {
	domain := "carekey.invalid"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return "<" + hex.EncodeToString(b) + "@" + domain + ">"
}

// send runs one SMTP transaction. net/smtp knows no context, so ctx's
// deadline becomes the connection's and its cancellation cuts the
// connection.
func (s *Sender) send(ctx context.Context, to string, msg []byte) error {
	conn, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := netsmtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return classify("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(s.cfg.HelloName); err != nil {
		return classify("ehlo", err)
	}
	if s.cfg.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fmt.Errorf("starttls: %w", err)
			}
		} else if !s.cfg.Insecure {
			return ErrNoSTARTTLS
		}
	}
	if s.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("smtp: server does not offer AUTH")
		}
		// PlainAuth refuses to send the password over a connection without
		// TLS, except to localhost.
		if err := c.Auth(netsmtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return classify("mail from", err)
	}
	if err := c.Rcpt(to); err != nil {
		var tp *textproto.Error
		if errors.As(err, &tp) && tp.Code >= 500 {
			return fmt.Errorf("rcpt to: %w: %w", notify.ErrUndeliverable, err)
		}
		return classify("rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return classify("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return classify("data", err)
	}
	if err := w.Close(); err != nil {
		return classify("data", err)
	}
	// The message was accepted at the end of DATA; a failed QUIT does not
	// unsend it.
	_ = c.Quit()
	return nil
}

func (s *Sender) dial(ctx context.Context) (net.Conn, error) {
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	var d interface {
		DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	} = &net.Dialer{}
	if s.cfg.TLS == TLSImplicit {
		d = &tls.Dialer{Config: s.tlsConfig()}
	}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		var certErr *tls.CertificateVerificationError
		if errors.As(err, &certErr) {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		return nil, fmt.Errorf("dial %s: %w: %w", addr, notify.ErrTemporary, err)
	}
	return conn, nil
}

func (s *Sender) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLSConfig != nil {
		cfg = s.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.cfg.Host
	}
	return cfg
}

// classify marks 4xx replies and network failures as temporary.
func classify(step string, err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		if tp.Code >= 400 && tp.Code < 500 {
			return fmt.Errorf("%s: %w: %w", step, notify.ErrTemporary, err)
		}
		return fmt.Errorf("%s: %w", step, err)
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w: %w", step, notify.ErrTemporary, err)
	}
	return fmt.Errorf("%s: %w", step, err)
}
