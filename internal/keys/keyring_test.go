package keys

import (
	"bytes"
	"errors"
	"testing"

	"github.com/carekey/carekey/internal/clock/clocktest"
)

func keyringCipher(t *testing.T, current byte, previous ...byte) *Cipher {
	t.Helper()
	var prev [][]byte
	for _, p := range previous {
		prev = append(prev, bytes.Repeat([]byte{p}, 32))
	}
	c, err := NewCipher(bytes.Repeat([]byte{current}, 32), prev...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestKeyringOpensWhatPreviousKeysSealed(t *testing.T) {
	old, ring := keyringCipher(t, 1), keyringCipher(t, 2, 1)
	sealed, err := old.Seal([]byte("secret"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	got, current, err := ring.open(sealed, []byte("ad"))
	if err != nil || string(got) != "secret" || current {
		t.Fatalf("keyring open = %q, current %v, %v; want the plaintext from a previous key", got, current, err)
	}
	resealed, _ := ring.Seal([]byte("secret"), []byte("ad"))
	if _, err := old.Open(resealed, []byte("ad")); !errors.Is(err, ErrDecrypt) {
		t.Errorf("the keyring sealed under a previous key: %v", err)
	}
	if _, current, err := ring.open(resealed, []byte("ad")); err != nil || !current {
		t.Errorf("new seal: current %v, %v", current, err)
	}
	if _, err := ring.Open(sealed, []byte("other row")); !errors.Is(err, ErrDecrypt) {
		t.Errorf("opened with the wrong additional data: %v", err)
	}
	if _, err := NewCipher(bytes.Repeat([]byte{2}, 32), []byte("short")); err == nil {
		t.Error("a short previous key was accepted")
	}
}

// TestReencrypt: a new encryption key is added with the old one kept; keys
// still sign and publish; `idp keys reencrypt` moves every stored key to the
// new one, after which the old key can go.
func TestReencrypt(t *testing.T) {
	st, clk := &fakeStore{}, clocktest.New(start)
	before := NewManager(Config{Store: st, Cipher: keyringCipher(t, 1), Clock: clk, Rotation: rotation, CacheTTL: ttl})
	k1 := mustSigning(t, before, ES256)
	k2 := mustSigning(t, before, RS256)

	ring := NewManager(Config{Store: st, Cipher: keyringCipher(t, 2, 1), Clock: clk, Rotation: rotation, CacheTTL: ttl})
	if k := mustSigning(t, ring, ES256); k.ID != k1.ID {
		t.Fatalf("with the keyring, signing with %s, want %s", k.ID, k1.ID)
	}
	listed, err := ring.List(t.Context())
	if err != nil || len(listed) != 2 || listed[0].Current || listed[0].Err != nil || listed[0].Private != nil {
		t.Fatalf("List before reencrypt = %+v, %v", listed, err)
	}
	n, err := ring.Reencrypt(t.Context())
	if err != nil || n != 2 {
		t.Fatalf("Reencrypt = %d, %v; want 2", n, err)
	}
	if n, err := ring.Reencrypt(t.Context()); err != nil || n != 0 {
		t.Errorf("second Reencrypt = %d, %v; want 0", n, err)
	}
	after := NewManager(Config{Store: st, Cipher: keyringCipher(t, 2), Clock: clk, Rotation: rotation, CacheTTL: ttl})
	for alg, want := range map[string]string{ES256: k1.ID, RS256: k2.ID} {
		if k := mustSigning(t, after, alg); k.ID != want {
			t.Errorf("after reencrypt, %s signs with %s, want %s", alg, k.ID, want)
		}
	}

	// A key no key of the keyring opens is reported and left alone.
	stranger := NewManager(Config{Store: st, Cipher: keyringCipher(t, 9), Clock: clk, Rotation: rotation, CacheTTL: ttl})
	if n, err := stranger.Reencrypt(t.Context()); n != 0 || !errors.Is(err, ErrDecrypt) {
		t.Errorf("Reencrypt with a foreign key = %d, %v; want 0 and ErrDecrypt", n, err)
	}
	if listed, _ := stranger.List(t.Context()); len(listed) != 2 || listed[0].Err == nil {
		t.Errorf("List with a foreign key = %+v; want each key with its error", listed)
	}
}
