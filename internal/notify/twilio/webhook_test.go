package twilio_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/notify/twilio"
)

func TestSignatureDocumentedVectors(t *testing.T) {
	// The worked example of Twilio's request validation documentation and
	// its helper libraries' tests.
	const docURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
	for _, tc := range []struct {
		name string
		have url.Values
		want string
	}{{
		name: "Documented",
		have: url.Values{
			"CallSid": {"CA1234567890ABCDE"},
			"Caller":  {"+14158675309"},
			"Digits":  {"1234"},
			"From":    {"+14158675309"},
			"To":      {"+18005551212"},
		},
		want: "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
	}, {
		name: "RepeatedParameter",
		have: url.Values{
			"Sid":        {"CA123"},
			"SidAccount": {"AC123"},
			"Digits":     {"5678", "1234", "1234"},
		},
		want: "IK+Dwps556ElfBT0I3Rgjkr1wJU=",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if have := twilio.Signature("12345", docURL, tc.have); have != tc.want {
				t.Errorf("have %s, want %s", have, tc.want)
			}
		})
	}
}

// twilioPost builds the request Twilio would send to target (a full public
// URL) with form, signed with token, arriving with a Host header of host.
func twilioPost(target string, form url.Values, token, host string) *http.Request {
	u, _ := url.Parse(target)
	r := httptest.NewRequest(http.MethodPost, u.RequestURI(), strings.NewReader(form.Encode()))
	r.Host = host
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Twilio-Signature", twilio.Signature(token, target, form))
	return r
}

func gatherForm(digits string) url.Values {
	return url.Values{
		"AccountSid": {accountSID},
		"CallSid":    {"CA0123456789abcdef0123456789abcdef"},
		"CallStatus": {"in-progress"},
		"Digits":     {digits},
		"From":       {fromNumber},
		"To":         {"+447700900047"},
	}
}

func TestVerifyRequest(t *testing.T) {
	_, srv := startTwilio(t)
	c := newClient(t, srv)
	target := webhookURL + "?ref=ref_k5q3"
	for _, tc := range []struct {
		name     string
		have     func() *http.Request
		wantErr  bool
		wantRef  string
		wantHash bool
	}{{
		name:    "HashPressed",
		have:    func() *http.Request { return twilioPost(target, gatherForm("#"), authToken, "internal:8080") },
		wantRef: "ref_k5q3", wantHash: true,
	}, {
		name:    "OtherKey",
		have:    func() *http.Request { return twilioPost(target, gatherForm("1"), authToken, "internal:8080") },
		wantRef: "ref_k5q3", wantHash: false,
	}, {
		name:    "WrongToken",
		have:    func() *http.Request { return twilioPost(target, gatherForm("#"), "not-the-token", "x") },
		wantErr: true,
	}, {
		name: "NoSignature",
		have: func() *http.Request {
			r := twilioPost(target, gatherForm("#"), authToken, "x")
			r.Header.Del("X-Twilio-Signature")
			return r
		},
		wantErr: true,
	}, {
		name: "TamperedDigits",
		have: func() *http.Request {
			r := twilioPost(target, gatherForm("1"), authToken, "x")
			r.Body, r.ContentLength = httptest.NewRequest("POST", "/", strings.NewReader(gatherForm("#").Encode())).Body, -1
			return r
		},
		wantErr: true,
	}, {
		name: "TamperedRef",
		have: func() *http.Request {
			r := twilioPost(target, gatherForm("#"), authToken, "x")
			r.URL.RawQuery = "ref=someone_else"
			r.RequestURI = r.URL.RequestURI()
			return r
		},
		wantErr: true,
	}, {
		// A signature made for the URL the Host header names is not enough:
		// only the configured public URL counts.
		name: "SignedForHostHeader",
		have: func() *http.Request {
			return twilioPost("https://evil.example/webhooks/twilio/voice?ref=ref_k5q3", gatherForm("#"), authToken, "evil.example")
		},
		wantErr: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			form, err := c.VerifyRequest(tc.have())
			if tc.wantErr {
				if !errors.Is(err, twilio.ErrBadSignature) {
					t.Errorf("have %v, want ErrBadSignature", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("VerifyRequest: %v", err)
			}
			ref, hash := twilio.ParseGather(form)
			if ref != tc.wantRef || hash != tc.wantHash {
				t.Errorf("have ref %q hash %v, want %q %v", ref, hash, tc.wantRef, tc.wantHash)
			}
		})
	}
}

// TestCallRoundTrip places a call, then plays Twilio: it posts to the
// action and status URLs the call named, signed as Twilio signs, and checks
// that VerifyRequest accepts them and the parsers read them.
func TestCallRoundTrip(t *testing.T) {
	f, srv := startTwilio(t)
	c := newClient(t, srv)
	if err := c.PlaceCall(t.Context(), tpl.SignInCall("+447700900047", "ref/with+odd=chars")); err != nil {
		t.Fatal(err)
	}
	form := f.Requests()[0].Form
	var tw twiml
	if err := xmlUnmarshal(form.Get("Twiml"), &tw); err != nil {
		t.Fatal(err)
	}
	r := twilioPost(tw.Gather.Action, gatherForm("#"), authToken, "10.0.0.7:8080")
	got, err := c.VerifyRequest(r)
	if err != nil {
		t.Fatalf("verify gather: %v", err)
	}
	if ref, hash := twilio.ParseGather(got); ref != "ref/with+odd=chars" || !hash {
		t.Errorf("gather: have %q %v", ref, hash)
	}
	status := gatherForm("")
	status.Del("Digits")
	status.Set("CallStatus", "no-answer")
	r = twilioPost(form.Get("StatusCallback"), status, authToken, "10.0.0.7:8080")
	got, err = c.VerifyRequest(r)
	if err != nil {
		t.Fatalf("verify status: %v", err)
	}
	if r.URL.Path != "/webhooks/twilio/voice/status" {
		t.Errorf("status callback went to %s", r.URL.Path)
	}
	if ref, st := twilio.ParseStatus(got); ref != "ref/with+odd=chars" || st != "no-answer" {
		t.Errorf("status: have %q %q", ref, st)
	}
}

func TestParseStatus(t *testing.T) {
	for _, st := range []string{"completed", "busy", "no-answer", "failed", "canceled"} {
		ref, have := twilio.ParseStatus(url.Values{"ref": {"r1"}, "CallStatus": {st}})
		if ref != "r1" || have != st {
			t.Errorf("have %q %q, want r1 %q", ref, have, st)
		}
	}
}
