package govuknotify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/pkg/text"
)

// DefaultBaseURL is GOV.UK Notify's API.
const DefaultBaseURL = "https://api.notifications.service.gov.uk"

// ErrAuth means Notify refused the API key or the token (HTTP 403): a wrong
// key, a revoked key, or a clock more than 30 seconds out.
var ErrAuth = errors.New("govuknotify: authentication refused")

// ErrNoTemplate means no Notify template is configured for the message's
// kind. Nothing was sent.
var ErrNoTemplate = errors.New("govuknotify: no template for message")

// Config configures a Client.
type Config struct {
	BaseURL string // default DefaultBaseURL
	// APIKey is "{key_name}-{service_id}-{secret_key}".
	APIKey string
	// EmailTemplates maps notify.Email.Template to a Notify template ID.
	// A kind's Welsh template, if any, is under the kind followed by ".cy"
	// ("verify_email.cy"): a message in Welsh is sent with it, or with the
	// English template if there is none.
	EmailTemplates map[string]string
	// SMSTemplates maps notify.SMS.Template to a Notify template ID, and
	// the kind followed by ".cy" to its Welsh template, as EmailTemplates.
	SMSTemplates map[string]string
	HTTPClient   *http.Client // default: one with a 30 s timeout
	Clock        clock.Clock  // stamps the token's iat; default clock.System()
}

// Client sends through GOV.UK Notify. It is safe for concurrent use.
type Client struct {
	cfg       Config
	serviceID string
	secret    []byte
}

var (
	_ notify.EmailSender = (*Client)(nil)
	_ notify.SMSSender   = (*Client)(nil)
)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	serviceID, secret, err := ParseAPIKey(cfg.APIKey)
	if err != nil {
		return nil, err
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System()
	}
	return &Client{cfg: cfg, serviceID: serviceID, secret: []byte(secret)}, nil
}

