package password

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// history returns hashes of pw0 (current), pw1, … pwN, newest first.
func history(t *testing.T, h *Hasher, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		phc, err := h.Hash(t.Context(), fmt.Sprintf("Password-number-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = phc
	}
	return out
}

func TestCheckHistory(t *testing.T) {
	h := NewHasher(cheap, 4)
	p := DefaultPolicy()
	hist := history(t, h, 12) // current + 11 previous

	for _, tc := range []struct {
		name string
		have string
		hist []string
		want []Rule
	}{
		{"new password", "Brand-new-pw-1", hist, nil},
		{"current", "Password-number-0", hist, []Rule{RuleNotCurrent}},
		{"previous", "Password-number-1", hist, []Rule{RuleNotPrevious}},
		{"8th previous", "Password-number-8", hist, []Rule{RuleNotPrevious}},
		{"9th previous is allowed again", "Password-number-9", hist, nil},
		{"11th previous is allowed again", "Password-number-11", hist, nil},
		{"no history", "Password-number-0", nil, nil},
		{"short history", "Password-number-1", hist[:2], []Rule{RuleNotPrevious}},
		{"current equals a previous", "Password-number-0", []string{hist[0], hist[3], hist[0]}, []Rule{RuleNotCurrent, RuleNotPrevious}},
		{"empty and malformed entries skipped", "Password-number-2", []string{"", "$argon2id$junk", hist[2]}, []Rule{RuleNotPrevious}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			have := failedRules(t, p.CheckHistory(t.Context(), h, tc.have, tc.hist))
			if !slices.Equal(have, tc.want) {
				t.Errorf("CheckHistory(%q) failed %v, want %v", tc.have, have, tc.want)
			}
		})
	}
}

func TestCheckHistorySize(t *testing.T) {
	h := NewHasher(cheap, 4)
	hist := history(t, h, 4)
	p := DefaultPolicy()
	p.HistorySize = 2
	if err := p.CheckHistory(t.Context(), h, "Password-number-2", hist); failedRules(t, err) == nil {
		t.Error("2nd previous accepted with HistorySize 2")
	}
	if err := p.CheckHistory(t.Context(), h, "Password-number-3", hist); err != nil {
		t.Errorf("3rd previous refused with HistorySize 2: %v", err)
	}
	var pe *PolicyError
	if errors.As(p.CheckHistory(t.Context(), h, "Password-number-1", hist), &pe) &&
		pe.Texts()[0] != "It must be different to your previous 2 passwords." {
		t.Errorf("text = %q", pe.Texts()[0])
	}
}

func TestCheckHistoryContext(t *testing.T) {
	h := NewHasher(cheap, 1)
	hist := history(t, h, 2)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := DefaultPolicy().CheckHistory(ctx, h, "Password-number-0", hist)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("CheckHistory with cancelled ctx = %v, want Canceled", err)
	}
}
