package totp_test

import (
	"bytes"
	"errors"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/totp"
)

// secret is RFC 6238's SHA-1 test key ("12345678901234567890"), in base32.
const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestVerifyRFCVector(t *testing.T) {
	// RFC 6238 appendix B: at 59 s the 8-digit code is 94287082; its last 6.
	step, err := totp.Verify(secret, "287082", time.Unix(59, 0), 0)
	if err != nil || step != 1 {
		t.Fatalf("Verify = %d, %v; want step 1", step, err)
	}
}

// TestVerifyStepBoundaries moves a fake clock to either side of step
// boundaries: the code of step s is good from the start of step s-1 to the
// end of step s+1, and not a nanosecond outside.
func TestVerifyStepBoundaries(t *testing.T) {
	const s = 57_000_000 // a step in 2024
	start := func(step int64) time.Time { return time.Unix(step*30, 0).UTC() }
	code, err := totp.Code(secret, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		have time.Time // the clock when the code is typed
		last int64     // the last step used
		want error
	}{
		{"in its own step", start(s).Add(15 * time.Second), 0, nil},
		{"first instant of its step", start(s), 0, nil},
		{"last instant of its step", start(s + 1).Add(-time.Nanosecond), 0, nil},
		{"one step early (phone ahead)", start(s - 1), 0, nil},
		{"one step late, last instant", start(s + 2).Add(-time.Nanosecond), 0, nil},
		{"two steps late", start(s + 2), 0, totp.ErrWrongCode},
		{"two steps early", start(s - 1).Add(-time.Nanosecond), 0, totp.ErrWrongCode},
		{"its step already used", start(s), s, totp.ErrReplayed},
		{"a later step already used", start(s + 1), s + 1, totp.ErrReplayed},
		{"the step before used", start(s), s - 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktest.New(tc.have)
			step, err := totp.Verify(secret, code, clk.Now(), tc.last)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && step != s {
				t.Errorf("step = %d, want %d", step, s)
			}
		})
	}
}

// TestVerifyReplay: a code accepted once is refused when typed again, in
// its step and the next, with the step Verify returned recorded.
func TestVerifyReplay(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 12, 5, 9, 0, 10, 0, time.UTC))
	code, _ := totp.Code(secret, totp.Step(clk.Now()))
	last, err := totp.Verify(secret, code, clk.Now(), 0)
	if err != nil {
		t.Fatalf("first use: %v", err)
	}
	if _, err := totp.Verify(secret, code, clk.Now(), last); !errors.Is(err, totp.ErrReplayed) {
		t.Errorf("replay in the same step: err = %v, want ErrReplayed", err)
	}
	clk.Advance(totp.Period)
	if _, err := totp.Verify(secret, code, clk.Now(), last); !errors.Is(err, totp.ErrReplayed) {
		t.Errorf("replay a step later: err = %v, want ErrReplayed", err)
	}
	next, _ := totp.Code(secret, totp.Step(clk.Now()))
	if step, err := totp.Verify(secret, next, clk.Now(), last); err != nil || step != last+1 {
		t.Errorf("next step's code: %d, %v; want %d", step, err, last+1)
	}
}

func TestVerifyRefuses(t *testing.T) {
	now := time.Date(2026, 12, 5, 9, 0, 10, 0, time.UTC)
	other, err := totp.Generate("Care Portal", "ann@example.org")
	if err != nil {
		t.Fatal(err)
	}
	wrongSecret, _ := totp.Code(other.Secret, totp.Step(now))
	right, _ := totp.Code(secret, totp.Step(now))
	for _, tc := range []struct{ name, have string }{
		{"code from another secret", wrongSecret},
		{"empty", ""},
		{"five digits", right[:5]},
		{"seven digits", right + "1"},
		{"letters", "abcdef"},
		{"full-width digits", "１２３４５６"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.have == right {
				t.Skip("the other secret's code happens to match")
			}
			if _, err := totp.Verify(secret, tc.have, now, 0); !errors.Is(err, totp.ErrWrongCode) {
				t.Errorf("err = %v, want ErrWrongCode", err)
			}
		})
	}
	// Pasted with spaces or a dash: still the code.
	spaced := right[:3] + " - " + right[3:]
	if _, err := totp.Verify(secret, " "+spaced+" ", now, 0); err != nil {
		t.Errorf("spaced code: %v", err)
	}
}

func TestGenerate(t *testing.T) {
	a, err := totp.Generate("Care Portal", "ann@example.org")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := totp.Generate("Care Portal", "ann@example.org")
	if a.Secret == b.Secret {
		t.Error("two secrets are the same")
	}
	if len(a.Secret) != 32 { // 20 bytes in base32
		t.Errorf("secret %d characters, want 32", len(a.Secret))
	}
	for _, want := range []string{"otpauth://totp/", "issuer=Care%20Portal", "secret=" + a.Secret, "ann@example.org", "digits=6", "period=30"} {
		if !strings.Contains(a.URL, want) {
			t.Errorf("URL %q lacks %q", a.URL, want)
		}
	}
	img, err := totp.QRCode(a.URL, 200)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil || cfg.Width != 200 || cfg.Height != 200 {
		t.Errorf("QR code PNG: %+v, %v; want 200×200", cfg, err)
	}
}

func TestSeal(t *testing.T) {
	c, err := keys.NewCipher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := totp.Seal(c, "u1", secret)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, secret) {
		t.Error("sealed secret contains the secret")
	}
	if got, err := totp.Open(c, "u1", sealed); err != nil || got != secret {
		t.Errorf("Open = %q, %v", got, err)
	}
	// Bound to its user: another user's row cannot use it.
	if _, err := totp.Open(c, "u2", sealed); !errors.Is(err, keys.ErrDecrypt) {
		t.Errorf("Open for another user: err = %v, want keys.ErrDecrypt", err)
	}
}

// A secret sealed under a previous key still opens, and Reseal moves it to
// the current key so the previous one can go.
func TestReseal(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	before, _ := keys.NewCipher(oldKey)
	sealed, err := totp.Seal(before, "u1", secret)
	if err != nil {
		t.Fatal(err)
	}
	during, _ := keys.NewCipher(newKey, oldKey)
	resealed, changed, err := totp.Reseal(during, "u1", sealed)
	if err != nil || !changed || resealed == sealed {
		t.Fatalf("Reseal = %v, %v; want a new blob", changed, err)
	}
	if again, changed, err := totp.Reseal(during, "u1", resealed); err != nil || changed || again != resealed {
		t.Errorf("Reseal of a current blob = %v, %v; want unchanged", changed, err)
	}
	after, _ := keys.NewCipher(newKey)
	if got, err := totp.Open(after, "u1", resealed); err != nil || got != secret {
		t.Errorf("after the old key left: %q, %v", got, err)
	}
	if _, err := totp.Open(after, "u1", sealed); !errors.Is(err, keys.ErrDecrypt) {
		t.Errorf("the old blob without the old key: %v, want keys.ErrDecrypt", err)
	}
}
