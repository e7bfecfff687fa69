package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// ErrDecrypt: a sealed blob does not open: the encryption key is not the one
// it was sealed with, the blob was changed, or it belongs to another row.
var ErrDecrypt = errors.New("keys: cannot decrypt (wrong encryption key, or data altered)")

// Cipher encrypts with AES-256-GCM. It is safe for concurrent use.
type Cipher struct{ aead cipher.AEAD }

// NewCipher returns a Cipher for a 32-byte key.
func NewCipher(key []byte) (*Cipher, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("keys: encryption key is %d bytes, want 32", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keys: new cipher: %w", err)
	}
	aead, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("keys: new gcm: %w", err)
	}
	return &Cipher{aead: aead}, nil
}

// Seal encrypts and authenticates plaintext, and authenticates
// additionalData, which Open must be given again. The result is a random
// 12-byte nonce followed by the ciphertext and tag.
func (c *Cipher) Seal(plaintext, additionalData []byte) ([]byte, error) {
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(plaintext)+c.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("keys: nonce: %w", err)
	}
	return c.aead.Seal(nonce, nonce, plaintext, additionalData), nil
}

// Open decrypts what Seal returned. It returns ErrDecrypt (wrapped) if the
// key, the data or additionalData differ.
func (c *Cipher) Open(ciphertext, additionalData []byte) ([]byte, error) {
	n := c.aead.NonceSize()
	if len(ciphertext) < n+c.aead.Overhead() {
		return nil, fmt.Errorf("open %d bytes: too short: %w", len(ciphertext), ErrDecrypt)
	}
	out, err := c.aead.Open(nil, ciphertext[:n], ciphertext[n:], additionalData)
	if err != nil {
		return nil, fmt.Errorf("open: %w", ErrDecrypt)
	}
	return out, nil
}
