package totp

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"strings"
	"time"

	"github.com/pquerna/otp"
	pqtotp "github.com/pquerna/otp/totp"
)

// Sentinel errors of Verify. Callers show one message for both.
var (
	// ErrWrongCode: the code matches no step within the tolerance (or is
	// not 6 digits).
	ErrWrongCode = errors.New("totp: wrong code")
	// ErrReplayed: the code is right but its step was already used.
	ErrReplayed = errors.New("totp: code already used")
)

// The parameters every secret made here has.
const (
	// Period is the length of a time step.
	Period = 30 * time.Second
	// Digits is the length of a code.
	Digits = 6
	// Skew is how many steps either side of now a code may belong to.
	Skew = 1
	// secretSize is the secret's length in bytes (160 bits, RFC 4226's
	// recommendation for HMAC-SHA1).
	secretSize = 20
)

var validateOpts = pqtotp.ValidateOpts{Period: uint(Period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Key is a new secret: Secret (base32, what the user may type into the app
// by hand) and URL (the otpauth:// URL the QR code carries). Both are
// secrets: never log them.
type Key struct {
	Secret string
	URL    string
}

// LogValue keeps a Key out of logs.
func (Key) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Generate returns a new random secret for the account (the user's email)
// of the service named issuer.
func Generate(issuer, account string) (Key, error) {
	k, err := pqtotp.Generate(pqtotp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: validateOpts.Period,
		SecretSize: secretSize, Digits: validateOpts.Digits, Algorithm: validateOpts.Algorithm,
	})
	if err != nil {
		return Key{}, fmt.Errorf("totp: generate: %w", err)
	}
	return Key{Secret: k.Secret(), URL: k.URL()}, nil
}

// ParseURL returns the Key of an otpauth:// URL Generate made.
func ParseURL(url string) (Key, error) {
	k, err := otp.NewKeyFromURL(url)
	if err != nil {
		return Key{}, fmt.Errorf("totp: parse key URL: %w", err)
	}
	return Key{Secret: k.Secret(), URL: url}, nil
}

// Step is the time step t falls in.
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// Code is the code of secret at step (for tests and the dev tools; sign-in
// uses Verify).
func Code(secret string, step int64) (string, error) {
	c, err := pqtotp.GenerateCodeCustom(secret, time.Unix(step*int64(Period/time.Second), 0), validateOpts)
	if err != nil {
		return "", fmt.Errorf("totp: code: %w", err)
	}
	return c, nil
}

// Verify checks code (spaces and dashes around and within it are ignored)
// against secret at now, accepting the step of now and Skew steps either
// side, and returns the step it matched. A match at or before lastStep is
// ErrReplayed; no match, ErrWrongCode. Every candidate step is compared in
// constant time, whichever matches.
func Verify(secret, code string, now time.Time, lastStep int64) (int64, error) {
	code = normalize(code)
	if len(code) != Digits || strings.Trim(code, "0123456789") != "" {
		return 0, ErrWrongCode
	}
	cur := Step(now)
	var matched, replayed bool
	var step int64
	for s := cur - Skew; s <= cur+Skew; s++ {
		want, err := Code(secret, s)
		if err != nil {
			return 0, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		if s <= lastStep {
			replayed = true
			continue
		}
		if !matched {
			matched, step = true, s
		}
	}
	switch {
	case matched:
		return step, nil
	case replayed:
		return 0, ErrReplayed
	}
	return 0, ErrWrongCode
}

// normalize drops what people paste around and inside a code.
func normalize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s)
}

// QRCode returns a PNG of the QR code of an otpauth:// URL, size pixels
// square.
func QRCode(url string, size int) ([]byte, error) {
	k, err := otp.NewKeyFromURL(url)
	if err != nil {
		return nil, fmt.Errorf("totp: parse key URL: %w", err)
	}
	img, err := k.Image(size, size)
	if err != nil {
		return nil, fmt.Errorf("totp: QR code: %w", err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("totp: encode QR code: %w", err)
	}
	return b.Bytes(), nil
}

// Sealer encrypts and authenticates under the current key of a keyring,
// and opens what any of its keys sealed (keys.Cipher).
type Sealer interface {
	Seal(plaintext, additionalData []byte) ([]byte, error)
	Open(ciphertext, additionalData []byte) ([]byte, error)
	// OpenCurrent is Open, also telling whether the current key sealed it.
	OpenCurrent(ciphertext, additionalData []byte) (plaintext []byte, current bool, err error)
}

// additionalData binds a sealed secret to its user.
func additionalData(userID string) []byte { return []byte("totp:" + userID) }

// Seal encrypts secret for storage on user userID (store.User.TOTPSecret).
func Seal(c Sealer, userID, secret string) (string, error) {
	b, err := c.Seal([]byte(secret), additionalData(userID))
	if err != nil {
		return "", fmt.Errorf("totp: seal secret of %s: %w", userID, err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// Reseal returns sealed (a secret Seal sealed for user userID) sealed under
// c's current key, and whether that changed anything: a secret a previous
// key sealed must be resealed before that key leaves the keyring.
func Reseal(c Sealer, userID, sealed string) (string, bool, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return "", false, fmt.Errorf("totp: decode secret of %s: %w", userID, err)
	}
	p, current, err := c.OpenCurrent(b, additionalData(userID))
	if err != nil {
		return "", false, fmt.Errorf("totp: open secret of %s: %w", userID, err)
	}
	if current {
		return sealed, false, nil
	}
	out, err := Seal(c, userID, string(p))
	return out, err == nil, err
}

// Open decrypts a secret Seal sealed for user userID.
func Open(c Sealer, userID, sealed string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return "", fmt.Errorf("totp: decode secret of %s: %w", userID, err)
	}
	p, err := c.Open(b, additionalData(userID))
	if err != nil {
		return "", fmt.Errorf("totp: open secret of %s: %w", userID, err)
	}
	return string(p), nil
}
