package outbox_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/notify/outbox"
)

// FuzzPressHash posts to the dev outbox's press-hash path with the fuzzer's
// raw path, holding one email, one SMS and one pending call. which picks
// the path: the fuzzer's own (0), or the call's, email's or SMS's real ID
// (1–3) spliced into it.
//
// Invariants: it never panics or answers 5xx; # is pressed (onPressHash
// called, with the call's reference) only by a POST to exactly the pending
// call's press-hash path (percent-encoded or not), and only once: any other path or ID changes
// nothing, and a second press answers 409.
func FuzzPressHash(f *testing.F) {
	for _, seed := range []struct {
		path  string
		which byte
	}{
		{"/dev/outbox/%s/press-hash", 1}, {"/dev/outbox/%s/press-hash", 2}, {"/dev/outbox/%s/press-hash", 3},
		{"/dev/outbox/msg_x/press-hash", 0}, {"/dev/outbox/%s%%2Fpress-hash/press-hash", 1},
		{"/dev/outbox/../outbox/%s/press-hash", 1}, {"/dev/outbox//press-hash", 0}, {"/dev/outbox/%s/press-hash/", 1},
		{"/dev/outbox/%s/PRESS-HASH", 1}, {"/dev/outbox/%00/press-hash", 0}, {"/dev/outbox/%zz/press-hash", 0},
	} {
		f.Add(seed.path, seed.which)
	}
	f.Fuzz(func(t *testing.T, path string, which byte) {
		clk := clocktest.New(t0)
		p := &presses{}
		o := outbox.New(clk, p.press)
		fill(t, clk, o)
		call, _ := o.Last(outbox.ChannelVoice, "+447700900047")
		email, _ := o.Last(outbox.ChannelEmail, "penny@example.com")
		sms, _ := o.Last(outbox.ChannelSMS, "+447700900047")
		id := []string{"", call.ID, email.ID, sms.ID}[which%4]
		target := path
		if id != "" {
			target = replaceFirst(path, "%s", id)
		}
		r, err := http.NewRequest(http.MethodPost, "http://localhost:8080", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.URL.Path, r.URL.RawPath = "", ""
		if err := setPath(r, target); err != nil {
			return // net/http would not route it
		}
		h := o.Handler()
		press := func() int {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r.Clone(t.Context()))
			if w.Code >= 500 {
				t.Fatalf("POST %q: %d %s", target, w.Code, w.Body)
			}
			return w.Code
		}
		first := press()
		refs := p.Refs()
		exact := r.URL.Path == "/dev/outbox/"+call.ID+"/press-hash"
		switch {
		case len(refs) > 1, len(refs) == 1 && refs[0] != call.Reference:
			t.Fatalf("POST %q pressed # for %q", target, refs)
		case len(refs) == 1 && !exact:
			t.Fatalf("POST %q (path %q) pressed # on call %s", target, r.URL.Path, call.ID)
		case len(refs) == 0 && exact:
			t.Fatalf("POST %q: %d, # not pressed", target, first)
		case len(refs) == 1 && press() != http.StatusConflict:
			t.Fatalf("POST %q twice: the second press was not refused", target)
		}
		if len(p.Refs()) > 1 {
			t.Fatalf("POST %q twice pressed # twice", target)
		}
	})
}

func replaceFirst(s, old, repl string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + repl + s[i+len(old):]
		}
	}
	return s
}

// setPath sets r's path as a server would read it off the request line.
func setPath(r *http.Request, raw string) error {
	u, err := r.URL.Parse(raw)
	if err != nil || u.Host != r.URL.Host || u.Scheme != r.URL.Scheme {
		if err == nil {
			err = http.ErrNotSupported
		}
		return err
	}
	r.URL = u
	return nil
}
