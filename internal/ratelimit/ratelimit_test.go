package ratelimit

import (
	"errors"
	"testing"
	"time"
)

func TestWindow(t *testing.T) {
	l := Limit{Name: "w", Max: 1, Window: 15 * time.Minute}
	const w = int64(15 * 60 * 1000)
	for _, tc := range []struct {
		name                   string
		have                   time.Time
		wantIndex, wantElapsed int64
	}{
		{"epoch", time.Unix(0, 0), 0, 0},
		{"boundary", time.Unix(0, 0).Add(15 * time.Minute), 1, 0},
		{"just before a boundary", time.Unix(0, 0).Add(15*time.Minute - time.Millisecond), 0, w - 1},
		{"sub-millisecond is truncated", time.Unix(0, 0).Add(time.Millisecond + 999*time.Microsecond), 0, 1},
		{"before the epoch floors", time.Unix(0, 0).Add(-time.Millisecond), -1, w - 1},
		{"zone does not matter", time.Unix(0, 0).Add(16 * time.Minute).In(time.FixedZone("X", 5400)), 1, 60000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			index, elapsed, window := Window(l, tc.have)
			if index != tc.wantIndex || elapsed != tc.wantElapsed || window != w {
				t.Errorf("Window(%s) = (%d, %d, %d), want (%d, %d, %d)", tc.have,
					index, elapsed, window, tc.wantIndex, tc.wantElapsed, w)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	l := Limit{Name: "e", Max: 10, Window: 10 * time.Minute}
	start := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC) // a window boundary
	for _, tc := range []struct {
		name              string
		elapsed           time.Duration
		previous, current int
		want              Result
	}{
		{"empty", 0, 0, 0, Result{Allowed: true, Remaining: 9}},
		{"last one", 0, 0, 9, Result{Allowed: true, Remaining: 0}},
		{"full: a tenth into the next window", 0, 0, 10, Result{RetryAfter: 11 * time.Minute}},
		{"full late in window", 9 * time.Minute, 0, 10, Result{RetryAfter: 2 * time.Minute}},
		{"full window with previous full", 0, 10, 10, Result{RetryAfter: 11 * time.Minute}},
		{"previous full at the boundary weighs 1", 0, 10, 0, Result{RetryAfter: time.Minute}},
		{"previous full, a tenth in: one fits", time.Minute, 10, 0, Result{Allowed: true, Remaining: 0}},
		{"previous full, half way", 5 * time.Minute, 10, 0, Result{Allowed: true, Remaining: 4}},
		{"previous full, half way, five counted", 5 * time.Minute, 10, 5, Result{RetryAfter: time.Minute}},
		{"wait rounds up to a second", 5*time.Minute + 30*time.Second + time.Millisecond, 10, 5,
			Result{RetryAfter: 30 * time.Second}},
		{"tiny wait is at least a second", 5*time.Minute + 59*time.Second + 999*time.Millisecond, 10, 5,
			Result{RetryAfter: time.Second}},
		{"counts above max (limit lowered)", 0, 0, 50, Result{RetryAfter: 10*time.Minute + 8*time.Minute + 12*time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if have := Evaluate(l, start.Add(tc.elapsed), tc.previous, tc.current); have != tc.want {
				t.Errorf("Evaluate(+%s, prev %d, cur %d) = %+v, want %+v",
					tc.elapsed, tc.previous, tc.current, have, tc.want)
			}
		})
	}
}

// TestEvaluateRetryAfterIsExact checks, across many states, that waiting
// RetryAfter (less its rounding) is just enough: a millisecond less is still
// denied, RetryAfter itself is allowed. Nothing is counted while waiting.
func TestEvaluateRetryAfterIsExact(t *testing.T) {
	start := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	for _, max := range []int{1, 2, 3, 5, 10} {
		l := Limit{Name: "x", Max: max, Window: time.Minute}
		for prev := 0; prev <= max+1; prev++ {
			for cur := 0; cur <= max+1; cur++ {
				for _, el := range []time.Duration{0, 7 * time.Second, 30 * time.Second, 59*time.Second + 500*time.Millisecond} {
					now := start.Add(el)
					r := Evaluate(l, now, prev, cur)
					if r.Allowed {
						continue
					}
					at := now.Add(r.RetryAfter)
					if !allowsAt(l, at, start, prev, cur) {
						t.Errorf("max %d prev %d cur %d +%s: still denied after RetryAfter %s", max, prev, cur, el, r.RetryAfter)
					}
					if allowsAt(l, at.Add(-time.Second), start, prev, cur) {
						t.Errorf("max %d prev %d cur %d +%s: RetryAfter %s is a second or more too long", max, prev, cur, el, r.RetryAfter)
					}
				}
			}
		}
	}
}

// allowsAt says whether one event would be allowed at t, given prev and cur
// were counted in the windows before and at windowStart and nothing since.
func allowsAt(l Limit, t, windowStart time.Time, prev, cur int) bool {
	switch n := t.Sub(windowStart) / l.Window; n {
	case 0:
		return Evaluate(l, t, prev, cur).Allowed
	case 1:
		return Evaluate(l, t, cur, 0).Allowed
	default:
		return Evaluate(l, t, 0, 0).Allowed
	}
}

func TestLimitValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		have Limit
		want bool // valid
	}{
		{"ok", Limit{Name: "a", Max: 1, Window: time.Millisecond}, true},
		{"no name", Limit{Max: 1, Window: time.Minute}, false},
		{"colon in name", Limit{Name: "a:b", Max: 1, Window: time.Minute}, false},
		{"max 0", Limit{Name: "a", Window: time.Minute}, false},
		{"negative max", Limit{Name: "a", Max: -1, Window: time.Minute}, false},
		{"window under 1ms", Limit{Name: "a", Max: 1, Window: time.Millisecond - 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.have.Validate()
			if (err == nil) != tc.want {
				t.Fatalf("Validate() = %v, want valid=%v", err, tc.want)
			}
			if err != nil && !errors.Is(err, ErrInvalidLimit) {
				t.Errorf("Validate() = %v, want it to wrap ErrInvalidLimit", err)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	d := Defaults()
	if err := d.Validate(); err != nil {
		t.Fatalf("Defaults().Validate() = %v", err)
	}
	for _, tc := range []struct {
		name string
		have Limit
		want Limit
	}{
		{"codes per phone (design.md 3.3)", d.CodesPerPhone, Limit{Name: "codes-phone", Max: 5, Window: 15 * time.Minute}},
		{"calls per phone (design.md 3.3)", d.CallsPerPhone, Limit{Name: "calls-phone", Max: 3, Window: 15 * time.Minute}},
	} {
		if tc.have != tc.want {
			t.Errorf("%s: have %+v, want %+v", tc.name, tc.have, tc.want)
		}
	}
	d.CallsPerPhone.Name = d.CodesPerPhone.Name
	if err := d.Validate(); !errors.Is(err, ErrInvalidLimit) {
		t.Errorf("Validate with a name used twice = %v, want ErrInvalidLimit", err)
	}
}
