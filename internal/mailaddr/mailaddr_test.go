package mailaddr

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		name    string
		have    string
		want    string
		wantErr error
	}{
		{"trim and lower", "  Penny.Plumber@Example.COM\t", "penny.plumber@example.com", nil},
		{"plus tag", "a+b@c.example", "a+b@c.example", nil},
		{"unicode domain", "zoë@bücher.example", "zoë@bücher.example", nil},
		{"empty", "   ", "", ErrEmpty},
		{"too long", strings.Repeat("a", 250) + "@b.co", "", ErrTooLong},
		{"no at", "penny.example.com", "", ErrInvalid},
		{"two ats", "a@b@c.example", "", ErrInvalid},
		{"no domain dot", "a@localhost", "", ErrInvalid},
		{"header injection", "a@b.example\r\nBcc: x@y.example", "", ErrInvalid},
		{"inner space", "a b@c.example", "", ErrInvalid},
		{"display name", "Penny <p@x.example>", "", ErrInvalid},
		{"empty label", "a@b..example", "", ErrInvalid},
		{"leading dot", ".a@b.example", "", ErrInvalid},
		{"long local", strings.Repeat("a", 65) + "@b.example", "", ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Normalize(tc.have)
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Fatalf("Normalize(%q) = %q, %v; want %q, %v", tc.have, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// FuzzNormalize checks the invariants of Normalize: an accepted address has
// no CR, LF or other control character, no space, exactly one "@", is at most
// MaxLength bytes, is lower case, and normalises to itself.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"penny@example.com", " A@B.CO ", "a@b.example\r\nBcc: x@y.example", "a@b.example\n",
		"a\x00@b.example", "İ@b.example", "a@b.example\u2028", "\ufeffa@b.example", "a@b.c\u0085",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Normalize(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(got, "\r\n\x00 \t") || strings.Count(got, "@") != 1 || len(got) > MaxLength {
			t.Fatalf("Normalize(%q) accepted %q", s, got)
		}
		if strings.ToLower(got) != got {
			t.Fatalf("Normalize(%q) = %q: not lower case", s, got)
		}
		again, err := Normalize(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, got, again, err)
		}
	})
}
