package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// ErrDecrypt: a sealed blob does not open: no key of the keyring is the one
// it was sealed with, the blob was changed, or it belongs to another row.
var ErrDecrypt = errors.New("keys: cannot decrypt (wrong encryption key, or data altered)")

// Cipher encrypts with AES-256-GCM under the current key of a keyring and
// opens what any key of the keyring sealed, so an encryption key can be
// replaced without losing what the old one sealed: add the new key as current,
// keep the old one as previous until `idp keys reencrypt` has resealed
// everything. It is safe for concurrent use.
type Cipher struct{ aeads []cipher.AEAD } // current first

// NewCipher returns a Cipher sealing with the 32-byte current key and opening
// with it and each of the previous ones.
func NewCipher(current []byte, previous ...[]byte) (*Cipher, error) {
	c := &Cipher{}
	for i, key := range append([][]byte{current}, previous...) {
		if len(key) != 32 {
			return nil, fmt.Errorf("keys: encryption key %d is %d bytes, want 32", i, len(key))
		}
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("keys: new cipher: %w", err)
		}
		aead, err := cipher.NewGCM(b)
		if err != nil {
			return nil, fmt.Errorf("keys: new gcm: %w", err)
		}
		c.aeads = append(c.aeads, aead)
	}
	return c, nil
}

// Seal encrypts and authenticates plaintext under the current key, and
// authenticates additionalData, which Open must be given again. The result is
// a random 12-byte nonce followed by the ciphertext and tag.
func (c *Cipher) Seal(plaintext, additionalData []byte) ([]byte, error) {
	aead := c.aeads[0]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("keys: nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, plaintext, additionalData), nil
}

// Open decrypts what Seal returned under any key of the keyring. It returns
// ErrDecrypt (wrapped) if no key opens it or additionalData differs.
func (c *Cipher) Open(ciphertext, additionalData []byte) ([]byte, error) {
	out, _, err := c.open(ciphertext, additionalData)
	return out, err
}

// OpenCurrent is Open, also telling whether the current key opened the
// blob: a blob a previous key sealed wants resealing (Seal) before that key
// is dropped.
func (c *Cipher) OpenCurrent(ciphertext, additionalData []byte) (plaintext []byte, current bool, err error) {
	return c.open(ciphertext, additionalData)
}

// open is Open, also telling whether the current key opened the blob (a
// previous key's blob wants resealing).
func (c *Cipher) open(ciphertext, additionalData []byte) (plaintext []byte, current bool, err error) {
	n := c.aeads[0].NonceSize()
	if len(ciphertext) < n+c.aeads[0].Overhead() {
		return nil, false, fmt.Errorf("open %d bytes: too short: %w", len(ciphertext), ErrDecrypt)
	}
	for i, aead := range c.aeads {
		if out, err := aead.Open(nil, ciphertext[:n], ciphertext[n:], additionalData); err == nil {
			return out, i == 0, nil
		}
	}
	return nil, false, fmt.Errorf("open: %w", ErrDecrypt)
}
