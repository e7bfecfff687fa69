package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/notify/outbox"
)

var (
	tpl = notify.Templates{ServiceName: "Children's Services Portal", CouncilName: "Norfolk County Council"}
	t0  = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
)

// presses records onPressHash calls.
type presses struct {
	mu   sync.Mutex
	refs []string
	err  error // returned by the next call when set
}

func (p *presses) press(_ context.Context, ref string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.err; err != nil {
		p.err = nil
		return err
	}
	p.refs = append(p.refs, ref)
	return nil
}

func (p *presses) Refs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.refs...)
}

// fill sends one email, one SMS and one call, a minute apart.
func fill(t *testing.T, clk *clocktest.Clock, o *outbox.Outbox) {
	t.Helper()
	ctx := t.Context()
	if err := o.SendEmail(ctx, tpl.VerifyEmail("penny@example.com", "12345678")); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if err := o.SendSMS(ctx, tpl.SignInCodeSMS("+447700900047", "123456")); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if err := o.PlaceCall(ctx, tpl.SignInCall("+447700900047", "ref_1")); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w
}

func post(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(""))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(w, r)
	return w
}

func TestJSONShape(t *testing.T) {
	clk := clocktest.New(t0)
	o := outbox.New(clk, nil)
	fill(t, clk, o)
	w := get(t, o.Handler(), "/dev/outbox.json")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("have %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	msgs := o.Messages()
	if len(msgs) != 3 {
		t.Fatalf("have %d messages", len(msgs))
	}
	js := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	email := tpl.VerifyEmail("penny@example.com", "12345678")
	sms := tpl.SignInCodeSMS("+447700900047", "123456")
	call := tpl.SignInCall("+447700900047", "ref_1")
	want := `{"messages":[` +
		`{"id":` + js(msgs[0].ID) + `,"channel":"voice","to":"+447700900047","subject":"","body":` + js(call.Say) + `,"code":null,"sent_at":"2025-03-03T09:02:00Z"},` +
		`{"id":` + js(msgs[1].ID) + `,"channel":"sms","to":"+447700900047","subject":"","body":` + js(sms.Body) + `,"code":"123456","sent_at":"2025-03-03T09:01:00Z"},` +
		`{"id":` + js(msgs[2].ID) + `,"channel":"email","to":"penny@example.com","subject":` + js(email.Subject) + `,"body":` + js(email.Text) + `,"code":"12345678","sent_at":"2025-03-03T09:00:00Z"}` +
		`]}`
	if have := w.Body.String(); have != want {
		t.Errorf("have %s\nwant %s", have, want)
	}
	ids := map[string]bool{}
	for _, m := range msgs {
		if !strings.HasPrefix(m.ID, "msg_") || ids[m.ID] {
			t.Errorf("bad or repeated id %q", m.ID)
		}
		ids[m.ID] = true
	}
}

func TestEmptyJSON(t *testing.T) {
	o := outbox.New(clocktest.New(t0), nil)
	if have := get(t, o.Handler(), "/dev/outbox.json").Body.String(); have != `{"messages":[]}` {
		t.Errorf("have %s", have)
	}
}

func TestCapacity(t *testing.T) {
	clk := clocktest.New(t0)
	o := outbox.New(clk, nil)
	for i := range outbox.Capacity + 1 {
		if err := o.SendSMS(t.Context(), notify.SMS{To: fmt.Sprintf("+4477009%05d", i), Body: "hi"}); err != nil {
			t.Fatal(err)
		}
	}
	msgs := o.Messages()
	if len(msgs) != outbox.Capacity {
		t.Fatalf("have %d messages, want %d", len(msgs), outbox.Capacity)
	}
	if msgs[0].To != fmt.Sprintf("+4477009%05d", outbox.Capacity) || msgs[len(msgs)-1].To != "+447700900001" {
		t.Errorf("have newest %s oldest %s", msgs[0].To, msgs[len(msgs)-1].To)
	}
}

func TestLast(t *testing.T) {
	clk := clocktest.New(t0)
	o := outbox.New(clk, nil)
	fill(t, clk, o)
	if err := o.SendSMS(t.Context(), tpl.SignInCodeSMS("+447700900047", "654321")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		channel, to string
		wantOK      bool
		wantCode    string
	}{
		{outbox.ChannelSMS, "+447700900047", true, "654321"},
		{outbox.ChannelEmail, "penny@example.com", true, "12345678"},
		{outbox.ChannelVoice, "+447700900047", true, ""},
		{outbox.ChannelEmail, "nobody@example.com", false, ""},
		{outbox.ChannelSMS, "penny@example.com", false, ""},
	} {
		m, ok := o.Last(tc.channel, tc.to)
		code := ""
		if m.Code != nil {
			code = *m.Code
		}
		if ok != tc.wantOK || code != tc.wantCode {
			t.Errorf("Last(%s, %s): have %v %q, want %v %q", tc.channel, tc.to, ok, code, tc.wantOK, tc.wantCode)
		}
	}
}

func TestPressHash(t *testing.T) {
	clk := clocktest.New(t0)
	p := &presses{}
	o := outbox.New(clk, p.press)
	fill(t, clk, o)
	h := o.Handler()
	call, _ := o.Last(outbox.ChannelVoice, "+447700900047")
	email, _ := o.Last(outbox.ChannelEmail, "penny@example.com")

	for _, tc := range []struct {
		name      string
		path      string
		failWith  error
		want      int
		wantPress []string
	}{
		{"UnknownID", "/dev/outbox/msg_nope/press-hash", nil, http.StatusNotFound, nil},
		{"NotACall", "/dev/outbox/" + email.ID + "/press-hash", nil, http.StatusNotFound, nil},
		{"CallbackFails", "/dev/outbox/" + call.ID + "/press-hash", errors.New("flow gone"), http.StatusInternalServerError, nil},
		{"Press", "/dev/outbox/" + call.ID + "/press-hash", nil, http.StatusSeeOther, []string{"ref_1"}},
		{"PressAgain", "/dev/outbox/" + call.ID + "/press-hash", nil, http.StatusConflict, []string{"ref_1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.mu.Lock()
			p.err = tc.failWith
			p.mu.Unlock()
			w := post(t, h, tc.path)
			if w.Code != tc.want {
				t.Errorf("have %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			if tc.want == http.StatusSeeOther && w.Header().Get("Location") != "/dev/outbox" {
				t.Errorf("have Location %q", w.Header().Get("Location"))
			}
			if have := p.Refs(); fmt.Sprint(have) != fmt.Sprint(tc.wantPress) {
				t.Errorf("have presses %v, want %v", have, tc.wantPress)
			}
		})
	}
}

func TestPressHashOnce(t *testing.T) {
	clk := clocktest.New(t0)
	p := &presses{}
	o := outbox.New(clk, p.press)
	fill(t, clk, o)
	call, _ := o.Last(outbox.ChannelVoice, "+447700900047")
	const n = 20
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { errs <- o.PressHash(t.Context(), call.ID) })
	}
	wg.Wait()
	close(errs)
	wins := 0
	for err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, outbox.ErrAnswered):
			t.Errorf("have %v", err)
		}
	}
	if wins != 1 || len(p.Refs()) != 1 {
		t.Errorf("have %d wins and %d presses, want 1 and 1", wins, len(p.Refs()))
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	clk := clocktest.New(t0)
	p := &presses{}
	o := outbox.New(clk, p.press)
	fill(t, clk, o)
	call, _ := o.Last(outbox.ChannelVoice, "+447700900047")
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/dev/outbox/"+call.ID+"/press-hash", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	o.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusForbidden || len(p.Refs()) != 0 {
		t.Errorf("have %d and presses %v, want 403 and none", w.Code, p.Refs())
	}
}