// ParseAPIKey splits a Notify API key "{key_name}-{service_id}-{secret_key}"
// into the service ID and the secret key.
func ParseAPIKey(key string) (serviceID, secret string, err error) {
	const uuidLen = 36
	if len(key) < 2*uuidLen+2 || key[len(key)-uuidLen-1] != '-' {
		return "", "", errors.New("govuknotify: API key is not {key_name}-{service_id}-{secret_key}")
	}
	secret = key[len(key)-uuidLen:]
	serviceID = key[len(key)-2*uuidLen-1 : len(key)-uuidLen-1]
	if !isUUID(secret) || !isUUID(serviceID) {
		return "", "", errors.New("govuknotify: API key does not end in two UUIDs")
	}
	return serviceID, secret, nil
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// WelshKey is the key of kind's Welsh template in Config.EmailTemplates
// and Config.SMSTemplates: "verify_email" → "verify_email.cy".
func WelshKey(kind string) string { return kind + "." + string(text.Welsh) }

// template returns the ID of the template of kind in l from templates, and
// the personalisation to send with it: a Welsh message without a Welsh
// template is sent with the English one, its personalisation in English.
func template(templates map[string]string, kind string, l text.Lang, params map[string]string) (string, map[string]string, bool) {
	if l == text.Welsh {
		if id := templates[WelshKey(kind)]; id != "" {
			return id, personalisation(params), true
		}
	}
	id, ok := templates[kind]
	if !ok {
		return "", nil, false
	}
	if l == text.Welsh {
		params = englishParams(params)
	}
	return id, personalisation(params), true
}

// englishParams returns params with the words notify.Templates puts in the
// personalisation in Welsh (only the council's name when none is
// configured: "y cyngor") put back in English, for an English template.
func englishParams(params map[string]string) map[string]string {
	unnamed := text.ID("notify.council.unnamed")
	if params["council_name"] != text.Welsh.Get(unnamed) {
		return params
	}
	p := make(map[string]string, len(params))
	for k, v := range params {
		p[k] = v
	}
	p["council_name"] = text.English.Get(unnamed)
	return p
}

// SendEmail sends m with the Notify template configured for m.Template in
// m.Lang (see Config.EmailTemplates). m.Subject, m.Text and m.HTML are not
// sent: the template words the email.
func (c *Client) SendEmail(ctx context.Context, m notify.Email) error {
	id, params, ok := template(c.cfg.EmailTemplates, m.Template, m.Lang, m.Params)
	if !ok {
		return fmt.Errorf("send %s email: %w", m.Template, ErrNoTemplate)
	}
	body := struct {
		EmailAddress    string            `json:"email_address"`
		TemplateID      string            `json:"template_id"`
		Personalisation map[string]string `json:"personalisation"`
		Reference       string            `json:"reference,omitempty"`
	}{m.To, id, params, m.Template}
	if err := c.post(ctx, "/v2/notifications/email", body); err != nil {
		return fmt.Errorf("send %s email to %s: %w", m.Template, notify.MaskEmail(m.To), err)
	}
	return nil
}

// SendSMS sends m with the Notify template configured for m.Template in
// m.Lang (see Config.SMSTemplates). m.Body is not sent: the template words
// the message.
func (c *Client) SendSMS(ctx context.Context, m notify.SMS) error {
	id, params, ok := template(c.cfg.SMSTemplates, m.Template, m.Lang, m.Params)
	if !ok {
		return fmt.Errorf("send %s SMS: %w", m.Template, ErrNoTemplate)
	}
	body := struct {
		PhoneNumber     string            `json:"phone_number"`
		TemplateID      string            `json:"template_id"`
		Personalisation map[string]string `json:"personalisation"`
		Reference       string            `json:"reference,omitempty"`
	}{m.To, id, params, m.Template}
	if err := c.post(ctx, "/v2/notifications/sms", body); err != nil {
		return fmt.Errorf("send %s SMS to %s: %w", m.Template, notify.MaskPhone(m.To), err)
	}
	return nil
}

// personalisation never returns nil, so the JSON holds {} rather than null.
func personalisation(p map[string]string) map[string]string {
	if p == nil {
		return map[string]string{}
	}
	return p
}

// APIError is an error response from Notify:
// {"status_code": 400, "errors": [{"error": "ValidationError", "message": "…"}]}.
type APIError struct {
	StatusCode int `json:"status_code"`
	Errors     []struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("notify api: status " + strconv.Itoa(e.StatusCode))
	for _, x := range e.Errors {
		b.WriteString("; " + x.Error + ": " + x.Message)
	}
	return b.String()
}

// post sends body as JSON to path and turns an error response into an
// error wrapping *APIError and the matching sentinel.
func (c *Client) post(ctx context.Context, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+path, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token())
	req.Header.Set("User-Agent", "carekey")
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("post %s: %w: %w", path, notify.ErrTemporary, err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("read response: %w: %w", notify.ErrTemporary, err)
	}
	if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
		return nil
	}
	apiErr := &APIError{StatusCode: resp.StatusCode}
	_ = json.Unmarshal(respBody, apiErr) // a body that is not JSON still has a status
	apiErr.StatusCode = resp.StatusCode
	switch {
	case resp.StatusCode == http.StatusBadRequest && apiErr.aboutRecipient():
		return fmt.Errorf("%w: %w", notify.ErrUndeliverable, apiErr)
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%w: %w", ErrAuth, apiErr)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("%w: %w", notify.ErrTemporary, apiErr)
	default:
		return apiErr
	}
}

// aboutRecipient reports whether a 400 response refuses the recipient
// rather than our request: Notify's messages then name the email_address or
// phone_number field, or say it "Can't send to this recipient".
func (e *APIError) aboutRecipient() bool {
	for _, x := range e.Errors {
		msg := strings.ToLower(x.Message)
		for _, s := range []string{"email_address", "phone_number", "can't send to this recipient",
			"not a valid email address", "not a valid phone number", "not a uk mobile number"} {
			if strings.Contains(msg, s) {
				return true
			}
		}
	}
	return false
}

// token returns a JWT for one request: HS256, {"iss": service ID, "iat": now}.
func (c *Client) token() string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"HS256"}`))
	claims, _ := json.Marshal(struct {
		Iss string `json:"iss"`
		Iat int64  `json:"iat"`
	}{c.serviceID, c.cfg.Clock.Now().Unix()})
	input := header + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, c.secret)
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}
