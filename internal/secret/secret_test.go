package secret

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := ID("usr_")
		rest, ok := strings.CutPrefix(id, "usr_")
		if !ok || len(rest) != 26 {
			t.Fatalf("ID = %q, want usr_ + 26 characters", id)
		}
		if strings.Trim(rest, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Fatalf("ID = %q: characters outside lower-case base32", id)
		}
		if seen[id] {
			t.Fatalf("ID %q repeated", id)
		}
		seen[id] = true
	}
}

func TestToken(t *testing.T) {
	tok := Token()
	if len(tok) != 43 {
		t.Fatalf("len(Token()) = %d, want 43", len(tok))
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 32 {
		t.Fatalf("Token() = %q decodes to %d bytes, %v; want 32 bytes of base64url", tok, len(b), err)
	}
	if Token() == tok {
		t.Fatal("Token repeated")
	}
}

func TestNumericCode(t *testing.T) {
	for digits := 1; digits <= MaxCodeDigits; digits++ {
		c := NumericCode(digits)
		if len(c) != digits || strings.Trim(c, "0123456789") != "" {
			t.Errorf("NumericCode(%d) = %q", digits, c)
		}
	}
}

// TestNumericCodeEveryDigitEverywhere is a sanity check on the distribution:
// over 10,000 draws of 8 digits every digit shows up in every position (each
// is missed with probability about 0.9^10000).
func TestNumericCodeEveryDigitEverywhere(t *testing.T) {
	var seen [8][10]int
	for range 10000 {
		for i, r := range NumericCode(8) {
			seen[i][r-'0']++
		}
	}
	for pos := range seen {
		for d, n := range seen[pos] {
			if n == 0 {
				t.Errorf("digit %d never at position %d", d, pos)
			}
		}
	}
}

func TestNumericCodePanicsOnBadDigits(t *testing.T) {
	for _, digits := range []int{0, -1, MaxCodeDigits + 1} {
		t.Run(fmt.Sprint(digits), func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("NumericCode(%d) did not panic", digits)
				}
			}()
			NumericCode(digits)
		})
	}
}

func TestVerify(t *testing.T) {
	pepper := []byte("0123456789abcdef0123456789abcdef")
	mac := HMAC(pepper, "12345678")
	if len(mac) != 32 {
		t.Fatalf("len(HMAC) = %d, want 32", len(mac))
	}
	tampered := bytes.Clone(mac)
	tampered[0] ^= 1
	for _, tc := range []struct {
		name   string
		pepper []byte
		value  string
		mac    []byte
		want   bool
	}{
		{"right code", pepper, "12345678", mac, true},
		{"wrong code", pepper, "12345679", mac, false},
		{"empty code", pepper, "", mac, false},
		{"tampered mac", pepper, "12345678", tampered, false},
		{"truncated mac", pepper, "12345678", mac[:16], false},
		{"nil mac", pepper, "12345678", nil, false},
		{"wrong pepper", []byte("another pepper of 32 bytes......"), "12345678", mac, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if have := Verify(tc.pepper, tc.value, tc.mac); have != tc.want {
				t.Errorf("Verify = %v, want %v", have, tc.want)
			}
		})
	}
}

func TestHashToken(t *testing.T) {
	// SHA-256("abc") from FIPS 180-2.
	want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if have := HashToken("abc"); have != want {
		t.Errorf("HashToken(abc) = %s, want %s", have, want)
	}
}

func TestEqual(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"", "", true},
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"abc", "abcd", false},
		{"", "a", false},
	} {
		if have := Equal(tc.a, tc.b); have != tc.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", tc.a, tc.b, have, tc.want)
		}
	}
}

func TestRedacted(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	code := Redacted("12345678")
	log.Info("sent", "code", code)
	log.Info("sent", slog.Any("code", code))
	if strings.Contains(buf.String(), "12345678") {
		t.Errorf("log leaks the code: %s", buf.String())
	}
	for _, verb := range []string{"%s", "%v", "%+v", "%#v", "%q"} {
		if s := fmt.Sprintf(verb, code); strings.Contains(s, "12345678") {
			t.Errorf("Sprintf(%s) = %s leaks the code", verb, s)
		}
	}
	if string(code) != "12345678" {
		t.Errorf("string(code) = %q", string(code))
	}
}

func TestNormalizeCode(t *testing.T) {
	for _, tc := range []struct {
		have, want string
	}{
		{"12345678", "12345678"},
		{"1234 5678", "12345678"},
		{"1234-5678", "12345678"},
		{" 12 34\t56\n78\r\n", "12345678"},
		{"1234\u00a05678", "12345678"}, // no-break space, as pasted from email
		{"1234\u20115678", "12345678"}, // non-breaking hyphen
		{"ab-CD", "abCD"},
		{"", ""},
		{" - ", ""},
	} {
		if have := NormalizeCode(tc.have); have != tc.want {
			t.Errorf("NormalizeCode(%q) = %q, want %q", tc.have, have, tc.want)
		}
	}
}

// FuzzNormalizeCode checks the invariants of code entry: the output is valid
// UTF-8 holding only letters and digits, all of them taken from the input in
// order; nothing the input had as a letter or digit is dropped; and
// normalising twice changes nothing.
func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"12345678", "1234 5678", "1234-5678", "\xff12\x00", "١٢٣", "a\r\nBcc: x", "\u200b123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := NormalizeCode(s)
		if !utf8.ValidString(out) {
			t.Fatalf("NormalizeCode(%q) = %q: invalid UTF-8", s, out)
		}
		var kept []rune
		for _, r := range s {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				kept = append(kept, r)
			}
		}
		if out != string(kept) {
			t.Fatalf("NormalizeCode(%q) = %q, want the input's letters and digits %q", s, out, string(kept))
		}
		if again := NormalizeCode(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, again)
		}
	})
}

// A pepper replaced with the old one kept as previous: new MACs use the new
// key, and MACs made under either key verify; with the old key removed, its
// MACs no longer do.
func TestPepperKeyring(t *testing.T) {
	oldKey, newKey := []byte("old pepper, 32 bytes long ......"), []byte("new pepper, 32 bytes long ......")
	before := Pepper{oldKey}
	ring := Pepper{newKey, oldKey}
	made := before.MAC("123456")
	if !ring.Verify("123456", made) {
		t.Error("a code made under the previous pepper does not verify")
	}
	if ring.Verify("654321", made) {
		t.Error("a wrong code verifies")
	}
	fresh := ring.MAC("123456")
	if before.Verify("123456", fresh) || !(Pepper{newKey}).Verify("123456", fresh) {
		t.Error("the keyring does not MAC with its current key")
	}
	if (Pepper{newKey}).Verify("123456", made) {
		t.Error("a code made under a removed pepper verifies")
	}
}
