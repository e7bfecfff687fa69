package keys

import (
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/store"
)

// Signature algorithms (JOSE names).
const (
	ES256 = "ES256" // ECDSA P-256 with SHA-256
	RS256 = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256, 2048-bit keys
)

// Defaults for Config.
const (
	DefaultRotation = 30 * 24 * time.Hour
	DefaultCacheTTL = time.Minute
)

// ErrUnsupportedAlgorithm: the algorithm is neither ES256 nor RS256.
var ErrUnsupportedAlgorithm = errors.New("keys: unsupported algorithm")

// Store is what the Manager needs of the system of record.
type Store interface {
	// CreateSigningKey stores k; store.ErrConflict if the ID is taken.
	CreateSigningKey(ctx context.Context, k store.SigningKey) error
	// ListSigningKeys returns every key, oldest first.
	ListSigningKeys(ctx context.Context) ([]store.SigningKey, error)
	// ResealSigningKey replaces a key's sealed private half if it is still
	// oldPrivate; store.ErrConflict if not.
	ResealSigningKey(ctx context.Context, id string, oldPrivate, newPrivate []byte) error
}

// Key is a decrypted signing key.
type Key struct {
	ID        string // the JWS "kid"
	Algorithm string // ES256 or RS256
	Private   crypto.Signer
	Public    crypto.PublicKey // *ecdsa.PublicKey or *rsa.PublicKey
	CreatedAt time.Time
	ExpiresAt time.Time // no longer published from then on
}

// Config configures a Manager. Store and Cipher are required.
type Config struct {
	Store  Store
	Cipher *Cipher
	Clock  clock.Clock // default clock.System()
	// Rotation is how long a key signs; it is published for one more Rotation
	// after that. Default DefaultRotation.
	Rotation time.Duration
	// CacheTTL is how long the key list is trusted before the store is read
	// again, and how long a new key waits before it signs. Default
	// DefaultCacheTTL; at most Rotation/4.
	CacheTTL time.Duration
}

// Manager hands out signing keys. It is safe for concurrent use; replicas
// each have their own Manager over the same store.
type Manager struct {
	cfg Config

	mu     sync.Mutex
	keys   []Key // unexpired keys as of readAt, oldest first (CreatedAt, ID)
	readAt time.Time
}

