// Package totp is the authenticator app's code (RFC 6238, through
// github.com/pquerna/otp): it makes a new secret with its otpauth:// URL and
// QR code, checks a code typed at a given time, and seals the secret for
// storage. It knows no user, flow or HTTP: internal/signin keeps the secret
// and the last used time step on the user record and counts wrong codes.
//
// Codes are 6 digits of HMAC-SHA1 over 30-second steps, what every common
// app shows. Verify accepts the step of now and one either side (a phone's
// clock a little off, a code typed as it rolls over) and returns the step
// the code belongs to; a step at or before the last one used is refused
// (ErrReplayed), so a code, once accepted, never works again.
//
//	k, err := totp.Generate("Care Portal", "ann@example.org") // show k.URL as a QR code, k.Secret as text
//	step, err := totp.Verify(k.Secret, typed, clk.Now(), u.TOTPLastStep)
//	if err == nil { u.TOTPLastStep = step }                   // in the same write that accepts it
//
// The secret is stored sealed (Seal, Open) with the keyring that encrypts
// the signing keys at rest (keys.Cipher), bound to the user's ID so a sealed
// secret cannot be moved to another user's row.
package totp
