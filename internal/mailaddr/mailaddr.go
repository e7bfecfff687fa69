package mailaddr

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLength is the longest address accepted, in bytes (RFC 5321's path limit
// less the angle brackets).
const MaxLength = 254

// Sentinel errors.
var (
	// ErrEmpty: nothing but space was typed.
	ErrEmpty = errors.New("mailaddr: empty")
	// ErrTooLong: longer than MaxLength bytes (refused, never truncated).
	ErrTooLong = errors.New("mailaddr: too long")
	// ErrInvalid: not an address of the form local@domain.example.
	ErrInvalid = errors.New("mailaddr: invalid")
)

// Normalize trims s, lower-cases it and checks it is a plain address
// local@domain: valid UTF-8, no spaces, control characters, angle brackets,
// quotes, commas or semicolons, exactly one "@", a local part of at most 64
// bytes, and a domain of dot-separated labels (letters, digits, hyphens; no
// empty label; at least two labels). Normalize is idempotent: a result it
// returns normalises to itself.
func Normalize(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return "", ErrEmpty
	case len(s) > MaxLength:
		return "", ErrTooLong
	case !utf8.ValidString(s):
		return "", ErrInvalid
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || !unicode.IsPrint(r) || strings.ContainsRune(`<>()[]\,;:"`, r) {
			return "", ErrInvalid
		}
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(local) > 64 || strings.Contains(domain, "@") {
		return "", ErrInvalid
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", ErrInvalid
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "", ErrInvalid
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return "", ErrInvalid
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return "", ErrInvalid
			}
		}
	}
	// Lower-casing can change the length of some runes; check the result
	// still normalises to itself.
	if strings.ToLower(s) != s {
		return "", ErrInvalid
	}
	return s, nil
}
