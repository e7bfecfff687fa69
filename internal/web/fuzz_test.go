package web

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/authstate"
)

// FuzzCodeDigits reads the SMS code field as verifyCode does: codeDigits,
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

// FuzzErrorRedirect builds the OAuth error redirect for a client's redirect
// URI, an error code and the client's state (which the client, or an
// attacker starting the request, chooses).
//
// Invariants: it never panics; the result is "/" or a URL with the redirect
// URI's scheme, host and path, its other query parameters kept (when they
// parse), error equal to the code, and state exactly as sent (when not
// empty), whatever bytes it holds; no CR or LF ever reaches the Location.
func FuzzErrorRedirect(f *testing.F) {
	for _, seed := range [][3]string{
		{"https://portal.example/callback", "login_required", "af0ifjsldkj"},
		{"https://portal.example/callback?x=1&error=no", "access_denied", ""},
		{"https://portal.example/callback", "login_required", "a\r\nSet-Cookie: x=y"},
		{"https://portal.example/callback", "login_required", "a&error=none#frag"},
		{"https://portal.example/cb#frag", "login_required", "s"},
		{"http://localhost:3000/cb?x=%zz", "login_required", "\xff\x00"},
		{"com.example.app:/oauth2redirect", "login_required", "s"},
		{"%zz", "login_required", "s"},
		{"//evil.example/cb", "login_required", "s"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, redirectURI, code, state string) {
		got := errorRedirect(authstate.AuthRequest{RedirectURI: redirectURI, State: state}, code)
		if strings.ContainsAny(got, "\r\n") {
			t.Fatalf("errorRedirect(%q, %q, %q) = %q: CR or LF", redirectURI, code, state, got)
		}
		ru, err := url.Parse(redirectURI)
		if err != nil {
			if got != "/" {
				t.Fatalf("errorRedirect(%q) = %q for an unparsable URI, want /", redirectURI, got)
			}
			return
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("errorRedirect(%q, %q, %q) = %q: %v", redirectURI, code, state, got, err)
		}
		if u.Scheme != ru.Scheme || u.Host != ru.Host || u.Path != ru.Path || u.Opaque != ru.Opaque {
			t.Fatalf("errorRedirect(%q) = %q: goes elsewhere", redirectURI, got)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			t.Fatalf("errorRedirect(%q, %q, %q) = %q: query %v", redirectURI, code, state, got, err)
		}
		if q.Get("error") != code || len(q["error"]) != 1 {
			t.Fatalf("errorRedirect(%q, %q, %q) = %q: error %q", redirectURI, code, state, got, q["error"])
		}
		if state != "" && (q.Get("state") != state || len(q["state"]) != 1) {
			t.Fatalf("errorRedirect(%q, %q, %q) = %q: state %q", redirectURI, code, state, got, q["state"])
		}
		if orig, err := url.ParseQuery(ru.RawQuery); err == nil {
			for k, v := range orig {
				if k != "error" && k != "state" && strings.Join(q[k], "\x00") != strings.Join(v, "\x00") {
					t.Fatalf("errorRedirect(%q) = %q: lost %s=%q", redirectURI, got, k, v)
				}
			}
		}
	})
}
