package twilio_test

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/notify/twilio"
	"github.com/carekey/carekey/pkg/text"
)

const (
	accountSID = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	authToken  = "0123456789abcdef0123456789abcdef"
	fromNumber = "+441632960000"
	webhookURL = "https://signin.example.gov.uk/webhooks/twilio/voice"
)

var tpl = notify.Templates{ServiceName: "Children's Services Portal", CouncilName: "Norfolk County Council"}

// fakeTwilio follows Twilio's REST API: it checks basic auth, the path and
// the form fields each resource requires, and answers 201 or a given error.
type fakeTwilio struct {
	t *testing.T

	mu       sync.Mutex
	requests []twilioRequest
	status   int
	respBody string
}

type twilioRequest struct {
	Resource string // "Messages.json" or "Calls.json"
	Form     url.Values
}

func startTwilio(t *testing.T) (*fakeTwilio, *httptest.Server) {
	f := &fakeTwilio{t: t}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	user, pass, ok := r.BasicAuth()
	if !ok || user != accountSID || pass != authToken {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`)
		return
	}
	prefix := "/2010-04-01/Accounts/" + accountSID + "/"
	resource, ok := strings.CutPrefix(r.URL.Path, prefix)
	if r.Method != http.MethodPost || !ok || (resource != "Messages.json" && resource != "Calls.json") {
		f.t.Errorf("have %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"code":20404,"message":"The requested resource was not found","status":404}`)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		f.t.Errorf("have Content-Type %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("parse form: %v", err)
	}
	required := []string{"To", "From", "Body"}
	if resource == "Calls.json" {
		required = []string{"To", "From", "Twiml"} // one of Url, Twiml, ApplicationSid
	}
	for _, k := range required {
		if r.PostForm.Get(k) == "" {
			f.t.Errorf("%s without %s: %v", resource, k, r.PostForm)
		}
	}
	f.mu.Lock()
	f.requests = append(f.requests, twilioRequest{resource, r.PostForm})
	status, body := f.status, f.respBody
	f.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		io.WriteString(w, body)
		return
	}
	w.WriteHeader(http.StatusCreated)
	if resource == "Calls.json" {
		io.WriteString(w, `{"sid":"CA0123456789abcdef0123456789abcdef","status":"queued"}`)
	} else {
		io.WriteString(w, `{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"}`)
	}
}

func (f *fakeTwilio) Requests() []twilioRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]twilioRequest(nil), f.requests...)
}

