package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"unicode"
)

// idEncoding is lower-case RFC 4648 base32 without padding.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// randomBytes returns n bytes from crypto/rand. Since Go 1.24 rand.Read never
// returns an error (the program crashes instead); the panic is a guard only.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("secret: crypto/rand: %v", err))
	}
	return b
}

// ID returns prefix followed by 26 characters of lower-case base32 (a-z, 2-7)
// encoding 16 random bytes, e.g. "usr_k5q3…". Panics only if crypto/rand fails.
func ID(prefix string) string {
	return prefix + idEncoding.EncodeToString(randomBytes(16))
}

// Token returns 32 random bytes as unpadded base64url (43 characters), for
// refresh tokens and other bearer secrets. Panics only if crypto/rand fails.
func Token() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

// MaxCodeDigits is the longest code NumericCode makes.
const MaxCodeDigits = 18

// NumericCode returns a code of digits decimal digits (leading zeros kept),
// uniformly distributed: draws above the largest multiple of 10^digits that
// fits in 64 bits are rejected rather than reduced, so there is no modulo bias.
// digits must be in 1..MaxCodeDigits; anything else is a programming error and
// panics. Otherwise it panics only if crypto/rand fails.
func NumericCode(digits int) string {
	if digits < 1 || digits > MaxCodeDigits {
		panic(fmt.Sprintf("secret: NumericCode(%d): digits must be 1..%d", digits, MaxCodeDigits))
	}
	n := uint64(1)
	for range digits {
		n *= 10
	}
	limit := (^uint64(0) / n) * n // largest multiple of n not above 2^64-1
	for {
		v := binary.BigEndian.Uint64(randomBytes(8))
		if v < limit {
			return fmt.Sprintf("%0*d", digits, v%n)
		}
	}
}

// HMAC returns HMAC-SHA256 of value keyed with pepper: what is stored in place
// of a one-time code.
func HMAC(pepper []byte, value string) []byte {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte(value))
	return m.Sum(nil)
}

// Verify reports whether mac is HMAC(pepper, value), in constant time.
func Verify(pepper []byte, value string, mac []byte) bool {
	return hmac.Equal(HMAC(pepper, value), mac)
}

// Pepper is the server's HMAC keyring (keys.pepper, and keys.previous_pepper
// while it is being replaced), the current key first: MAC keys with the
// current one, Verify accepts a MAC of any, so the codes and tokens made
// before a change still verify until they expire.
type Pepper [][]byte

// MAC is HMAC(current key, value).
func (p Pepper) MAC(value string) []byte { return HMAC(p[0], value) }

// Verify reports whether mac is the MAC of value under a key of p, trying
// every key (constant time in the matching key's position).
func (p Pepper) Verify(value string, mac []byte) bool {
	ok := false
	for _, k := range p {
		ok = Verify(k, value, mac) || ok
	}
	return ok
}

// HashToken returns the hex SHA-256 of token: how refresh tokens, auth codes
// and other high-entropy secrets are stored and looked up. (Low-entropy codes
// use HMAC with the pepper instead.)
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Equal reports whether a and b are equal in time that depends on neither
// their contents nor their lengths (both are hashed first).
func Equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return hmac.Equal(ha[:], hb[:])
}

// Redacted holds a value that must never reach a log: a code, a password, a
// token. Both slog and fmt print it as "[redacted]"; convert it with string()
// where the value itself is needed.
type Redacted string

// LogValue implements slog.LogValuer.
func (Redacted) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// String implements fmt.Stringer.
func (Redacted) String() string { return "[redacted]" }

// GoString implements fmt.GoStringer, so %#v is redacted too.
func (Redacted) GoString() string { return `"[redacted]"` }

// NormalizeCode prepares a typed or pasted code for comparison: it keeps only
// letters and digits (Unicode classes), dropping spaces, hyphens, other
// whitespace and punctuation, so "1234 5678", "1234-5678" and " 12345678\n"
// all become "12345678". Letters keep their case. It is idempotent.
func NormalizeCode(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
