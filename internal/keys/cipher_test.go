package keys

import (
	"bytes"
	"errors"
	"testing"
)

func testCipher(t *testing.T, fill byte) *Cipher {
	t.Helper()
	c, err := NewCipher(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCipher(t *testing.T) {
	c := testCipher(t, 1)
	plain := []byte("private key bytes")
	sealed, err := c.Seal(plain, []byte("kid-1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) != 12+len(plain)+16 {
		t.Errorf("len(sealed) = %d, want nonce + plaintext + tag = %d", len(sealed), 12+len(plain)+16)
	}
	if bytes.Contains(sealed, plain) {
		t.Error("sealed blob contains the plaintext")
	}
	again, _ := c.Seal(plain, []byte("kid-1"))
	if bytes.Equal(again, sealed) {
		t.Error("two seals are equal: nonce not random")
	}
	got, err := c.Open(sealed, []byte("kid-1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}

	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	for _, tc := range []struct {
		name   string
		cipher *Cipher
		blob   []byte
		ad     string
	}{
		{"wrong key", testCipher(t, 2), sealed, "kid-1"},
		{"other row", c, sealed, "kid-2"},
		{"tampered", c, tampered, "kid-1"},
		{"truncated", c, sealed[:27], "kid-1"},
		{"empty", c, nil, "kid-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.cipher.Open(tc.blob, []byte(tc.ad)); !errors.Is(err, ErrDecrypt) {
				t.Errorf("Open = %v, want ErrDecrypt", err)
			}
		})
	}
}

func TestNewCipherKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33} {
		if _, err := NewCipher(make([]byte, n)); err == nil {
			t.Errorf("NewCipher(%d bytes) succeeded, want an error", n)
		}
	}
}