func newClient(t *testing.T, srv *httptest.Server) *twilio.Client {
	t.Helper()
	c, err := twilio.New(twilio.Config{
		BaseURL:    srv.URL,
		AccountSID: accountSID,
		AuthToken:  authToken,
		From:       fromNumber,
		WebhookURL: webhookURL,
		HTTPClient: srv.Client(),
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestSendSMS(t *testing.T) {
	f, srv := startTwilio(t)
	c := newClient(t, srv)
	m := tpl.SignInCodeSMS("+447700900047", "123456")
	if err := c.SendSMS(t.Context(), m); err != nil {
		t.Fatalf("SendSMS: %v", err)
	}
	reqs := f.Requests()
	if len(reqs) != 1 || reqs[0].Resource != "Messages.json" {
		t.Fatalf("have %+v, want one message", reqs)
	}
	want := url.Values{"To": {"+447700900047"}, "From": {fromNumber}, "Body": {m.Body}}
	if have := reqs[0].Form.Encode(); have != want.Encode() {
		t.Errorf("have form %s\nwant      %s", have, want.Encode())
	}
}

// twiml is the TwiML of a sign-in call, as parsed back.
type twiml struct {
	XMLName xml.Name `xml:"Response"`
	Gather  struct {
		NumDigits   *string `xml:"numDigits,attr"`
		FinishOnKey *string `xml:"finishOnKey,attr"`
		Timeout     string  `xml:"timeout,attr"`
		Action      string  `xml:"action,attr"`
		Method      string  `xml:"method,attr"`
		Say         struct {
			Language string `xml:"language,attr"`
			Text     string `xml:",chardata"`
		} `xml:"Say"`
	} `xml:"Gather"`
	Say struct {
		Language string `xml:"language,attr"`
		Text     string `xml:",chardata"`
	} `xml:"Say"`
}

func TestPlaceCall(t *testing.T) {
	f, srv := startTwilio(t)
	c := newClient(t, srv)
	call := tpl.SignInCall("+447700900047", "ref_k5q3")
	if err := c.PlaceCall(t.Context(), call); err != nil {
		t.Fatalf("PlaceCall: %v", err)
	}
	reqs := f.Requests()
	if len(reqs) != 1 || reqs[0].Resource != "Calls.json" {
		t.Fatalf("have %+v, want one call", reqs)
	}
	form := reqs[0].Form
	if form.Get("To") != "+447700900047" || form.Get("From") != fromNumber {
		t.Errorf("have To %q From %q", form.Get("To"), form.Get("From"))
	}
	if have, want := form.Get("StatusCallback"), webhookURL+"/status?ref=ref_k5q3"; have != want {
		t.Errorf("have StatusCallback %q, want %q", have, want)
	}
	want := `<Response><Gather numDigits="1" finishOnKey="" timeout="10" action="` + webhookURL + `?ref=ref_k5q3" method="POST">` +
		`<Say language="en-GB">This is Norfolk County Council&#39;s Children&#39;s Services Portal. Someone is signing in to your account. ` +
		`If this is you, press the hash key now. If it is not you, hang up.</Say></Gather>` +
		`<Say language="en-GB">We did not receive a key press. Goodbye.</Say></Response>`
	if have := form.Get("Twiml"); have != want {
		t.Errorf("have Twiml\n%s\nwant\n%s", have, want)
	}
	var tw twiml
	if err := xml.Unmarshal([]byte(form.Get("Twiml")), &tw); err != nil {
		t.Fatalf("parse Twiml: %v", err)
	}
	if tw.Gather.Say.Text != call.Say || tw.Gather.FinishOnKey == nil || *tw.Gather.FinishOnKey != "" ||
		tw.Gather.NumDigits == nil || *tw.Gather.NumDigits != "1" {
		t.Errorf("have %+v", tw)
	}
}

func TestTwiMLEscapes(t *testing.T) {
	say := `Press <# & "hang up"> '&amp;'`
	action := webhookURL + `?ref=a&b="<c>"`
	s, err := twilio.GatherTwiML(action, say)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`<#`, `& `, `"hang`, `="<c>"`} {
		if strings.Contains(s, bad) {
			t.Errorf("TwiML holds unescaped %q: %s", bad, s)
		}
	}
	var tw twiml
	if err := xml.Unmarshal([]byte(s), &tw); err != nil {
		t.Fatalf("parse: %v\n%s", err, s)
	}
	if tw.Gather.Say.Text != say || tw.Gather.Action != action {
		t.Errorf("round trip: have %q %q, want %q %q", tw.Gather.Say.Text, tw.Gather.Action, say, action)
	}
}

func TestSayTwiML(t *testing.T) {
	s, err := twilio.SayTwiML("Thank you & goodbye.")
	if err != nil {
		t.Fatal(err)
	}
	if want := `<Response><Say language="en-GB">Thank you &amp; goodbye.</Say><Hangup></Hangup></Response>`; s != want {
		t.Errorf("have %s\nwant %s", s, want)
	}
	w := httptest.NewRecorder()
	twilio.WriteTwiML(w, "Thank you.")
	if ct := w.Header().Get("Content-Type"); ct != "text/xml; charset=utf-8" || !strings.Contains(w.Body.String(), "Thank you.") {
		t.Errorf("have %q %q", ct, w.Body.String())
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		body    string
		token   string
		call    bool
		want    error
		wantNot []error
	}{{
		name:   "InvalidTo",
		status: 400, body: `{"code":21211,"message":"Invalid 'To' Phone Number: +44770090XXXX","more_info":"https://www.twilio.com/docs/errors/21211","status":400}`,
		want: notify.ErrUndeliverable, wantNot: []error{notify.ErrTemporary},
	}, {
		name:   "NotMobile",
		status: 400, body: `{"code":21614,"message":"'To' number is not a valid mobile number","status":400}`,
		want: notify.ErrUndeliverable,
	}, {
		name:   "Unsubscribed",
		status: 400, body: `{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400}`,
		want: notify.ErrUndeliverable,
	}, {
		name:   "CallInvalidNumber",
		status: 400, body: `{"code":21217,"message":"Phone number does not appear to be valid","status":400}`,
		call: true,
		want: notify.ErrUndeliverable,
	}, {
		name:   "BadTwiML",
		status: 400, body: `{"code":12100,"message":"Document parse failure","status":400}`,
		call:    true,
		wantNot: []error{notify.ErrUndeliverable, notify.ErrTemporary, twilio.ErrAuth},
	}, {
		name:  "WrongToken",
		token: "wrong",
		want:  twilio.ErrAuth, wantNot: []error{notify.ErrTemporary, notify.ErrUndeliverable},
	}, {
		name:   "TooManyRequests",
		status: 429, body: `{"code":20429,"message":"Too Many Requests","status":429}`,
		want: notify.ErrTemporary,
	}, {
		name:   "ServiceUnavailable",
		status: 503, body: `Service Unavailable`,
		call: true,
		want: notify.ErrTemporary,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := startTwilio(t)
			f.status, f.respBody = tc.status, tc.body
			token := authToken
			if tc.token != "" {
				token = tc.token
			}
			c, err := twilio.New(twilio.Config{BaseURL: srv.URL, AccountSID: accountSID, AuthToken: token,
				From: fromNumber, WebhookURL: webhookURL, HTTPClient: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			if tc.call {
				err = c.PlaceCall(t.Context(), tpl.SignInCall("+447700900047", "ref"))
			} else {
				err = c.SendSMS(t.Context(), tpl.SignInCodeSMS("+447700900047", "123456"))
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
			var apiErr *twilio.APIError
			if !errors.As(err, &apiErr) {
				t.Errorf("have %v, want an *APIError", err)
			}
			if strings.Contains(err.Error(), "123456") || strings.Contains(err.Error(), "900047") {
				t.Errorf("error leaks the code or the number: %v", err)
			}
		})
	}
}

func TestUnreachableIsTemporary(t *testing.T) {
	_, srv := startTwilio(t)
	c := newClient(t, srv)
	srv.Close()
	if err := c.SendSMS(t.Context(), tpl.SignInCodeSMS("+447700900047", "123456")); !errors.Is(err, notify.ErrTemporary) {
		t.Errorf("have %v, want ErrTemporary", err)
	}
}

func TestNew(t *testing.T) {
	ok := twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: fromNumber, WebhookURL: webhookURL}
	for _, tc := range []struct {
		name    string
		edit    func(*twilio.Config)
		wantErr bool
	}{
		{"Valid", func(*twilio.Config) {}, false},
		{"NoSID", func(c *twilio.Config) { c.AccountSID = "" }, true},
		{"NoToken", func(c *twilio.Config) { c.AuthToken = "" }, true},
		{"NoFrom", func(c *twilio.Config) { c.From = "" }, true},
		{"RelativeWebhook", func(c *twilio.Config) { c.WebhookURL = "/webhooks/twilio/voice" }, true},
		{"WebhookWithQuery", func(c *twilio.Config) { c.WebhookURL = webhookURL + "?x=1" }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			if _, err := twilio.New(cfg); (err != nil) != tc.wantErr {
				t.Errorf("have %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

func xmlUnmarshal(s string, v any) error { return xml.Unmarshal([]byte(s), v) }

// A call in Welsh is spoken by a Welsh voice, goodbye included.
func TestPlaceCallInWelsh(t *testing.T) {
	f, srv := startTwilio(t)
	c := newClient(t, srv)
	call := tpl.In(text.Welsh).SignInCall("+447700900047", "ref_cy")
	if err := c.PlaceCall(t.Context(), call); err != nil {
		t.Fatalf("PlaceCall: %v", err)
	}
	reqs := f.Requests()
	if len(reqs) != 1 {
		t.Fatalf("have %+v, want one call", reqs)
	}
	want := `<Response><Gather numDigits="1" finishOnKey="" timeout="10" action="` + webhookURL + `?ref=ref_cy" method="POST">` +
		`<Say language="cy-GB" voice="Polly.Gwyneth">Galwad gan Norfolk County Council am Children&#39;s Services Portal yw hon. ` +
		`Mae rhywun yn mewngofnodi i&#39;ch cyfrif. Os mai chi sydd yno, pwyswch yr allwedd stwnsh nawr. ` +
		`Os nad chi sydd yno, rhowch y ffôn i lawr.</Say></Gather>` +
		`<Say language="cy-GB" voice="Polly.Gwyneth">Ni wnaethoch bwyso unrhyw allwedd. Hwyl fawr.</Say></Response>`
	if have := reqs[0].Form.Get("Twiml"); have != want {
		t.Errorf("have Twiml\n%s\nwant\n%s", have, want)
	}
}

func TestSayTwiMLInWelsh(t *testing.T) {
	w := httptest.NewRecorder()
	twilio.WriteTwiMLIn(w, text.Welsh, text.Welsh.Get("notify.call.confirmed"))
	want := `<Response><Say language="cy-GB" voice="Polly.Gwyneth">Diolch. Gallwch nawr fynd yn ôl i&#39;r sgrin.</Say><Hangup></Hangup></Response>`
	if have := w.Body.String(); have != want {
		t.Errorf("have %s\nwant %s", have, want)
	}
	// English stays as it was, whichever way it is asked for.
	for _, l := range []text.Lang{"", text.English} {
		if s, _ := twilio.SayTwiMLIn(l, "Thank you."); s != `<Response><Say language="en-GB">Thank you.</Say><Hangup></Hangup></Response>` {
			t.Errorf("SayTwiMLIn(%q) = %s", l, s)
		}
	}
}