func TestPage(t *testing.T) {
	clk := clocktest.New(t0)
	p := &presses{}
	o := outbox.New(clk, p.press)
	fill(t, clk, o)
	evil := tpl.PasswordChanged("x@example.com")
	evil.Text = `<script>alert(1)</script>`
	if err := o.SendEmail(t.Context(), evil); err != nil {
		t.Fatal(err)
	}
	h := o.Handler()
	call, _ := o.Last(outbox.ChannelVoice, "+447700900047")
	form := `<form method="post" action="/dev/outbox/` + call.ID + `/press-hash"><button type="submit">Press #</button></form>`

	w := get(t, h, "/dev/outbox")
	body := w.Body.String()
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("have %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	for _, want := range []string{`<html lang="en">`, "<caption>", `<th scope="col">Code</th>`, "12345678", "123456", form, "&lt;script&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("page holds an unescaped message body")
	}
	if strings.Index(body, "x@example.com") > strings.Index(body, "penny@example.com") {
		t.Error("page is not newest first")
	}

	if w := post(t, h, "/dev/outbox/"+call.ID+"/press-hash"); w.Code != http.StatusSeeOther {
		t.Fatalf("press: have %d", w.Code)
	}
	body = get(t, h, "/dev/outbox").Body.String()
	if strings.Contains(body, form) || !strings.Contains(body, "Answered") {
		t.Errorf("answered call still offers Press #")
	}
}

func TestMethods(t *testing.T) {
	h := outbox.New(clocktest.New(t0), nil).Handler()
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodPost, "/dev/outbox.json", http.StatusMethodNotAllowed},
		{http.MethodGet, "/dev/outbox/x/press-hash", http.StatusMethodNotAllowed},
		{http.MethodGet, "/dev/other", http.StatusNotFound},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.want {
			body, _ := io.ReadAll(w.Body)
			t.Errorf("%s %s: have %d, want %d: %s", tc.method, tc.path, w.Code, tc.want, body)
		}
	}
}
