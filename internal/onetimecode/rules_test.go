package onetimecode_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/onetimecode"
	"github.com/carekey/carekey/internal/secret"
)

// TestDefaultRules: the limits design.md §3.1 gives emailed codes, and the
// sign-in's SMS code's (config mfa.* defaults).
func TestDefaultRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		have onetimecode.Rules
		want onetimecode.Rules
	}{
		{"email", onetimecode.EmailRules(), onetimecode.Rules{Channel: "email", Digits: 8, TTL: 30 * time.Minute,
			Cooldown: time.Minute, MaxAttempts: 5, MaxSends: 5, RenewTries: true}},
		{"sms", onetimecode.SMSRules(), onetimecode.Rules{Channel: "sms", Digits: 6, TTL: 10 * time.Minute,
			Cooldown: 30 * time.Second, MaxAttempts: 5, MaxSends: 5}},
	} {
		if tc.have != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, tc.have, tc.want)
		}
	}
}

// A step of a code's life: send (resend: with the cooldown), type the right
// code, a wrong one or the code sent before, or let time pass.
type step struct {
	do   string // "send", "resend", "wait+resend" (after the cooldown), "right", "wrong", "old", "wait"
	wait time.Duration
	want error
}

func repeat(n int, s step) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func steps(groups ...[]step) []step {
	var out []step
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

var (
	send      = step{do: "send"}
	resend    = step{do: "resend"}
	right     = step{do: "right"}
	wrongTry  = step{do: "wrong", want: onetimecode.ErrWrongCode}
	wait      = func(d time.Duration) step { return step{do: "wait", wait: d} }
	refused   = func(s step, err error) step { s.want = err; return s }
	tooMany   = refused(right, onetimecode.ErrTooManyTries)
	usedUp    = refused(right, onetimecode.ErrNoCode)
	expired   = refused(right, onetimecode.ErrExpired)
	cooling   = refused(resend, onetimecode.ErrCooldown)
	maxedSend = refused(resend, onetimecode.ErrTooManySends)
)

// TestRulesTable plays the same lives of a code under the SMS and the email
// rules with Issue and Try: digits, expiry, tries counted per flow (renewed
// for email only), cooldown, sends, single use.
func TestRulesTable(t *testing.T) {
	sms, email := onetimecode.SMSRules(), onetimecode.EmailRules()
	for _, tc := range []struct {
		name  string
		rules onetimecode.Rules
		steps []step
	}{
		{"sms: right code, once", sms, steps([]step{send, right, usedUp})},
		{"sms: just before 10 min", sms, steps([]step{send, wait(10*time.Minute - time.Nanosecond), right})},
		{"sms: at 10 min", sms, steps([]step{send, wait(10 * time.Minute), expired})},
		{"sms: 4 wrong then right", sms, steps([]step{send}, repeat(4, wrongTry), []step{right})},
		{"sms: 5 wrong, then refused", sms, steps([]step{send}, repeat(5, wrongTry), []step{tooMany, tooMany})},
		{"sms: a resend keeps the tries", sms,
			steps([]step{send}, repeat(3, wrongTry), []step{wait(30 * time.Second), resend}, repeat(2, wrongTry), []step{tooMany})},
		{"sms: a new code after 5 wrong brings no more tries", sms,
			steps([]step{send}, repeat(5, wrongTry), []step{wait(30 * time.Second), resend, tooMany})},
		{"sms: cooldown 30 s", sms, steps([]step{send, wait(29 * time.Second), cooling, wait(time.Second), resend, right})},
		{"sms: 5 sends per flow", sms,
			steps([]step{send}, repeat(4, step{do: "wait+resend"}), []step{wait(time.Minute), maxedSend, right})},
		{"sms: the old code dies with a resend", sms, steps([]step{send, wait(30 * time.Second), resend,
			refused(step{do: "old"}, onetimecode.ErrWrongCode), right})},

		{"email: right code, once", email, steps([]step{send, right, usedUp})},
		{"email: at 30 min", email, steps([]step{send, wait(30 * time.Minute), expired})},
		{"email: a new code after 5 wrong brings 5 more", email,
			steps([]step{send}, repeat(4, wrongTry), []step{refused(wrongTry, onetimecode.ErrWrongCode), tooMany,
				wait(time.Minute), resend}, repeat(4, wrongTry), []step{right})},
		{"email: cooldown 60 s", email, steps([]step{send, wait(59 * time.Second), cooling, wait(time.Second), resend})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			play(t, tc.rules, tc.steps)
		})
	}
}

