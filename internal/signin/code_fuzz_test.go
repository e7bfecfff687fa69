package signin

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzCodeDigits reads the SMS code field as Journey.Step does for EventCodeOK: codeDigits,
// then exactly six ASCII digits or the "enter the code" error.
//
// Invariants: it never panics; the output holds no space, hyphen or tab
// and is the input with only those and surrounding white space taken out
// (an invalid UTF-8 byte becomes U+FFFD, which no code holds);
// an accepted code is six ASCII digits that the input held in order with
// nothing but separators and white space around them; and any six-digit
// code typed with spaces, hyphens or tabs between its digits, or pasted with
// white space around it, is read as that code.
func FuzzCodeDigits(f *testing.F) {
	for _, seed := range []struct {
		typed string
		code  uint32
	}{
		{"123456", 123456}, {" 123 456 ", 0}, {"123-456", 42}, {"1\t2\t3\t4\t5\t6", 999999},
		{"١٢٣٤٥٦", 1}, {"12345６", 1}, {"123456\r\n", 1}, {"123\u00a0456", 1}, {"1234567", 1},
		{"12 34 5-", 1}, {"\u200b123456", 1}, {"+123456", 1}, {"\xff123456", 1}, {"", 0},
	} {
		f.Add(seed.typed, seed.code)
	}
	f.Fuzz(func(t *testing.T, typed string, code uint32) {
		got := codeDigits(typed)
		if strings.ContainsAny(got, " -\t") {
			t.Fatalf("codeDigits(%q) = %q: separators left", typed, got)
		}
		var want []rune
		for _, r := range strings.TrimSpace(typed) { // an invalid byte is U+FFFD
			if r != ' ' && r != '-' && r != '\t' {
				want = append(want, r)
			}
		}
		if got != string(want) {
			t.Fatalf("codeDigits(%q) = %q, want %q", typed, got, want)
		}
		if len(got) == 6 && strings.Trim(got, "0123456789") == "" {
			rest := strings.TrimSpace(typed)
			for _, d := range got {
				i := strings.IndexRune(rest, d)
				if i < 0 || strings.Trim(rest[:i], " -\t") != "" {
					t.Fatalf("codeDigits(%q) = %q: other characters accepted", typed, got)
				}
				rest = rest[i+1:]
			}
			if strings.Trim(rest, " -\t") != "" {
				t.Fatalf("codeDigits(%q) = %q: trailing %q accepted", typed, got, rest)
			}
		}

		sent := fmt.Sprintf("%06d", code%1_000_000)
		var b strings.Builder
		b.WriteString([]string{"", " ", "\u00a0", "\r\n", "\t "}[code%5]) // white space before, as pasted
		for i, d := range sent {
			b.WriteRune(d)
			if i < 5 {
				b.WriteString([]string{"", " ", "-", "\t", " - "}[(code>>uint(i*2))%5])
			}
		}
		if have := codeDigits(b.String()); have != sent {
			t.Fatalf("codeDigits(%q) = %q, want %q", b.String(), have, sent)
		}
	})
}
