package httpsms

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/carekey/carekey/internal/notify"
)

// DefaultTimeout bounds one request when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// ErrAuth means the gateway refused the secret (HTTP 401 or 403).
var ErrAuth = errors.New("httpsms: authentication refused")

// Config configures a Client.
type Config struct {
	// URL is where messages are posted: https, or http to a loopback
	// address.
	URL string
	// Secret is sent as "Authorization: Bearer <Secret>".
	Secret string
	// Timeout bounds each request (default DefaultTimeout).
	Timeout time.Duration
	// HTTPClient sends the requests (default: one with Timeout).
	HTTPClient *http.Client
}

// Client posts text messages to the gateway. It is safe for concurrent use.
type Client struct {
	url    string
	secret string
	http   *http.Client
}

var _ notify.SMSSender = (*Client)(nil)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if err := CheckURL(cfg.URL); err != nil {
		return nil, err
	}
	if cfg.Secret == "" {
		return nil, errors.New("httpsms: no secret")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.Timeout}
	}
	return &Client{url: cfg.URL, secret: cfg.Secret, http: cfg.HTTPClient}, nil
}

// CheckURL reports whether s is a URL messages may be posted to: absolute,
// without user information or fragment, https or http to a loopback
// address.
func CheckURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return errors.New("httpsms: URL must be absolute, such as https://sms.example.gov.uk/send")
	case u.User != nil || u.Fragment != "":
		return errors.New("httpsms: URL must not hold user information or a fragment (the secret goes in its own setting)")
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && IsLoopback(u.Hostname()):
		return nil
	default:
		return errors.New("httpsms: URL must be https (plain http only to a loopback address such as 127.0.0.1)")
	}
}

// IsLoopback reports whether host is "localhost" or a loopback IP address.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Message is the JSON body of one request.
type Message struct {
	To        string `json:"to"`
	Body      string `json:"body"`
	Template  string `json:"template,omitempty"`
	Reference string `json:"reference"`
}

// SendSMS posts m to the gateway.
func (c *Client) SendSMS(ctx context.Context, m notify.SMS) error {
	if err := c.post(ctx, Message{To: m.To, Body: m.Body, Template: m.Template, Reference: "sms_" + rand.Text()}); err != nil {
		return fmt.Errorf("send %s SMS to %s: %w", m.Template, notify.MaskPhone(m.To), err)
	}
	return nil
}

// StatusError is a gateway's answer other than 2xx. Body is the start of
// what it said, for the log (never the request, which holds a code).
type StatusError struct {
	StatusCode int
	Body       string
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("sms gateway: status %d", e.StatusCode)
	}
	return fmt.Sprintf("sms gateway: status %d: %s", e.StatusCode, e.Body)
}

func (c *Client) post(ctx context.Context, msg Message) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.secret)
	req.Header.Set("User-Agent", "carekey")
	resp, err := c.http.Do(req)
	if err != nil {
		// The error names the URL, never the body or the header.
		return fmt.Errorf("%w: %w", notify.ErrTemporary, err)
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	se := &StatusError{StatusCode: resp.StatusCode, Body: strings.TrimSpace(strings.ToValidUTF8(string(head), "?"))}
	switch {
	case resp.StatusCode == http.StatusUnprocessableEntity:
		return fmt.Errorf("%w: %w", notify.ErrUndeliverable, se)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w: %w", ErrAuth, se)
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("%w: %w", notify.ErrTemporary, se)
	default:
		return se
	}
}
