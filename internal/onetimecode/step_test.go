package onetimecode_test

import (
	"errors"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/flow/memflow"
	"github.com/carekey/carekey/internal/onetimecode"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/ratelimit/memlimit"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/pkg/text"
)

type stepState string
type stepEvent string

// codeJourney is email -submit-> verify -code_ok-> done, verify -resend-> verify,
// with a flow at verify, living ttl (0: flow.DefaultTTL), holding a live
// code, which it returns.
func codeJourney(t *testing.T, ttl time.Duration) (flow.Journey[stepState, stepEvent], *clocktest.Clock, string) {
	t.Helper()
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	move := flow.Move[stepState, stepEvent]
	j := flow.Journey[stepState, stepEvent]{Kind: "test", Flows: memflow.New(clk), Clock: clk, TTL: ttl,
		Table: flow.NewTable[stepState, stepEvent]("email", move("email", "submit", "verify"),
			move("verify", "code_ok", "done"), move("verify", "resend", "verify"))}
	if _, err := j.Start(t.Context(), "flw_s", nil, map[string]string{"email": "a@example.com"}); err != nil {
		t.Fatal(err)
	}
	code := secret.NumericCode(8)
	_, err := j.Update(t.Context(), "flw_s", "submit", func(f *flow.Flow) error {
		return onetimecode.Issue(f, secret.HMAC(pepper, code), "a@example.com", clk.Now(), onetimecode.EmailRules(), false)
	})
	if err != nil {
		t.Fatal(err)
	}
	return j, clk, code
}

func TestRequired(t *testing.T) {
	for _, typed := range []string{"", "  ", " - -"} {
		var inv *text.Invalid
		if err := onetimecode.Required(typed); !errors.As(err, &inv) || len(inv.Fields) != 1 || inv.Fields[0].Field != onetimecode.FieldCode {
			t.Errorf("Required(%q) = %v, want a *text.Invalid on %s", typed, err, onetimecode.FieldCode)
		}
	}
	if err := onetimecode.Required("1234 5678"); err != nil {
		t.Errorf("Required of a code = %v", err)
	}
}

func TestStep(t *testing.T) {
	j, _, code := codeJourney(t, 0)
	rules := onetimecode.EmailRules()
	var inv *text.Invalid
	if _, err := onetimecode.Step(t.Context(), j, "flw_s", secret.Pepper{pepper}, " ", rules, "verify", "code_ok"); !errors.As(err, &inv) {
		t.Errorf("nothing typed: %v, want *text.Invalid", err)
	}
	if f, _ := j.Flows.Get(t.Context(), "flw_s"); f.Code.Attempts != 0 {
		t.Errorf("nothing typed counted a try: %d", f.Code.Attempts)
	}
	if _, err := onetimecode.Step(t.Context(), j, "flw_s", secret.Pepper{pepper}, wrong(code), rules, "verify", "code_ok"); !errors.Is(err, onetimecode.ErrWrongCode) {
		t.Errorf("wrong code: %v, want ErrWrongCode", err)
	}
	f, err := onetimecode.Step(t.Context(), j, "flw_s", secret.Pepper{pepper}, code, rules, "verify", "code_ok")
	if err != nil || f.State != "done" {
		t.Fatalf("right code: %v, state %s; want done", err, f.State)
	}
	if _, err := onetimecode.Step(t.Context(), j, "flw_s", secret.Pepper{pepper}, code, rules, "verify", "code_ok"); !errors.Is(err, flow.ErrTransition) {
		t.Errorf("again, in done: %v, want flow.ErrTransition", err)
	}
}

func TestStepExpiredFlow(t *testing.T) {
	j, clk, code := codeJourney(t, 10*time.Minute) // the flow ends before its code
	clk.Advance(10 * time.Minute)
	if _, err := onetimecode.Step(t.Context(), j, "flw_s", secret.Pepper{pepper}, code, onetimecode.EmailRules(), "verify", "code_ok"); !errors.Is(err, flow.ErrExpired) {
		t.Errorf("expired flow: %v, want flow.ErrExpired", err)
	}
}

func TestLoadResend(t *testing.T) {
	j, clk, _ := codeJourney(t, 0)
	rules := onetimecode.EmailRules()
	limit := ratelimit.Limit{Name: "codes", Max: 5, Window: time.Hour}
	limiter := memlimit.New(clk)
	if _, _, err := onetimecode.LoadResend(t.Context(), j, "flw_s", "resend", "email", rules, limiter, limit); !errors.Is(err, onetimecode.ErrCooldown) {
		t.Errorf("within the cooldown: %v, want ErrCooldown", err)
	}
	clk.Advance(rules.Cooldown)
	f, target, err := onetimecode.LoadResend(t.Context(), j, "flw_s", "resend", "email", rules, limiter, limit)
	if err != nil || target != "a@example.com" || f.ID != "flw_s" || f.State != "verify" {
		t.Errorf("after the cooldown: %v, %q, %+v", err, target, f)
	}
	if _, _, err := onetimecode.LoadResend(t.Context(), j, "flw_s", "submit", "email", rules, limiter, limit); !errors.Is(err, flow.ErrTransition) {
		t.Errorf("an event that does not apply: %v, want flow.ErrTransition", err)
	}
}
