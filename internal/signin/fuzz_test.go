package signin_test

import (
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/mailaddr"
	"github.com/carekey/carekey/internal/signin"
)

// FuzzNormalizeEmail reads the sign-in form's email (and the admin API's
// ?email=) as the lookup does.
//
// Invariants: it never panics; the result is trimmed and lower case, and
// normalising it again changes nothing; and for every address
// registration accepts (mailaddr.Normalize), the sign-in lookup uses the
// very address registration stored, so nobody is locked out of, or let into,
// an account by how the address was typed.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"penny@example.com", " Penny@Example.COM ", "a@b.example\r\n", "İ@b.example", "\u212a@b.example",
		"a@b.example\u2028", "\ufeffa@b.example", "a@b.c\u0085", "\xff@b.example", "ǅ@b.example",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := signin.NormalizeEmail(s)
		if got != strings.TrimSpace(got) || got != strings.ToLower(got) {
			t.Fatalf("NormalizeEmail(%q) = %q: not trimmed and lower case", s, got)
		}
		if again := signin.NormalizeEmail(got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
		if stored, err := mailaddr.Normalize(s); err == nil && stored != got {
			t.Fatalf("registration stores %q, sign-in looks up %q (typed %q)", stored, got, s)
		}
	})
}
