package onetimecode_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/onetimecode"
	"github.com/carekey/carekey/internal/secret"
)

// FuzzRedeem types the fuzzer's text into the email-code field of a flow
// whose live code is an 8-digit code the fuzzer also picks.
//
// Invariants:
//   - it never panics;
//   - the typed text redeems the code exactly when its letters and digits
//     are the code (spaces, hyphens and the like are ignored; other digits,
//     such as Arabic-Indic ones, are not the code's): the flow moves on and
//     the code is used up, so the same text a second time is refused;
//   - any other text is ErrWrongCode, counts one try, changes nothing else,
//     and the right code still works after it.
func FuzzRedeem(f *testing.F) {
	for _, seed := range []struct {
		typed string
		code  uint32
	}{
		{"12345678", 12345678}, {"1234 5678", 12345678}, {"1234-5678", 12345678}, {"\u200b12345678\r\n", 12345678},
		{"00000001", 1}, {"1", 1}, {"١٢٣٤٥٦٧٨", 12345678}, {"12345678a", 12345678}, {"123456789", 12345678},
		{"1234567", 12345678}, {"\xff12345678", 12345678}, {"", 0}, {"00000000", 0},
	} {
		f.Add(seed.typed, seed.code)
	}
	f.Fuzz(func(t *testing.T, typed string, n uint32) {
		r := newRig(t)
		code := fmt.Sprintf("%08d", n%100_000_000)
		now := r.clk.Now()
		if _, err := r.flows.Update(t.Context(), r.id, func(f *flow.Flow) error {
			return onetimecode.Issue(f, secret.HMAC(pepper, code), "a@b.example", now, r.rules, false)
		}); err != nil {
			t.Fatal(err)
		}
		err := r.redeem(typed)
		f, gerr := r.flows.Get(t.Context(), r.id)
		if gerr != nil {
			t.Fatal(gerr)
		}
		if secret.NormalizeCode(typed) == code {
			if err != nil || f.State != "done" || f.Code.HMAC != nil {
				t.Fatalf("code %s typed as %q: %v, state %q", code, typed, err, f.State)
			}
			if err := r.redeem(typed); err == nil {
				t.Fatalf("code %s typed as %q redeemed twice", code, typed)
			}
			return
		}
		if !errors.Is(err, onetimecode.ErrWrongCode) || f.State != "verify" || f.Code.HMAC == nil || f.Code.Attempts != 1 {
			t.Fatalf("code %s, typed %q: %v, state %q, attempts %d", code, typed, err, f.State, f.Code.Attempts)
		}
		if err := r.redeem(code); err != nil {
			t.Fatalf("code %s after the wrong %q: %v", code, typed, err)
		}
	})
}
