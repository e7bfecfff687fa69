package totp_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/totp"
)

// FuzzVerify feeds Verify what people type. Invariants: it never panics;
// what it accepts is, once spaces and dashes are dropped, exactly the 6
// ASCII digits of the code of the step it returns, which is within one step
// of now and after the last used one; anything else is ErrWrongCode or
// ErrReplayed.
func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 12, 5, 9, 0, 10, 0, time.UTC)
	right, _ := totp.Code(secret, totp.Step(now))
	for _, s := range []string{right, " " + right[:3] + "-" + right[3:] + " ", "", "000000", "１２３４５６", "12345\x00", "\r\n123456", "9999999", right + right} {
		f.Add(s, int64(0))
	}
	f.Add(right, totp.Step(now))
	f.Fuzz(func(t *testing.T, typed string, last int64) {
		step, err := totp.Verify(secret, typed, now, last)
		if err != nil {
			if !errors.Is(err, totp.ErrWrongCode) && !errors.Is(err, totp.ErrReplayed) {
				t.Fatalf("Verify(%q) = %v: not a sentinel", typed, err)
			}
			return
		}
		cur := totp.Step(now)
		if step < cur-1 || step > cur+1 || step <= last {
			t.Fatalf("Verify(%q, last %d) accepted step %d at step %d", typed, last, step, cur)
		}
		digits := strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(typed)
		if want, _ := totp.Code(secret, step); digits != want {
			t.Fatalf("Verify(%q) accepted it as %q, the code of step %d", typed, want, step)
		}
	})
}