// NewManager returns a Manager; it panics if cfg.Store or cfg.Cipher is nil.
func NewManager(cfg Config) *Manager {
	if cfg.Store == nil || cfg.Cipher == nil {
		panic("keys: NewManager needs a Store and a Cipher")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System()
	}
	if cfg.Rotation <= 0 {
		cfg.Rotation = DefaultRotation
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	cfg.CacheTTL = min(cfg.CacheTTL, cfg.Rotation/4)
	return &Manager{cfg: cfg}
}

// Signing returns the key to sign with now for alg (see the package doc for
// the rule), generating and storing one if no key of alg is in its signing
// period. It returns ErrUnsupportedAlgorithm, an error wrapping ErrDecrypt if
// a stored key does not open with the Cipher, or the store's error.
// Called for every ID token; usually answered from memory.
func (m *Manager) Signing(ctx context.Context, alg string) (Key, error) {
	if err := checkAlg(alg); err != nil {
		return Key{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Clock.Now()
	k, err := m.signing(ctx, alg, now)
	if err != nil {
		return Key{}, err
	}
	if m.successorDue(k, now) {
		// Pre-publish the next key so every replica has it before it signs.
		// Its ID derives from k's, so replicas doing this at once compute the
		// same ID and one of them wins, and no other key can hold it. On
		// error k can still sign; the next call tries again.
		err := m.create(ctx, alg, now, successorID(alg, k.ID))
		if err == nil || errors.Is(err, store.ErrConflict) {
			_ = m.refresh(ctx, now, true)
		}
	}
	return k, nil
}

// successorDue reports whether k, the key signing now, ends its signing
// period within CacheTTL (or has ended it: no successor was made in time) and
// no newer key of its algorithm is known.
func (m *Manager) successorDue(k Key, now time.Time) bool {
	if now.Before(k.CreatedAt.Add(m.cfg.Rotation - m.cfg.CacheTTL)) {
		return false
	}
	for _, o := range m.keys {
		if o.Algorithm == k.Algorithm && o.CreatedAt.After(k.CreatedAt) {
			return false
		}
	}
	return true
}

// signing finds or makes the key to sign with. m.mu is held.
func (m *Manager) signing(ctx context.Context, alg string, now time.Time) (Key, error) {
	refreshErr := m.refresh(ctx, now, false)
	if k, ok := m.pick(alg, now); ok {
		return k, nil // during an outage too: the last good set still signs
	}
	if refreshErr != nil {
		return Key{}, refreshErr
	}
	// Nothing cached can sign: another replica may have made a key already.
	if err := m.refresh(ctx, now, true); err != nil {
		return Key{}, err
	}
	if k, ok := m.pick(alg, now); ok {
		return k, nil
	}
	err := m.create(ctx, alg, now, slotID(alg, m.cfg.Rotation, now))
	if errors.Is(err, store.ErrConflict) {
		// Another replica won the race for this slot: use its key. If the
		// slot's key cannot sign, fall back to a random ID.
		if err := m.refresh(ctx, now, true); err != nil {
			return Key{}, err
		}
		if k, ok := m.pick(alg, now); ok {
			return k, nil
		}
		err = m.create(ctx, alg, now, randomID())
	}
	if err != nil {
		return Key{}, err
	}
	if err := m.refresh(ctx, now, true); err != nil {
		return Key{}, err
	}
	if k, ok := m.pick(alg, now); ok {
		return k, nil
	}
	return Key{}, fmt.Errorf("keys: no %s key can sign after generating one (clock or rotation misconfigured?)", alg)
}

// Public returns every unexpired key (without its private half), oldest
// first, for the JWKS. Answered from the cache unless it is older than
// CacheTTL.
func (m *Manager) Public(ctx context.Context) ([]Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Clock.Now()
	refreshErr := m.refresh(ctx, now, false)
	out := make([]Key, 0, len(m.keys))
	for _, k := range m.keys {
		if !expired(k.ExpiresAt, now) {
			k.Private = nil
			out = append(out, k)
		}
	}
	if refreshErr != nil && len(out) == 0 {
		return nil, refreshErr
	}
	// On a refresh error the last good set is served: the JWKS needs no
	// database within a key's life.
	return out, nil
}

// Rotate generates and stores a new key for alg now, with a random ID, and
// returns it. It is published at once (after each replica's next read) and
// signs from CacheTTL later; the keys it replaces stay published until they
// expire. Used by `idp keys rotate`.
func (m *Manager) Rotate(ctx context.Context, alg string) (Key, error) {
	if err := checkAlg(alg); err != nil {
		return Key{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.cfg.Clock.Now()
	id := randomID()
	if err := m.create(ctx, alg, now, id); err != nil {
		return Key{}, err
	}
	if err := m.refresh(ctx, now, true); err != nil {
		return Key{}, err
	}
	for _, k := range m.keys {
		if k.ID == id {
			return k, nil
		}
	}
	return Key{}, fmt.Errorf("keys: rotated key %s not listed by the store", id)
}

// List returns every stored key, expired ones too, oldest first, for `idp keys
// list`: it reads the store, and opens each key to check that the keyring can.
// A key that does not open is listed with a nil Private and Err set.
func (m *Manager) List(ctx context.Context) ([]ListedKey, error) {
	recs, err := m.cfg.Store.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("keys: list signing keys: %w", err)
	}
	out := make([]ListedKey, 0, len(recs))
	for _, rec := range recs {
		l := ListedKey{Key: Key{ID: rec.ID, Algorithm: rec.Algorithm, CreatedAt: rec.CreatedAt, ExpiresAt: rec.ExpiresAt}}
		if k, current, err := m.openRec(rec); err != nil {
			l.Err = err
		} else {
			l.Key, l.Current = k, current
			l.Key.Private = nil
		}
		out = append(out, l)
	}
	return out, nil
}

// ListedKey is one key as `idp keys list` shows it.
type ListedKey struct {
	Key
	// Current: sealed under the keyring's current encryption key (else a
	// previous one: `idp keys reencrypt` moves it forward).
	Current bool
	Err     error // the key does not open with any key of the keyring
}

// Reencrypt reseals every stored key that a previous encryption key sealed
// under the current one, and returns how many it resealed. Safe to run on
// several replicas at once (a key resealed by another is skipped). Keys that
// no key of the keyring opens are reported, never changed.
func (m *Manager) Reencrypt(ctx context.Context) (int, error) {
	recs, err := m.cfg.Store.ListSigningKeys(ctx)
	if err != nil {
		return 0, fmt.Errorf("keys: list signing keys: %w", err)
	}
	var (
		n    int
		errs []error
	)
	for _, rec := range recs {
		der, current, err := m.cfg.Cipher.open(rec.PrivateKey, []byte(rec.ID))
		if err != nil {
			errs = append(errs, fmt.Errorf("keys: signing key %s: %w", rec.ID, err))
			continue
		}
		if current {
			clear(der)
			continue
		}
		sealed, err := m.cfg.Cipher.Seal(der, []byte(rec.ID))
		clear(der)
		if err != nil {
			return n, fmt.Errorf("keys: reseal key %s: %w", rec.ID, err)
		}
		switch err := m.cfg.Store.ResealSigningKey(ctx, rec.ID, rec.PrivateKey, sealed); {
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
			// resealed or removed by someone else meanwhile
		case err != nil:
			return n, fmt.Errorf("keys: reseal key %s: %w", rec.ID, err)
		default:
			n++
		}
	}
	return n, errors.Join(errs...)
}

// pick applies the signing rule to the cached keys. m.mu is held.
func (m *Manager) pick(alg string, now time.Time) (Key, bool) {
	var oldest, settled, overdue *Key
	for i := range m.keys {
		k := &m.keys[i]
		if k.Algorithm != alg || expired(k.ExpiresAt, now) {
			continue
		}
		isSettled := !now.Before(k.CreatedAt.Add(m.cfg.CacheTTL))
		if !now.Before(k.CreatedAt.Add(m.cfg.Rotation)) {
			// Past its signing period but still published everywhere: it
			// signs only while no successor has settled.
			if isSettled && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt.Add(-m.cfg.Rotation/2))) {
				overdue = k
			}
			continue
		}
		if oldest == nil {
			oldest = k
		}
		if isSettled {
			settled = k // keys are oldest first: the last one is the newest
		}
	}
	switch {
	case settled != nil:
		return *settled, true
	case overdue != nil:
		// Its successor is not published everywhere yet (made late: nothing
		// signed in the successor window); keep signing with the old key.
		return *overdue, true
	case oldest != nil:
		// No key was ever settled (a first key): it signs at once. Replicas
		// with an empty cache read the store before they answer.
		return *oldest, true
	}
	return Key{}, false
}

// refresh re-reads the store if forced, if the cache is empty (a first key may
// just have been made elsewhere) or older than CacheTTL, decrypting only keys not already cached. On error the cache is
// left as it was. m.mu is held.
func (m *Manager) refresh(ctx context.Context, now time.Time, force bool) error {
	if !force && m.live(now) && now.Before(m.readAt.Add(m.cfg.CacheTTL)) {
		return nil
	}
	recs, err := m.cfg.Store.ListSigningKeys(ctx)
	if err != nil {
		if m.live(now) {
			// Keep serving the cache, and try the store again after a short
			// while rather than on every request.
			m.readAt = now.Add(-m.cfg.CacheTTL + retryAfterFailure(m.cfg.CacheTTL))
		}
		return fmt.Errorf("keys: list signing keys: %w", err)
	}
	cached := make(map[string]Key, len(m.keys))
	for _, k := range m.keys {
		cached[k.ID] = k
	}
	next := make([]Key, 0, len(recs))
	for _, rec := range recs {
		if expired(rec.ExpiresAt, now) {
			continue
		}
		k, ok := cached[rec.ID]
		if !ok {
			if k, err = m.open(rec); err != nil {
				return err
			}
		}
		next = append(next, k)
	}
	slices.SortFunc(next, func(a, b Key) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	m.keys, m.readAt = next, now
	return nil
}

// live reports whether the cache holds an unexpired key. m.mu is held.
func (m *Manager) live(now time.Time) bool {
	for _, k := range m.keys {
		if !expired(k.ExpiresAt, now) {
			return true
		}
	}
	return false
}

// retryAfterFailure is how long a Manager serves its cache after a failed
// read before it reads the store again.
func retryAfterFailure(cacheTTL time.Duration) time.Duration { return max(cacheTTL/12, time.Second) }

// create generates a key pair for alg and stores it sealed under id.
func (m *Manager) create(ctx context.Context, alg string, now time.Time, id string) error {
	priv, err := generate(alg)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("keys: marshal %s private key: %w", alg, err)
	}
	defer clear(der)
	pub, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return fmt.Errorf("keys: marshal %s public key: %w", alg, err)
	}
	sealed, err := m.cfg.Cipher.Seal(der, []byte(id))
	if err != nil {
		return fmt.Errorf("keys: seal key %s: %w", id, err)
	}
	now = now.UTC()
	rec := store.SigningKey{
		ID:         id,
		Algorithm:  alg,
		PrivateKey: sealed,
		PublicKey:  pub,
		CreatedAt:  now,
		ExpiresAt:  now.Add(2 * m.cfg.Rotation),
	}
	if err := m.cfg.Store.CreateSigningKey(ctx, rec); err != nil {
		return fmt.Errorf("keys: store signing key %s: %w", id, err)
	}
	return nil
}

// open decrypts and checks a stored key.
func (m *Manager) open(rec store.SigningKey) (Key, error) {
	k, _, err := m.openRec(rec)
	return k, err
}

// openRec is open, also telling whether the current encryption key sealed it.
func (m *Manager) openRec(rec store.SigningKey) (Key, bool, error) {
	der, current, err := m.cfg.Cipher.open(rec.PrivateKey, []byte(rec.ID))
	if err != nil {
		return Key{}, false, fmt.Errorf("keys: open signing key %s: %w", rec.ID, err)
	}
	k, err := parseKey(rec, der)
	return k, current, err
}

// parseKey parses and checks the decrypted private half of rec.
func parseKey(rec store.SigningKey, der []byte) (Key, error) {
	defer clear(der)
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return Key{}, fmt.Errorf("keys: parse signing key %s: %w", rec.ID, err)
	}
	var priv crypto.Signer
	switch p := parsed.(type) {
	case *ecdsa.PrivateKey:
		if rec.Algorithm == ES256 && p.Curve == elliptic.P256() {
			priv = p
		}
	case *rsa.PrivateKey:
		if rec.Algorithm == RS256 && p.N.BitLen() >= 2048 {
			priv = p
		}
	}
	if priv == nil {
		return Key{}, fmt.Errorf("keys: signing key %s: %T does not fit algorithm %q", rec.ID, parsed, rec.Algorithm)
	}
	pub, err := x509.ParsePKIXPublicKey(rec.PublicKey)
	if err != nil {
		return Key{}, fmt.Errorf("keys: parse public key %s: %w", rec.ID, err)
	}
	if eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(priv.Public()) {
		return Key{}, fmt.Errorf("keys: signing key %s: public key does not match private key", rec.ID)
	}
	return Key{
		ID:        rec.ID,
		Algorithm: rec.Algorithm,
		Private:   priv,
		Public:    pub,
		CreatedAt: rec.CreatedAt,
		ExpiresAt: rec.ExpiresAt,
	}, nil
}

