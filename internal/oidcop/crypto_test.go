package oidcop

import "testing"

// Access tokens and codes made before the encryption key was replaced still
// open while the old key is kept as previous; new ones use the new key.
func TestTokenCryptoKeyring(t *testing.T) {
	oldKey, newKey := [32]byte{1}, [32]byte{2}
	before := tokenCrypto(oldKey, nil)
	ring := tokenCrypto(newKey, [][32]byte{oldKey})
	tok, err := before.Encrypt("at_1:penny")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ring.Decrypt(tok); err != nil || got != "at_1:penny" {
		t.Fatalf("keyring Decrypt of an old token = %q, %v", got, err)
	}
	fresh, err := ring.Encrypt("at_2:penny")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := before.Decrypt(fresh); err == nil {
		t.Error("the keyring encrypted with the previous key")
	}
	if _, err := tokenCrypto(newKey, nil).Decrypt(tok); err == nil {
		t.Error("an old token opened without the previous key")
	}
}