// play runs steps on a flow under r.
func play(t *testing.T, r onetimecode.Rules, steps []step) {
	t.Helper()
	pep := secret.Pepper{pepper}
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	f := &flow.Flow{ID: "flw_test", State: "code"}
	var code, old string
	for i, s := range steps {
		var err error
		switch s.do {
		case "wait":
			now = now.Add(s.wait)
			continue
		case "send", "resend", "wait+resend":
			if s.do == "wait+resend" {
				now = now.Add(r.Cooldown)
			}
			c := secret.NumericCode(r.Digits)
			if len(c) != r.Digits || strings.Trim(c, "0123456789") != "" {
				t.Fatalf("code %q for %d digits", c, r.Digits)
			}
			if onetimecode.CoolingDown(f.Code, now, r) != errors.Is(s.want, onetimecode.ErrCooldown) {
				t.Errorf("step %d: CoolingDown disagrees with %v", i, s.want)
			}
			err = onetimecode.Issue(f, pep.MAC(c), "+447700900123", now, r, s.do != "send")
			if err == nil {
				old, code = code, c
				if got := f.Code; got.Channel != r.Channel || !got.ExpiresAt.Equal(now.Add(r.TTL)) || strings.Contains(string(got.HMAC), c) {
					t.Fatalf("step %d: code stored as %+v", i, got)
				}
			}
		case "right":
			err = onetimecode.Try(f, pep, code, now, r)
			if err == nil && f.Code.HMAC != nil {
				t.Fatalf("step %d: the right code was not consumed", i)
			}
		case "old":
			err = onetimecode.Try(f, pep, old, now, r)
		case "wrong":
			err = onetimecode.Try(f, pep, otherCode(code), now, r)
		}
		if !errors.Is(err, s.want) || (s.want == nil) != (err == nil) {
			t.Fatalf("step %d (%s): %v, want %v", i, s.do, err, s.want)
		}
	}
	if !r.RenewTries && len(f.Data) != 0 {
		t.Errorf("rules without renewed tries wrote flow data %v", f.Data)
	}
}

// otherCode is code with its last digit changed.
func otherCode(code string) string {
	last := code[len(code)-1]
	return code[:len(code)-1] + string('0'+(last-'0'+1)%10)
}

// TestTryOtherChannel: an SMS code is not checked as an email code, nor
// the other way round, and the refusal counts no try.
func TestTryOtherChannel(t *testing.T) {
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ issued, tried onetimecode.Rules }{
		{onetimecode.EmailRules(), onetimecode.SMSRules()},
		{onetimecode.SMSRules(), onetimecode.EmailRules()},
	} {
		f := &flow.Flow{ID: "flw_test"}
		code := secret.NumericCode(tc.issued.Digits)
		if err := onetimecode.Issue(f, secret.HMAC(pepper, code), "x", now, tc.issued, false); err != nil {
			t.Fatal(err)
		}
		if err := onetimecode.Try(f, secret.Pepper{pepper}, code, now, tc.tried); !errors.Is(err, onetimecode.ErrNoCode) || f.Code.Attempts != 0 {
			t.Errorf("%s code tried as %s: %v, %d tries counted", tc.issued.Channel, tc.tried.Channel, err, f.Code.Attempts)
		}
		if onetimecode.CoolingDown(f.Code, now, tc.tried) {
			t.Errorf("%s code cools down the %s channel", tc.issued.Channel, tc.tried.Channel)
		}
	}
}

// TestSMSAfterEmailCode: at sign-in enrolment an emailed code comes first
// and is dropped once right; the SMS code after it still has only its own
// 5 tries, whatever the emailed code's renewed tries were.
func TestSMSAfterEmailCode(t *testing.T) {
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	pep := secret.Pepper{pepper}
	email, sms := onetimecode.EmailRules(), onetimecode.SMSRules()
	f := &flow.Flow{ID: "flw_test"}
	issue := func(r onetimecode.Rules) string {
		t.Helper()
		code := secret.NumericCode(r.Digits)
		if err := onetimecode.Issue(f, pep.MAC(code), "x", now, r, true); err != nil {
			t.Fatal(err)
		}
		return code
	}
	code := issue(email)
	for range 5 {
		_ = onetimecode.Try(f, pep, otherCode(code), now, email)
	}
	now = now.Add(email.Cooldown)
	if code = issue(email); onetimecode.Try(f, pep, code, now, email) != nil {
		t.Fatal("the renewed emailed code was refused")
	}
	f.Code = nil // as sign-in does once the emailed code was right
	code = issue(sms)
	for i := range 5 {
		if err := onetimecode.Try(f, pep, otherCode(code), now, sms); !errors.Is(err, onetimecode.ErrWrongCode) {
			t.Fatalf("wrong SMS code %d: %v", i+1, err)
		}
	}
	if err := onetimecode.Try(f, pep, code, now, sms); !errors.Is(err, onetimecode.ErrTooManyTries) {
		t.Fatalf("right SMS code after 5 wrong: %v, want ErrTooManyTries", err)
	}
}