func checkAlg(alg string) error {
	if alg != ES256 && alg != RS256 {
		return fmt.Errorf("%q: %w", alg, ErrUnsupportedAlgorithm)
	}
	return nil
}

func generate(alg string) (crypto.Signer, error) {
	switch alg {
	case ES256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("keys: generate ES256 key: %w", err)
		}
		return k, nil
	case RS256:
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("keys: generate RS256 key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("%q: %w", alg, ErrUnsupportedAlgorithm)
}

// expired reports whether a key with that ExpiresAt is past it (zero: never).
func expired(expiresAt, now time.Time) bool {
	return !expiresAt.IsZero() && !now.Before(expiresAt)
}

// randomID returns 16 random bytes as base64url (22 characters).
func randomID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b)
}

// successorID is the ID of the key pre-published to follow key id: the same
// on every replica, and no other key's (it hashes its predecessor's ID, which
// is unique), so replicas racing to make it collide only with each other.
func successorID(alg, id string) string {
	sum := sha256.Sum256([]byte("carekey successor key\x00" + alg + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// slotID is the ID of the key generated automatically for alg in the rotation
// slot holding now: the same on every replica, so only one of them can store
// it. It looks like a randomID (22 characters of base64url).
func slotID(alg string, rotation time.Duration, now time.Time) string {
	slot := now.UTC().Truncate(rotation)
	sum := sha256.Sum256([]byte("carekey signing key\x00" + alg + "\x00" + rotation.String() + "\x00" + slot.Format(time.RFC3339Nano)))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}
