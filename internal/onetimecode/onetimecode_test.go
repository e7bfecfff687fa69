package onetimecode_test

import (
	"errors"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/flow/memflow"
	"github.com/carekey/carekey/internal/onetimecode"
	"github.com/carekey/carekey/internal/secret"
)

var pepper = []byte("0123456789abcdef0123456789abcdef")

type rig struct {
	t     *testing.T
	clk   *clocktest.Clock
	flows flow.Store
	id    string
	rules onetimecode.Rules
}

func newRig(t *testing.T) *rig {
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	r := &rig{t: t, clk: clk, flows: memflow.New(clk), id: "flw_test", rules: onetimecode.EmailRules()}
	now := clk.Now()
	if err := r.flows.Create(t.Context(), flow.Flow{ID: r.id, Kind: "test", State: "verify", CreatedAt: now, ExpiresAt: now.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return r
}

// issue sends a new code and returns it.
func (r *rig) issue(resend bool) (string, error) {
	code := secret.NumericCode(8)
	now := r.clk.Now()
	_, err := r.flows.Update(r.t.Context(), r.id, func(f *flow.Flow) error {
		return onetimecode.Issue(f, secret.HMAC(pepper, code), "a@b.example", now, r.rules, resend)
	})
	return code, err
}

func (r *rig) mustIssue(resend bool) string {
	r.t.Helper()
	code, err := r.issue(resend)
	if err != nil {
		r.t.Fatalf("issue: %v", err)
	}
	return code
}

func (r *rig) redeem(typed string) error {
	_, err := onetimecode.Redeem(r.t.Context(), r.flows, r.id, secret.Pepper{pepper}, typed, r.clk.Now(), r.rules, "verify",
		func(f *flow.Flow) error { f.State = "done"; return nil })
	return err
}

func wrong(code string) string {
	if code == "00000000" {
		return "11111111"
	}
	return "00000000"
}

func TestRightCodeMovesOnOnce(t *testing.T) {
	r := newRig(t)
	code := r.mustIssue(false)
	if err := r.redeem(code[:4] + " " + code[4:]); err != nil { // pasted with a space
		t.Fatalf("right code: %v", err)
	}
	f, _ := r.flows.Get(t.Context(), r.id)
	if f.State != "done" || f.Code.HMAC != nil {
		t.Fatalf("state %q, code consumed %v", f.State, f.Code.HMAC == nil)
	}
}

func TestFiveWrongTriesThenNewCodeNeeded(t *testing.T) {
	r := newRig(t)
	code := r.mustIssue(false)
	for i := 1; i <= 4; i++ {
		if err := r.redeem(wrong(code)); !errors.Is(err, onetimecode.ErrWrongCode) {
			t.Fatalf("try %d: %v, want ErrWrongCode", i, err)
		}
	}
	if err := r.redeem(wrong(code)); !errors.Is(err, onetimecode.ErrTooManyTries) {
		t.Fatalf("5th wrong try: %v, want ErrTooManyTries", err)
	}
	if err := r.redeem(code); !errors.Is(err, onetimecode.ErrTooManyTries) {
		t.Fatalf("right code after 5 wrong: %v, want ErrTooManyTries", err)
	}
	f, _ := r.flows.Get(t.Context(), r.id)
	if f.Code.Attempts != 5 {
		t.Fatalf("attempts %d, want 5 (the refused try is not counted)", f.Code.Attempts)
	}
	r.clk.Advance(time.Minute)
	code = r.mustIssue(true)
	if err := r.redeem(code); err != nil {
		t.Fatalf("new code after too many tries: %v", err)
	}
}

func TestResendDoesNotResetAttempts(t *testing.T) {
	r := newRig(t)
	code := r.mustIssue(false)
	for range 3 {
		if err := r.redeem(wrong(code)); !errors.Is(err, onetimecode.ErrWrongCode) {
			t.Fatal(err)
		}
	}
	r.clk.Advance(time.Minute)
	code = r.mustIssue(true)
	if err := r.redeem(wrong(code)); !errors.Is(err, onetimecode.ErrWrongCode) {
		t.Fatalf("4th try: %v", err)
	}
	if err := r.redeem(wrong(code)); !errors.Is(err, onetimecode.ErrTooManyTries) {
		t.Fatalf("5th try over two codes: %v, want ErrTooManyTries", err)
	}
	if err := r.redeem(code); !errors.Is(err, onetimecode.ErrTooManyTries) {
		t.Fatalf("right new code after 5 tries in all: %v, want ErrTooManyTries", err)
	}
}

func TestCooldownAndMaximumSends(t *testing.T) {
	r := newRig(t)
	r.mustIssue(false)
	r.clk.Advance(59 * time.Second)
	_, err := r.issue(true)
	var le *onetimecode.LimitError
	if !errors.Is(err, onetimecode.ErrCooldown) || !errors.As(err, &le) || le.RetryAfter != time.Second {
		t.Fatalf("resend at 59s: %v, want ErrCooldown retry after 1s", err)
	}
	r.clk.Advance(time.Second)
	for i := 2; i <= 5; i++ {
		r.mustIssue(true)
		r.clk.Advance(time.Minute)
	}
	if _, err := r.issue(true); !errors.Is(err, onetimecode.ErrTooManySends) {
		t.Fatalf("6th send: %v, want ErrTooManySends", err)
	}
	if _, err := r.issue(false); !errors.Is(err, onetimecode.ErrTooManySends) {
		t.Fatalf("6th send for a new address: %v, want ErrTooManySends", err)
	}
}

func TestExpiryBoundary(t *testing.T) {
	r := newRig(t)
	code := r.mustIssue(false)
	r.clk.Advance(30 * time.Minute)
	if err := r.redeem(code); !errors.Is(err, onetimecode.ErrExpired) {
		t.Fatalf("at 30 min: %v, want ErrExpired", err)
	}
	r2 := newRig(t)
	code = r2.mustIssue(false)
	r2.clk.Advance(30*time.Minute - time.Second)
	if err := r2.redeem(code); err != nil {
		t.Fatalf("just before 30 min: %v", err)
	}
}

func TestKillAndWrongState(t *testing.T) {
	r := newRig(t)
	code := r.mustIssue(false)
	if _, err := r.flows.Update(t.Context(), r.id, func(f *flow.Flow) error { onetimecode.Kill(f); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := r.redeem(code); !errors.Is(err, onetimecode.ErrNoCode) {
		t.Fatalf("killed code: %v, want ErrNoCode", err)
	}
	r2 := newRig(t)
	code = r2.mustIssue(false)
	if _, err := r2.flows.Update(t.Context(), r2.id, func(f *flow.Flow) error { f.State = "credentials"; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := r2.redeem(code); !errors.Is(err, onetimecode.ErrWrongState) {
		t.Fatalf("wrong state: %v", err)
	}
}

// TestConcurrentRedeem: 20 submissions of the right code, exactly one wins.
func TestConcurrentRedeem(t *testing.T) {
	r := newRig(t)
	code := r.mustIssue(false)
	results := make(chan error, 20)
	for range cap(results) {
		go func() { results <- r.redeem(code) }()
	}
	wins := 0
	for range cap(results) {
		if <-results == nil {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("%d winners, want 1", wins)
	}
}
