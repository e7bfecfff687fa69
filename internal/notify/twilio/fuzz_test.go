package twilio_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/notify/twilio"
)

// FuzzVerifyRequest posts webhook requests with the fuzzer's query and
// url-encoded body to VerifyRequest, signed with the auth token (mode 0),
// with another token (1), with no signature (2), or with the fuzzer's own
// signature text (3), then reads them with ParseGather and ParseStatus.
//
// Invariants:
//   - it never panics, and a refusal returns no parameters;
//   - a request not signed with the auth token is never accepted (modes 1
//     and 2; mode 3 only if the text is the right signature);
//   - a body that does not parse is refused;
//   - a request signed with the token over its URL and body is accepted,
//     and its parameters are the body's followed by the query's, so the
//     reference and digits read are ones the signature covers.
func FuzzVerifyRequest(f *testing.F) {
	for _, seed := range []struct {
		query, body string
		mode        byte
		sig         string
	}{
		{"ref=call_1", "CallSid=CA1&Digits=%23&From=%2B447700900047", 0, ""},
		{"ref=call_1", "CallSid=CA1&CallStatus=completed", 0, ""},
		{"ref=call_1", "CallSid=CA1&Digits=%23", 1, ""},
		{"ref=call_1", "CallSid=CA1&Digits=%23", 2, ""},
		{"ref=call_1", "CallSid=CA1&Digits=%23", 3, "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
		{"ref=a&ref=b", "ref=c&Digits=%23&Digits=1", 0, ""},
		{"ref=call_1;x=y", "Digits=%23", 0, ""},
		{"ref=%zz", "Digits=%23", 0, ""},
		{"ref=call_1", "Digits=%zz", 0, ""},
		{"ref=call_1", "Digits=%23;ref=x", 0, ""},
		{"", "", 0, ""},
		{"ref=call_1", "a=bc", 0, ""},
		{"ref=call_1", "ab=c", 3, ""},
		{"ref=call_1\r\nX: y", "Digits=%23", 0, ""},
		{"ref=call%00_1", "Digits=%23%0D%0A", 0, ""},
	} {
		f.Add(seed.query, seed.body, seed.mode, seed.sig)
	}
	const (
		token   = "twilio-auth-token"
		webhook = "https://signin.example.gov.uk/webhooks/twilio/voice"
	)
	c, err := twilio.New(twilio.Config{AccountSID: "AC1", AuthToken: token, From: "+447700900000", WebhookURL: webhook})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query, body string, mode byte, sig string) {
		u, err := url.Parse("/webhooks/twilio/voice?" + query)
		if err != nil {
			return // no such request reaches a handler
		}
		full := "https://signin.example.gov.uk" + u.RequestURI()
		post, perr := url.ParseQuery(body)
		switch mode % 4 {
		case 0:
			sig = twilio.Signature(token, full, post)
		case 1:
			sig = twilio.Signature("another-token", full, post)
		case 2:
			sig = ""
		}
		r := &http.Request{
			Method: http.MethodPost, URL: u, Host: "attacker.example",
			Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			Body:   io.NopCloser(strings.NewReader(body)),
		}
		if sig != "" {
			r.Header.Set("X-Twilio-Signature", sig)
		}
		form, err := c.VerifyRequest(r)
		if err != nil {
			if form != nil {
				t.Fatalf("refused (%v) but returned %v", err, form)
			}
			_, qerr := url.ParseQuery(u.RawQuery)
			switch {
			case perr != nil || qerr != nil:
			case mode%4 == 0:
				t.Fatalf("a request signed with the token was refused: %v (query %q, body %q)", err, query, body)
			case !errors.Is(err, twilio.ErrBadSignature):
				t.Fatalf("a well-formed request was refused with %v, want ErrBadSignature", err)
			}
			return
		}
		switch {
		case mode%4 == 1 || mode%4 == 2:
			t.Fatalf("accepted a request signed in mode %d: query %q, body %q", mode%4, query, body)
		case mode%4 == 3 && sig != twilio.Signature(token, full, post):
			t.Fatalf("accepted the signature %q, want %q", sig, twilio.Signature(token, full, post))
		case perr != nil:
			t.Fatalf("accepted a body that does not parse (%v): %q", perr, body)
		}
		q, _ := url.ParseQuery(u.RawQuery)
		for name, values := range form {
			want := append(slices.Clone(post[name]), q[name]...)
			if !slices.Equal(values, want) {
				t.Fatalf("parameter %s = %q, want the body's then the query's %q", name, values, want)
			}
		}
		ref, pressed := twilio.ParseGather(form)
		if want := firstOf(post, q, "ref"); ref != want {
			t.Fatalf("ParseGather ref %q, want %q", ref, want)
		}
		if pressed != (firstOf(post, q, "Digits") == "#") {
			t.Fatalf("ParseGather pressed %v for Digits %q", pressed, form["Digits"])
		}
		if ref2, status := twilio.ParseStatus(form); ref2 != ref || status != firstOf(post, q, "CallStatus") {
			t.Fatalf("ParseStatus = %q, %q", ref2, status)
		}
	})
}

// firstOf is the first value of name in the body, else in the query.
func firstOf(post, query url.Values, name string) string {
	if v, ok := post[name]; ok && len(v) > 0 {
		return v[0]
	}
	return query.Get(name)
}
