package govuknotify_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/notify/govuknotify"
	"github.com/carekey/carekey/pkg/text"
)

const (
	serviceID = "26785a09-ab16-4eb0-8407-a37497a57506"
	secretKey = "3d844edf-8d35-48ac-975b-e847b4f122b0"
	apiKey    = "carekey_test-" + serviceID + "-" + secretKey

	emailTemplateID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
	smsTemplateID   = "a0a1b2c3-d4e5-4f60-8172-8394a5b6c7d8"
)

var (
	tpl = notify.Templates{ServiceName: "Children's Services Portal", CouncilName: "Norfolk County Council"}
	now = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
)

// fakeNotify follows Notify's API: it checks each request as Notify would
// (path, JWT, JSON body) and answers 201, or what the test tells it to.
type fakeNotify struct {
	t   *testing.T
	clk *clocktest.Clock

	mu       sync.Mutex
	requests []request
	status   int    // answer with this instead of 201 when set
	respBody string // and this body
}

type request struct {
	Path string
	Body map[string]any
}

func startNotify(t *testing.T, clk *clocktest.Clock) (*fakeNotify, *httptest.Server) {
	f := &fakeNotify{t: t, clk: clk}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeNotify) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || (r.URL.Path != "/v2/notifications/email" && r.URL.Path != "/v2/notifications/sms") {
		f.t.Errorf("have %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		f.t.Errorf("have Content-Type %q", ct)
	}
	if err := f.checkToken(r.Header.Get("Authorization")); err != nil {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"status_code":403,"errors":[{"error":"AuthError","message":"Invalid token: `+err.Error()+`"}]}`)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("decode body: %v", err)
	}
	f.mu.Lock()
	f.requests = append(f.requests, request{r.URL.Path, body})
	status, respBody := f.status, f.respBody
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if status != 0 {
		w.WriteHeader(status)
		io.WriteString(w, respBody)
		return
	}
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, `{"id":"740e5834-3a29-46b4-9a6f-16142fde533a","reference":null,"content":{},"uri":"`+r.URL.Path+`","template":{}}`)
}

// checkToken checks the bearer JWT as Notify documents: HS256 with the
// secret key, header {"typ":"JWT","alg":"HS256"}, iss the service ID, iat
// within 30 seconds of the time.
func (f *fakeNotify) checkToken(auth string) error {
	raw, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		return errors.New("no bearer token")
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.HS256})
	if err != nil {
		return err
	}
	hdr, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		return err
	}
	var h map[string]string
	if err := json.Unmarshal(hdr, &h); err != nil || len(h) != 2 || h["typ"] != "JWT" || h["alg"] != "HS256" {
		return errors.New("bad header " + string(hdr))
	}
	var claims struct {
		Iss string `json:"iss"`
		Iat int64  `json:"iat"`
	}
	if err := tok.Claims([]byte(secretKey), &claims); err != nil {
		return err
	}
	if claims.Iss != serviceID {
		return errors.New("iss is not the service ID")
	}
	if d := f.clk.Now().Sub(time.Unix(claims.Iat, 0)); d < -30*time.Second || d > 30*time.Second {
		return errors.New("system clock must be accurate to within 30 seconds")
	}
	return nil
}

func (f *fakeNotify) Requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.requests...)
}

func newClient(t *testing.T, srv *httptest.Server, clk *clocktest.Clock, key string) *govuknotify.Client {
	t.Helper()
	c, err := govuknotify.New(govuknotify.Config{
		BaseURL:        srv.URL,
		APIKey:         key,
		EmailTemplates: map[string]string{notify.TemplateVerifyEmail: emailTemplateID},
		SMSTemplates:   map[string]string{notify.TemplateSignInCode: smsTemplateID},
		HTTPClient:     srv.Client(),
		Clock:          clk,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestSendEmail(t *testing.T) {
	clk := clocktest.New(now)
	f, srv := startNotify(t, clk)
	c := newClient(t, srv, clk, apiKey)
	if err := c.SendEmail(t.Context(), tpl.VerifyEmail("penny@example.com", "12345678")); err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	want := map[string]any{
		"email_address": "penny@example.com",
		"template_id":   emailTemplateID,
		"personalisation": map[string]any{
			"code": "12345678", "service_name": "Children's Services Portal", "council_name": "Norfolk County Council",
		},
		"reference": "verify_email",
	}
	checkRequests(t, f.Requests(), "/v2/notifications/email", want)
}

func TestSendSMS(t *testing.T) {
	clk := clocktest.New(now)
	f, srv := startNotify(t, clk)
	c := newClient(t, srv, clk, apiKey)
	if err := c.SendSMS(t.Context(), tpl.SignInCodeSMS("+447700900047", "123456")); err != nil {
		t.Fatalf("SendSMS: %v", err)
	}
	want := map[string]any{
		"phone_number":    "+447700900047",
		"template_id":     smsTemplateID,
		"personalisation": map[string]any{"code": "123456", "service_name": "Children's Services Portal"},
		"reference":       "sign_in_code",
	}
	checkRequests(t, f.Requests(), "/v2/notifications/sms", want)
}

func checkRequests(t *testing.T, have []request, path string, want map[string]any) {
	t.Helper()
	if len(have) != 1 || have[0].Path != path {
		t.Fatalf("have requests %+v, want one to %s", have, path)
	}
	hb, _ := json.Marshal(have[0].Body)
	wb, _ := json.Marshal(want)
	if string(hb) != string(wb) {
		t.Errorf("have body %s\nwant      %s", hb, wb)
	}
}

func TestNilParamsSendsEmptyObject(t *testing.T) {
	clk := clocktest.New(now)
	f, srv := startNotify(t, clk)
	c := newClient(t, srv, clk, apiKey)
	if err := c.SendSMS(t.Context(), notify.SMS{To: "+447700900047", Template: notify.TemplateSignInCode}); err != nil {
		t.Fatalf("SendSMS: %v", err)
	}
	if p, ok := f.Requests()[0].Body["personalisation"].(map[string]any); !ok || len(p) != 0 {
		t.Errorf("have personalisation %#v, want {}", f.Requests()[0].Body["personalisation"])
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		key     string
		skew    time.Duration // the client's clock is this far from Notify's
		sms     bool
		want    error
		wantNot []error
	}{{
		name:   "InvalidEmail",
		status: 400, body: `{"status_code":400,"errors":[{"error":"ValidationError","message":"email_address Not a valid email address"}]}`,
		want: notify.ErrUndeliverable, wantNot: []error{notify.ErrTemporary},
	}, {
		name:   "InvalidPhone",
		status: 400, body: `{"status_code":400,"errors":[{"error":"ValidationError","message":"phone_number Not a UK mobile number"}]}`,
		sms:  true,
		want: notify.ErrUndeliverable, wantNot: []error{notify.ErrTemporary},
	}, {
		name:   "TeamOnlyKey",
		status: 400, body: `{"status_code":400,"errors":[{"error":"BadRequestError","message":"Can't send to this recipient using a team-only API key"}]}`,
		want: notify.ErrUndeliverable,
	}, {
		name:   "TemplateNotFound",
		status: 400, body: `{"status_code":400,"errors":[{"error":"BadRequestError","message":"Template not found"}]}`,
		wantNot: []error{notify.ErrUndeliverable, notify.ErrTemporary, govuknotify.ErrAuth},
	}, {
		name: "WrongSecret",
		key:  "carekey_test-" + serviceID + "-00000000-0000-4000-8000-000000000000",
		want: govuknotify.ErrAuth, wantNot: []error{notify.ErrTemporary, notify.ErrUndeliverable},
	}, {
		name: "WrongService",
		key:  "carekey_test-00000000-0000-4000-8000-000000000000-" + secretKey,
		want: govuknotify.ErrAuth,
	}, {
		name: "ClockSkew",
		skew: 31 * time.Second,
		want: govuknotify.ErrAuth,
	}, {
		name:   "RateLimited",
		status: 429, body: `{"status_code":429,"errors":[{"error":"RateLimitError","message":"Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"}]}`,
		want: notify.ErrTemporary, wantNot: []error{notify.ErrUndeliverable},
	}, {
		name:   "ServerError",
		status: 500, body: `{"status_code":500,"errors":[{"error":"Exception","message":"Internal server error"}]}`,
		want: notify.ErrTemporary,
	}, {
		name:   "NotJSON",
		status: 502, body: `<html>Bad gateway</html>`,
		want: notify.ErrTemporary,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			notifyClock := clocktest.New(now)
			f, srv := startNotify(t, notifyClock)
			f.status, f.respBody = tc.status, tc.body
			key := apiKey
			if tc.key != "" {
				key = tc.key
			}
			c := newClient(t, srv, clocktest.New(now.Add(tc.skew)), key)
			var err error
			if tc.sms {
				err = c.SendSMS(t.Context(), tpl.SignInCodeSMS("+447700900047", "123456"))
			} else {
				err = c.SendEmail(t.Context(), tpl.VerifyEmail("penny@example.com", "12345678"))
			}
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("have %v, want %v", err, tc.want)
			}
			for _, bad := range tc.wantNot {
				if errors.Is(err, bad) {
					t.Errorf("have %v, which should not be %v", err, bad)
				}
			}
			var apiErr *govuknotify.APIError
			if !errors.As(err, &apiErr) {
				t.Errorf("have %v, want an *APIError", err)
			}
			if strings.Contains(err.Error(), "12345678") || strings.Contains(err.Error(), "penny@") {
				t.Errorf("error leaks the code or the address: %v", err)
			}
		})
	}
}

func TestUnreachableIsTemporary(t *testing.T) {
	clk := clocktest.New(now)
	_, srv := startNotify(t, clk)
	c := newClient(t, srv, clk, apiKey)
	srv.Close()
	err := c.SendEmail(t.Context(), tpl.VerifyEmail("penny@example.com", "12345678"))
	if !errors.Is(err, notify.ErrTemporary) {
		t.Errorf("have %v, want ErrTemporary", err)
	}
}

func TestNoTemplate(t *testing.T) {
	clk := clocktest.New(now)
	f, srv := startNotify(t, clk)
	c := newClient(t, srv, clk, apiKey)
	err := c.SendEmail(t.Context(), tpl.PasswordChanged("penny@example.com"))
	if !errors.Is(err, govuknotify.ErrNoTemplate) {
		t.Errorf("have %v, want ErrNoTemplate", err)
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("sent %d requests, want 0", n)
	}
}

func TestParseAPIKey(t *testing.T) {
	for _, tc := range []struct {
		name        string
		have        string
		wantService string
		wantSecret  string
		wantErr     bool
	}{
		{"Valid", apiKey, serviceID, secretKey, false},
		{"HyphenatedName", "my-key-name-" + serviceID + "-" + secretKey, serviceID, secretKey, false},
		{"Empty", "", "", "", true},
		{"NoName", serviceID + "-" + secretKey, "", "", true},
		{"Truncated", apiKey[:len(apiKey)-1], "", "", true},
		{"NotUUIDs", "name-" + strings.Repeat("x", 36) + "-" + strings.Repeat("y", 36), "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			service, secret, err := govuknotify.ParseAPIKey(tc.have)
			if (err != nil) != tc.wantErr || service != tc.wantService || secret != tc.wantSecret {
				t.Errorf("have %q %q %v, want %q %q error=%v", service, secret, err, tc.wantService, tc.wantSecret, tc.wantErr)
			}
		})
	}
}

// A message in Welsh goes with the kind's Welsh template when one is
// configured, else with the English one; English messages never take the
// Welsh template.
func TestWelshTemplate(t *testing.T) {
	const cyEmailID, cySMSID = "0c6b2f5e-1111-4a2b-9c3d-4e5f60718293", "9d8c7b6a-2222-4f3e-8d2c-1b0a99887766"
	unnamed := notify.Templates{ServiceName: "Porth"}
	for _, tc := range []struct {
		name     string
		welsh    bool // whether the Welsh templates are configured
		send     func(*govuknotify.Client) error
		path     string
		wantID   string
		wantPers map[string]any
	}{{
		name: "Welsh email, Welsh template", welsh: true,
		send: func(c *govuknotify.Client) error {
			return c.SendEmail(t.Context(), tpl.In(text.Welsh).VerifyEmail("penny@example.com", "12345678"))
		},
		path: "/v2/notifications/email", wantID: cyEmailID,
		wantPers: map[string]any{"code": "12345678", "service_name": "Children's Services Portal", "council_name": "Norfolk County Council"},
	}, {
		name: "English email, Welsh template configured", welsh: true,
		send: func(c *govuknotify.Client) error {
			return c.SendEmail(t.Context(), tpl.VerifyEmail("penny@example.com", "12345678"))
		},
		path: "/v2/notifications/email", wantID: emailTemplateID,
		wantPers: map[string]any{"code": "12345678", "service_name": "Children's Services Portal", "council_name": "Norfolk County Council"},
	}, {
		name: "Welsh email, no Welsh template",
		send: func(c *govuknotify.Client) error {
			return c.SendEmail(t.Context(), tpl.In(text.Welsh).VerifyEmail("penny@example.com", "12345678"))
		},
		path: "/v2/notifications/email", wantID: emailTemplateID,
		wantPers: map[string]any{"code": "12345678", "service_name": "Children's Services Portal", "council_name": "Norfolk County Council"},
	}, {
		name: "Welsh email without a council name, Welsh template", welsh: true,
		send: func(c *govuknotify.Client) error {
			return c.SendEmail(t.Context(), unnamed.In(text.Welsh).VerifyEmail("penny@example.com", "12345678"))
		},
		path: "/v2/notifications/email", wantID: cyEmailID,
		wantPers: map[string]any{"code": "12345678", "service_name": "Porth", "council_name": "y cyngor"},
	}, {
		name: "Welsh email without a council name, English template",
		send: func(c *govuknotify.Client) error {
			return c.SendEmail(t.Context(), unnamed.In(text.Welsh).VerifyEmail("penny@example.com", "12345678"))
		},
		path: "/v2/notifications/email", wantID: emailTemplateID,
		wantPers: map[string]any{"code": "12345678", "service_name": "Porth", "council_name": "the council"},
	}, {
		name: "Welsh SMS, Welsh template", welsh: true,
		send: func(c *govuknotify.Client) error {
			return c.SendSMS(t.Context(), tpl.In(text.Welsh).SignInCodeSMS("+447700900047", "123456"))
		},
		path: "/v2/notifications/sms", wantID: cySMSID,
		wantPers: map[string]any{"code": "123456", "service_name": "Children's Services Portal"},
	}, {
		name: "Welsh SMS, no Welsh template",
		send: func(c *govuknotify.Client) error {
			return c.SendSMS(t.Context(), tpl.In(text.Welsh).SignInCodeSMS("+447700900047", "123456"))
		},
		path: "/v2/notifications/sms", wantID: smsTemplateID,
		wantPers: map[string]any{"code": "123456", "service_name": "Children's Services Portal"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktest.New(now)
			f, srv := startNotify(t, clk)
			cfg := govuknotify.Config{
				BaseURL:        srv.URL,
				APIKey:         apiKey,
				EmailTemplates: map[string]string{notify.TemplateVerifyEmail: emailTemplateID},
				SMSTemplates:   map[string]string{notify.TemplateSignInCode: smsTemplateID},
				HTTPClient:     srv.Client(),
				Clock:          clk,
			}
			if tc.welsh {
				cfg.EmailTemplates[govuknotify.WelshKey(notify.TemplateVerifyEmail)] = cyEmailID
				cfg.SMSTemplates["sign_in_code.cy"] = cySMSID
			}
			c, err := govuknotify.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.send(c); err != nil {
				t.Fatalf("send: %v", err)
			}
			reqs := f.Requests()
			if len(reqs) != 1 || reqs[0].Path != tc.path {
				t.Fatalf("have %+v", reqs)
			}
			if id := reqs[0].Body["template_id"]; id != tc.wantID {
				t.Errorf("template_id %v, want %s", id, tc.wantID)
			}
			hb, _ := json.Marshal(reqs[0].Body["personalisation"])
			wb, _ := json.Marshal(tc.wantPers)
			if string(hb) != string(wb) {
				t.Errorf("personalisation %s, want %s", hb, wb)
			}
		})
	}
}
