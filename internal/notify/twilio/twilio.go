package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/carekey/carekey/internal/notify"
)

// DefaultBaseURL is Twilio's REST API.
const DefaultBaseURL = "https://api.twilio.com"

// ErrAuth means Twilio refused the account SID or auth token (HTTP 401).
var ErrAuth = errors.New("twilio: authentication refused")

// Config configures a Client.
type Config struct {
	BaseURL    string // default DefaultBaseURL
	AccountSID string
	AuthToken  string
	From       string // the Twilio number messages and calls come from, E.164
	// WebhookURL is the public URL of carekey's voice webhook, e.g.
	// https://signin.example.gov.uk/webhooks/twilio/voice. Calls gather the
	// key press there and report their status to WebhookURL + "/status".
	WebhookURL string
	HTTPClient *http.Client // default: one with a 30 s timeout
}

// Client talks to Twilio. It is safe for concurrent use.
type Client struct {
	cfg     Config
	webhook *url.URL
}

var (
	_ notify.SMSSender   = (*Client)(nil)
	_ notify.VoiceCaller = (*Client)(nil)
)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	var errs []error
	if cfg.AccountSID == "" {
		errs = append(errs, errors.New("twilio: account SID is required"))
	}
	if cfg.AuthToken == "" {
		errs = append(errs, errors.New("twilio: auth token is required"))
	}
	if cfg.From == "" {
		errs = append(errs, errors.New("twilio: from number is required"))
	}
	u, err := url.Parse(cfg.WebhookURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("twilio: webhook URL %q must be an absolute http(s) URL without query", cfg.WebhookURL))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return &Client{cfg: cfg, webhook: u}, nil
}

// SendSMS sends m.Body to m.To with the Messages API.
func (c *Client) SendSMS(ctx context.Context, m notify.SMS) error {
	form := url.Values{"To": {m.To}, "From": {c.cfg.From}, "Body": {m.Body}}
	if err := c.post(ctx, "Messages.json", form); err != nil {
		return fmt.Errorf("send %s SMS to %s: %w", m.Template, notify.MaskPhone(m.To), err)
	}
	return nil
}

// PlaceCall rings call.To with the Calls API. The call says call.Say in
// call.Lang's voice (see GatherTwiMLIn) and waits for one key; Twilio
// reports the key to the webhook with ?ref=call.Reference, and the final
// call status to the webhook's /status.
func (c *Client) PlaceCall(ctx context.Context, call notify.Call) error {
	twiml, err := GatherTwiMLIn(call.Lang, c.webhookURL("", call.Reference), call.Say)
	if err != nil {
		return err
	}
	form := url.Values{
		"To":                   {call.To},
		"From":                 {c.cfg.From},
		"Twiml":                {twiml},
		"StatusCallback":       {c.webhookURL("/status", call.Reference)},
		"StatusCallbackMethod": {http.MethodPost},
	}
	if err := c.post(ctx, "Calls.json", form); err != nil {
		return fmt.Errorf("place call to %s: %w", notify.MaskPhone(call.To), err)
	}
	return nil
}

// webhookURL returns WebhookURL + suffix + "?ref=" + ref.
func (c *Client) webhookURL(suffix, ref string) string {
	u := *c.webhook
	u.Path += suffix
	u.RawPath = ""
	u.RawQuery = url.Values{"ref": {ref}}.Encode()
	return u.String()
}

// APIError is Twilio's error response:
// {"code": 21211, "message": "…", "more_info": "…", "status": 400}.
type APIError struct {
	Status   int    `json:"status"`
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
}

func (e *APIError) Error() string {
	return "twilio api: status " + strconv.Itoa(e.Status) + ", code " + strconv.Itoa(e.Code) + ": " + e.Message
}

// undeliverable lists Twilio error codes that refuse the recipient, not our
// request (https://www.twilio.com/docs/api/errors).
var undeliverable = map[int]bool{
	21211: true, // invalid 'To' phone number
	21214: true, // 'To' phone number cannot be reached
	21215: true, // geographic permission to call this number not enabled
	21216: true, // call blocked by Twilio blocklist
	21217: true, // phone number does not appear to be valid
	21401: true, // invalid phone number
	21407: true, // this phone number type does not support SMS or MMS
	21408: true, // permission to send an SMS has not been enabled for the region
	21610: true, // attempt to send to unsubscribed recipient
	21612: true, // the 'To' phone number is not currently reachable via SMS
	21614: true, // 'To' number is not a valid mobile number
	21635: true, // 'To' number cannot be a landline
}

// post sends form to the account's resource and turns an error response into
// an error wrapping *APIError and the matching sentinel.
func (c *Client) post(ctx context.Context, resource string, form url.Values) error {
	endpoint := c.cfg.BaseURL + "/2010-04-01/Accounts/" + url.PathEscape(c.cfg.AccountSID) + "/" + resource
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "carekey")
	req.SetBasicAuth(c.cfg.AccountSID, c.cfg.AuthToken)
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("post %s: %w: %w", resource, notify.ErrTemporary, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("read response: %w: %w", notify.ErrTemporary, err)
	}
	if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
		return nil
	}
	apiErr := &APIError{}
	_ = json.Unmarshal(body, apiErr) // a body that is not JSON still has a status
	apiErr.Status = resp.StatusCode
	switch {
	case undeliverable[apiErr.Code]:
		return fmt.Errorf("%w: %w", notify.ErrUndeliverable, apiErr)
	case resp.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("%w: %w", ErrAuth, apiErr)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("%w: %w", notify.ErrTemporary, apiErr)
	default:
		return apiErr
	}
}
