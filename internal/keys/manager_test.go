package keys

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/store"
)

// fakeStore keeps signing keys in a slice, as the store contract says: unique
// IDs, listed oldest first (ties by ID).
type fakeStore struct {
	mu    sync.Mutex
	keys  []store.SigningKey
	lists int // calls to ListSigningKeys
}

var _ Store = (*fakeStore)(nil)

func (s *fakeStore) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.keys {
		if o.ID == k.ID {
			return store.ErrConflict
		}
	}
	k.PrivateKey, k.PublicKey = bytes.Clone(k.PrivateKey), bytes.Clone(k.PublicKey)
	s.keys = append(s.keys, k)
	return nil
}

func (s *fakeStore) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists++
	out := slices.Clone(s.keys)
	slices.SortFunc(out, func(a, b store.SigningKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (s *fakeStore) ResealSigningKey(ctx context.Context, id string, oldPrivate, newPrivate []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range s.keys {
		if k.ID == id {
			if !bytes.Equal(k.PrivateKey, oldPrivate) {
				return store.ErrConflict
			}
			s.keys[i].PrivateKey = bytes.Clone(newPrivate)
			return nil
		}
	}
	return store.ErrNotFound
}

func (s *fakeStore) snapshot() ([]store.SigningKey, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.keys), s.lists
}

const (
	rotation = 24 * time.Hour
	ttl      = time.Minute
)

var start = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

func newManager(t *testing.T, st Store, clk *clocktest.Clock) *Manager {
	t.Helper()
	return NewManager(Config{Store: st, Cipher: testCipher(t, 7), Clock: clk, Rotation: rotation, CacheTTL: ttl})
}

func mustSigning(t *testing.T, m *Manager, alg string) Key {
	t.Helper()
	k, err := m.Signing(t.Context(), alg)
	if err != nil {
		t.Fatalf("Signing(%s): %v", alg, err)
	}
	return k
}

func publicIDs(t *testing.T, m *Manager) []string {
	t.Helper()
	ks, err := m.Public(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range ks {
		if k.Private != nil {
			t.Errorf("Public returned key %s with its private half", k.ID)
		}
		ids = append(ids, k.ID)
	}
	return ids
}

func TestFirstCallGeneratesSecondReuses(t *testing.T) {
	st, clk := &fakeStore{}, clocktest.New(start)
	m := newManager(t, st, clk)

	k := mustSigning(t, m, ES256)
	recs, _ := st.snapshot()
	if len(recs) != 1 {
		t.Fatalf("store holds %d keys after the first call, want 1", len(recs))
	}
	rec := recs[0]
	if rec.ID != k.ID || rec.Algorithm != ES256 || !rec.CreatedAt.Equal(start) || !rec.ExpiresAt.Equal(start.Add(2*rotation)) {
		t.Errorf("stored %+v", rec)
	}
	if len(k.ID) != 22 {
		t.Errorf("key ID %q, want 22 characters", k.ID)
	}

	clk.Advance(rotation - ttl - time.Second) // still signing, successor not yet due
	if again := mustSigning(t, m, ES256); again.ID != k.ID {
		t.Errorf("second call returned %s, want %s", again.ID, k.ID)
	}
	if recs, _ := st.snapshot(); len(recs) != 1 {
		t.Errorf("store holds %d keys after the second call, want 1", len(recs))
	}
}

func TestCache(t *testing.T) {
	st, clk := &fakeStore{}, clocktest.New(start)
	m := newManager(t, st, clk)
	k := mustSigning(t, m, ES256)
	_, lists := st.snapshot()

	clk.Advance(ttl - time.Second)
	mustSigning(t, m, ES256)
	publicIDs(t, m)
	if _, n := st.snapshot(); n != lists {
		t.Errorf("store listed %d more times within CacheTTL, want 0", n-lists)
	}

	// A key made by another replica shows up after CacheTTL, not before.
	other, err := newManager(t, st, clk).Rotate(t.Context(), ES256)
	if err != nil {
		t.Fatal(err)
	}
	if ids := publicIDs(t, m); !slices.Equal(ids, []string{k.ID}) {
		t.Errorf("Public within CacheTTL = %v, want only %s", ids, k.ID)
	}
	clk.Advance(time.Second)
	if ids := publicIDs(t, m); !slices.Equal(ids, []string{k.ID, other.ID}) {
		t.Errorf("Public after CacheTTL = %v, want [%s %s]", ids, k.ID, other.ID)
	}
}

func TestConcurrentFirstCallsConverge(t *testing.T) {
	for _, alg := range []string{ES256, RS256} {
		t.Run(alg, func(t *testing.T) {
			st, clk := &fakeStore{}, clocktest.New(start)
			const replicas = 4
			ids := make([]string, replicas)
			var wg sync.WaitGroup
			for i := range replicas {
				m := newManager(t, st, clk)
				wg.Go(func() {
					k, err := m.Signing(t.Context(), alg)
					if err != nil {
						t.Error(err)
					}
					ids[i] = k.ID
				})
			}
			wg.Wait()
			for _, id := range ids[1:] {
				if id != ids[0] {
					t.Fatalf("replicas sign with different keys: %v", ids)
				}
			}
			if recs, _ := st.snapshot(); len(recs) != 1 {
				t.Errorf("store holds %d keys, want 1", len(recs))
			}
		})
	}
}

// TestRacedKeysConverge covers the fallback: two fresh keys with random IDs
// (as when the slot ID was taken) are both in the store; every replica picks
// the oldest, ties by ID.
func TestRacedKeysConverge(t *testing.T) {
	st, clk := &fakeStore{}, clocktest.New(start)
	a, b := newManager(t, st, clk), newManager(t, st, clk)
	for _, m := range []*Manager{a, b} {
		if err := m.create(t.Context(), ES256, start, randomID()); err != nil {
			t.Fatal(err)
		}
	}
	recs, _ := st.snapshot()
	want := min(recs[0].ID, recs[1].ID)
	clk.Advance(time.Second)
	if ka, kb := mustSigning(t, a, ES256), mustSigning(t, b, ES256); ka.ID != want || kb.ID != want {
		t.Errorf("replicas picked %s and %s, want both %s (oldest, then lowest ID)", ka.ID, kb.ID, want)
	}
}

// TestSlotTaken: the slot's ID belongs to a key that cannot sign (the
// rotation period changed); Signing falls back to a random ID.
func TestSlotTaken(t *testing.T) {
	st, clk := &fakeStore{}, clocktest.New(start)
	old := NewManager(Config{Store: st, Cipher: testCipher(t, 7), Clock: clk, Rotation: time.Hour, CacheTTL: ttl})
	if err := old.create(t.Context(), ES256, start.Add(-3*time.Hour), slotID(ES256, rotation, start)); err != nil {
		t.Fatal(err)
	}
	k := mustSigning(t, newManager(t, st, clk), ES256)
	if k.ID == slotID(ES256, rotation, start) {
		t.Fatal("signing with the expired key")
	}
	if recs, _ := st.snapshot(); len(recs) != 2 {
		t.Errorf("store holds %d keys, want 2", len(recs))
	}
}

func TestRotationPeriod(t *testing.T) {
	st, clk := &fakeStore{}, clocktest.New(start)
	m, other := newManager(t, st, clk), newManager(t, st, clk)
	k1 := mustSigning(t, m, ES256)

	// In the last CacheTTL of k1's signing period, the successor is made
	// ahead of time and published, but k1 still signs.
	clk.Advance(rotation - ttl)
	if k := mustSigning(t, m, ES256); k.ID != k1.ID {
		t.Fatalf("signing with %s before k1's period ended", k.ID)
	}
	recs, _ := st.snapshot()
	if len(recs) != 2 {
		t.Fatalf("store holds %d keys, want k1 and its successor", len(recs))
	}
	k2ID := recs[1].ID
	if ids := publicIDs(t, other); !slices.Equal(ids, []string{k1.ID, k2ID}) {
		t.Errorf("other replica publishes %v before the switch, want [%s %s]", ids, k1.ID, k2ID)
	}

	// After the rotation period both replicas sign with the successor; k1
	// is still published.
	clk.Advance(ttl)
	for _, r := range []*Manager{m, other} {
		if k := mustSigning(t, r, ES256); k.ID != k2ID {
			t.Errorf("after rotation signing with %s, want %s", k.ID, k2ID)
		}
	}
	if recs, _ := st.snapshot(); len(recs) != 2 {
		t.Errorf("store holds %d keys, want 2 (the successor made only once)", len(recs))
	}
	if ids := publicIDs(t, m); !slices.Equal(ids, []string{k1.ID, k2ID}) {
		t.Errorf("Public = %v, want [%s %s]", ids, k1.ID, k2ID)
	}

	// Expired keys are not published: k1 expires at start + 2*rotation.
	clk.Set(start.Add(2*rotation - time.Nanosecond))
	if ids := publicIDs(t, m); !slices.Contains(ids, k1.ID) {
		t.Errorf("k1 unpublished before it expired: %v", ids)
	}
	clk.Set(start.Add(2 * rotation))
	ids := publicIDs(t, m)
	if slices.Contains(ids, k1.ID) || !slices.Contains(ids, k2ID) {
		t.Errorf("Public at k1's expiry = %v, want k2 without k1", ids)
	}
}

// TestRotationWithoutTraffic: nothing signed during the successor window, so
// the successor is made late; the old key, published everywhere, keeps signing
// until the successor is too (one CacheTTL), so no replica ever signs with a
// key another replica does not publish yet.
func TestRotationWithoutTraffic(t *testing.T) {
	st, clk := &fakeStore{}, clocktest.New(start)
	m, other := newManager(t, st, clk), newManager(t, st, clk)
	k1 := mustSigning(t, m, ES256)
	publicIDs(t, other)
	clk.Advance(rotation)
	if k := mustSigning(t, m, ES256); k.ID != k1.ID {
		t.Fatalf("right after a late rotation signing with %s, want k1 until its successor is published", k.ID)
	}
	recs, _ := st.snapshot()
	if len(recs) != 2 || recs[1].ID != successorID(ES256, k1.ID) {
		t.Fatalf("store holds %v, want k1 and its successor", recs)
	}
	clk.Advance(ttl)
	k2 := mustSigning(t, m, ES256)
	if k2.ID != recs[1].ID || !k2.CreatedAt.Equal(start.Add(rotation)) {
		t.Errorf("a CacheTTL later got %s created %v, want the successor", k2.ID, k2.CreatedAt)
	}
	if ids := publicIDs(t, other); !slices.Contains(ids, k2.ID) {
		t.Errorf("other replica does not publish the successor: %v", ids)
	}
	clk.Advance(rotation + time.Second)
	if ids := publicIDs(t, m); slices.Contains(ids, k1.ID) {
		t.Errorf("expired k1 still published: %v", ids)
	}
}

// TestLongSilence: after more than one and a half rotation periods without a
// sign-in, the old key is too close to leaving the JWKS to sign: a new one is
// made and signs at once (every replica reads the store when its cache holds
// no key that can sign).
func TestLongSilence(t *testing.T) {
	st, clk := &fakeStore{}, clocktest.New(start)
	m := newManager(t, st, clk)
	k1 := mustSigning(t, m, ES256)
	clk.Advance(rotation + rotation/2)
	if k := mustSigning(t, m, ES256); k.ID == k1.ID {
		t.Errorf("signing with k1 %v before it leaves the JWKS", k1.ExpiresAt.Sub(clk.Now()))
	}
}

// TestRotate: a rotated key is published at once and signs one CacheTTL
// later, on every replica.
func TestRotate(t *testing.T) {
	st, clk := &fakeStore{}, clocktest.New(start)
	a, b := newManager(t, st, clk), newManager(t, st, clk)
	k1 := mustSigning(t, a, ES256)
	mustSigning(t, b, ES256)
	clk.Advance(time.Hour)

	cli := newManager(t, st, clk) // `idp keys rotate`
	k2, err := cli.Rotate(t.Context(), ES256)
	if err != nil {
		t.Fatal(err)
	}
	if k2.ID == k1.ID || !k2.CreatedAt.Equal(start.Add(time.Hour)) || k2.Private == nil {
		t.Fatalf("Rotate returned %+v", k2)
	}
	if k := mustSigning(t, cli, ES256); k.ID != k1.ID {
		t.Errorf("right after Rotate signing with %s, want the old key %s until the new one is published everywhere", k.ID, k1.ID)
	}
	clk.Advance(ttl)
	for _, r := range []*Manager{a, b, cli} {
		if k := mustSigning(t, r, ES256); k.ID != k2.ID {
			t.Errorf("CacheTTL after Rotate signing with %s, want %s", k.ID, k2.ID)
		}
		if ids := publicIDs(t, r); !slices.Equal(ids, []string{k1.ID, k2.ID}) {
			t.Errorf("Public = %v, want both keys", ids)
		}
	}
}

func TestEncryptedAtRest(t *testing.T) {
	for _, alg := range []string{ES256, RS256} {
		t.Run(alg, func(t *testing.T) {
			st := &fakeStore{}
			k := mustSigning(t, newManager(t, st, clocktest.New(start)), alg)
			der, err := x509.MarshalPKCS8PrivateKey(k.Private)
			if err != nil {
				t.Fatal(err)
			}
			recs, _ := st.snapshot()
			if bytes.Contains(recs[0].PrivateKey, der) || bytes.Contains(recs[0].PrivateKey, der[len(der)-32:]) {
				t.Error("stored private key contains the DER")
			}
			pub, err := x509.ParsePKIXPublicKey(recs[0].PublicKey)
			if err != nil || !k.Private.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
				t.Errorf("stored public key %v does not match: %v", pub, err)
			}
		})
	}
}

func TestWrongCipherKey(t *testing.T) {
	st, clk := &fakeStore{}, clocktest.New(start)
	k := mustSigning(t, newManager(t, st, clk), ES256)
	other := NewManager(Config{Store: st, Cipher: testCipher(t, 8), Clock: clk, Rotation: rotation})
	_, err := other.Signing(t.Context(), ES256)
	if !errors.Is(err, ErrDecrypt) || !strings.Contains(err.Error(), k.ID) {
		t.Errorf("Signing with the wrong cipher key = %v, want ErrDecrypt naming key %s", err, k.ID)
	}
	if _, err := other.Public(t.Context()); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Public with the wrong cipher key = %v, want ErrDecrypt", err)
	}
	if recs, _ := st.snapshot(); len(recs) != 1 {
		t.Errorf("store holds %d keys, want 1: a key that does not open must not be replaced silently", len(recs))
	}
}

