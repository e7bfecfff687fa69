package onetimecode_test

import (
	"errors"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/onetimecode"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/ratelimit/memlimit"
)

// TestAdmit: the flow's own limits are checked before the address's, so a
// send the flow refuses costs the address nothing, and the flow is never
// changed by the check.
func TestAdmit(t *testing.T) {
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	rules := onetimecode.EmailRules()
	perAddress := ratelimit.Limit{Name: "codes", Max: 1, Window: time.Hour}
	sent := func(sends int, ago time.Duration) flow.Flow {
		f := flow.Flow{Data: map[string]string{"k": "v"}}
		f.Code = &flow.Code{HMAC: []byte("mac"), Sends: sends, LastSentAt: now.Add(-ago)}
		return f
	}
	for _, tc := range []struct {
		name        string
		have        flow.Flow
		resend      bool
		used        int // sends already counted for the address
		want        error
		wantCounted bool // the address's allowance was used
	}{
		{"first code", flow.Flow{}, false, 0, nil, true},
		{"resend after the cooldown", sent(1, 2*time.Minute), true, 0, nil, true},
		{"resend within the cooldown", sent(1, time.Second), true, 0, onetimecode.ErrCooldown, false},
		{"new address within the cooldown", sent(1, time.Second), false, 0, nil, true},
		{"the flow's last send used", sent(rules.MaxSends, time.Hour), true, 0, onetimecode.ErrTooManySends, false},
		{"the address's allowance used", sent(1, 2*time.Minute), true, 1, onetimecode.ErrRateLimited, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktest.New(now)
			limiter := memlimit.New(clk)
			for range tc.used {
				if err := onetimecode.Allow(t.Context(), limiter, perAddress, "email:a@example.com"); err != nil {
					t.Fatal(err)
				}
			}
			keys := len(tc.have.Data)
			code := tc.have.Code
			err := onetimecode.Admit(t.Context(), tc.have, "a@example.com", now, rules, tc.resend, limiter, perAddress)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Admit = %v, want %v", err, tc.want)
			}
			var le *onetimecode.LimitError
			var rl *ratelimit.LimitedError
			if err != nil && !errors.As(err, &le) && !errors.As(err, &rl) {
				t.Errorf("%v is neither a *LimitError nor a *ratelimit.LimitedError", err)
			}
			if tc.have.Code != code || len(tc.have.Data) != keys {
				t.Errorf("the flow was changed: %+v", tc.have)
			}
			// One more send for the address tells whether this one was counted.
			next := onetimecode.Allow(t.Context(), limiter, perAddress, "email:a@example.com")
			if counted := errors.Is(next, onetimecode.ErrRateLimited); counted != (tc.wantCounted || tc.used > 0) {
				t.Errorf("address allowance used: %v, want %v", counted, tc.wantCounted)
			}
		})
	}
}

func TestRulesOr(t *testing.T) {
	if got := (onetimecode.Rules{}).Or(onetimecode.EmailRules()); got != onetimecode.EmailRules() {
		t.Errorf("zero rules: %+v, want the defaults", got)
	}
	own := onetimecode.Rules{Digits: 6, TTL: time.Minute, Cooldown: time.Second, MaxAttempts: 3, MaxSends: 2}
	if got := own.Or(onetimecode.EmailRules()); got != own {
		t.Errorf("set rules: %+v, want them unchanged", got)
	}
}
