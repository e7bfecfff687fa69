package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/store"
)

// testResealSigningKey: a reseal replaces only the blob it was given, once.
func testResealSigningKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	k := newKey("k-reseal", time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	if err := s.CreateSigningKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	next := []byte("sealed under the new key")
	if err := s.ResealSigningKey(ctx, k.ID, k.PrivateKey, next); err != nil {
		t.Fatalf("ResealSigningKey: %v", err)
	}
	if err := s.ResealSigningKey(ctx, k.ID, k.PrivateKey, []byte("late")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second reseal from the old blob = %v, want ErrConflict", err)
	}
	if err := s.ResealSigningKey(ctx, "k-missing", k.PrivateKey, next); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("reseal of a missing key = %v, want ErrNotFound", err)
	}
	keys, err := s.ListSigningKeys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("ListSigningKeys = %v, %v", keys, err)
	}
	if !bytes.Equal(keys[0].PrivateKey, next) || !bytes.Equal(keys[0].PublicKey, k.PublicKey) || keys[0].ID != k.ID {
		t.Errorf("after reseal: %+v", keys[0])
	}
}