// TestSwappedBlobs: the key ID is authenticated with the private key, so a
// blob moved to another row does not open.
func TestSwappedBlobs(t *testing.T) {
	st, clk := &fakeStore{}, clocktest.New(start)
	m := newManager(t, st, clk)
	mustSigning(t, m, ES256)
	if _, err := m.Rotate(t.Context(), ES256); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	st.keys[0].PrivateKey, st.keys[1].PrivateKey = st.keys[1].PrivateKey, st.keys[0].PrivateKey
	st.mu.Unlock()
	if _, err := newManager(t, st, clk).Public(t.Context()); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Public with swapped blobs = %v, want ErrDecrypt", err)
	}
}

func TestSignAndVerify(t *testing.T) {
	digest := sha256.Sum256([]byte("header.payload"))
	t.Run(ES256, func(t *testing.T) {
		k := mustSigning(t, newManager(t, &fakeStore{}, clocktest.New(start)), ES256)
		pub, ok := k.Public.(*ecdsa.PublicKey)
		if !ok || pub.Curve != elliptic.P256() || k.Algorithm != ES256 {
			t.Fatalf("ES256 key has public key %T (%v)", k.Public, k.Algorithm)
		}
		sig, err := k.Private.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if !ecdsa.VerifyASN1(pub, digest[:], sig) {
			t.Error("ES256 signature does not verify")
		}
		digest[0] ^= 1
		if ecdsa.VerifyASN1(pub, digest[:], sig) {
			t.Error("ES256 signature verifies for another digest")
		}
		digest[0] ^= 1
	})
	t.Run(RS256, func(t *testing.T) {
		k := mustSigning(t, newManager(t, &fakeStore{}, clocktest.New(start)), RS256)
		pub, ok := k.Public.(*rsa.PublicKey)
		if !ok || pub.N.BitLen() != 2048 || k.Algorithm != RS256 {
			t.Fatalf("RS256 key has public key %T", k.Public)
		}
		sig, err := k.Private.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			t.Errorf("RS256 signature does not verify: %v", err)
		}
	})
}

