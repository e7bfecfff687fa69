// Package secret makes and checks the random values carekey hands out: record
// IDs, opaque tokens and one-time codes. All randomness comes from crypto/rand;
// codes are stored only as an HMAC keyed with the server pepper and compared in
// constant time.
//
//	id := secret.ID("usr_")                 // "usr_" + 26 base32 characters
//	code := secret.NumericCode(8)           // "04719263"
//	mac := secret.HMAC(pepper, code)        // store this, never the code
//	ok := secret.Verify(pepper, secret.NormalizeCode(typed), mac)
//
// Values that must never be logged are wrapped in Redacted.
package secret