// TestAlgorithmsSeparate: each algorithm has its own key; Public lists both.
func TestAlgorithmsSeparate(t *testing.T) {
	m := newManager(t, &fakeStore{}, clocktest.New(start))
	es, rs := mustSigning(t, m, ES256), mustSigning(t, m, RS256)
	if es.ID == rs.ID || es.Algorithm != ES256 || rs.Algorithm != RS256 {
		t.Errorf("ES256 %s/%s, RS256 %s/%s", es.ID, es.Algorithm, rs.ID, rs.Algorithm)
	}
	if ids := publicIDs(t, m); len(ids) != 2 {
		t.Errorf("Public = %v, want 2 keys", ids)
	}
}

func TestErrors(t *testing.T) {
	m := newManager(t, &fakeStore{}, clocktest.New(start))
	for _, alg := range []string{"HS256", "none", "", "es256"} {
		if _, err := m.Signing(t.Context(), alg); !errors.Is(err, ErrUnsupportedAlgorithm) {
			t.Errorf("Signing(%q) = %v, want ErrUnsupportedAlgorithm", alg, err)
		}
		if _, err := m.Rotate(t.Context(), alg); !errors.Is(err, ErrUnsupportedAlgorithm) {
			t.Errorf("Rotate(%q) = %v, want ErrUnsupportedAlgorithm", alg, err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := m.Signing(ctx, ES256); !errors.Is(err, context.Canceled) {
		t.Errorf("Signing with cancelled ctx = %v, want Canceled", err)
	}
}
