package app

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store/postgres"
)

// keyring is what the configured encryption keys (keys.encryption_key and,
// while it is being replaced, keys.previous_encryption_key) give: the cipher
// for signing keys at rest and the keys of opaque access tokens and codes,
// the current one first. Each use has its own key, derived by HKDF.
type keyring struct {
	signing *keys.Cipher
	tokens  [][32]byte
}

func newKeyring(k config.Keys) (keyring, error) {
	var roots [][]byte
	for _, s := range []struct{ path, v string }{
		{"keys.encryption_key", k.EncryptionKey},
		{"keys.previous_encryption_key", k.PreviousEncryptionKey},
	} {
		if s.v == "" && s.path != "keys.encryption_key" {
			continue
		}
		b, err := config.DecodeKey(s.v)
		if err != nil || len(b) != 32 {
			return keyring{}, fmt.Errorf("%s: must be base64 of 32 bytes", s.path)
		}
		roots = append(roots, b)
	}
	var (
		kr      keyring
		signing [][]byte
	)
	for _, root := range roots {
		sk, err := hkdf.Key(sha256.New, root, nil, "carekey signing keys v1", 32)
		if err != nil {
			return keyring{}, fmt.Errorf("derive signing key encryption key: %w", err)
		}
		tk, err := hkdf.Key(sha256.New, root, nil, "carekey access tokens v1", 32)
		if err != nil {
			return keyring{}, fmt.Errorf("derive token key: %w", err)
		}
		signing = append(signing, sk)
		kr.tokens = append(kr.tokens, [32]byte(tk))
	}
	c, err := keys.NewCipher(signing[0], signing[1:]...)
	if err != nil {
		return keyring{}, fmt.Errorf("signing key cipher: %w", err)
	}
	kr.signing = c
	return kr, nil
}

// newPepper is the HMAC keyring of one-time codes and CSRF tokens:
// keys.pepper, then keys.previous_pepper while it is being replaced.
func newPepper(k config.Keys) (secret.Pepper, error) {
	var p secret.Pepper
	for _, s := range []struct{ path, v string }{{"keys.pepper", k.Pepper}, {"keys.previous_pepper", k.PreviousPepper}} {
		if s.v == "" && s.path != "keys.pepper" {
			continue
		}
		b, err := config.DecodeKey(s.v)
		if err != nil || len(b) < 32 {
			return nil, fmt.Errorf("%s: must be base64 of at least 32 bytes", s.path)
		}
		p = append(p, b)
	}
	return p, nil
}

// OpenKeys opens the signing keys of a production config's database, for
// `idp keys …`. Close releases the connection.
func OpenKeys(ctx context.Context, cfg *config.Config) (m *keys.Manager, closeFn func(), err error) {
	return openKeys(ctx, cfg, clock.System())
}

// openKeys is OpenKeys on clock clk (tests rotate on their replicas' clock).
func openKeys(ctx context.Context, cfg *config.Config, clk clock.Clock) (m *keys.Manager, closeFn func(), err error) {
	kr, err := newKeyring(cfg.Keys)
	if err != nil {
		return nil, nil, err
	}
	pg, err := postgres.Open(ctx, postgres.Config{URL: cfg.Postgres.URL, MaxConns: 2, ConnectTimeout: cfg.Postgres.ConnectTimeout, QueryTimeout: cfg.Postgres.QueryTimeout})
	if err != nil {
		return nil, nil, fmt.Errorf("open postgres: %w", err)
	}
	m = keys.NewManager(keys.Config{Store: pg, Cipher: kr.signing, Clock: clk, Rotation: cfg.Keys.RotationPeriod, CacheTTL: time.Minute})
	return m, pg.Close, nil
}

// AtRestCipher is the cipher of what carekey keeps encrypted at rest under
// k's encryption keys: signing keys and authenticator app secrets.
func AtRestCipher(k config.Keys) (*keys.Cipher, error) {
	kr, err := newKeyring(k)
	if err != nil {
		return nil, err
	}
	return kr.signing, nil
}

// ReencryptApps reseals every authenticator app secret that a previous
// encryption key sealed under keys.encryption_key, for `idp keys
// reencrypt`, and returns how many it resealed. Safe to run twice, or on
// two machines at once (each user row is resealed in its own UpdateUser).
func ReencryptApps(ctx context.Context, cfg *config.Config) (int, error) {
	c, err := AtRestCipher(cfg.Keys)
	if err != nil {
		return 0, err
	}
	pg, err := postgres.Open(ctx, postgres.Config{URL: cfg.Postgres.URL, MaxConns: 2, ConnectTimeout: cfg.Postgres.ConnectTimeout, QueryTimeout: cfg.Postgres.QueryTimeout})
	if err != nil {
		return 0, fmt.Errorf("open postgres: %w", err)
	}
	defer pg.Close()
	return reencryptApps(ctx, pg, c)
}

// appUsers is what reencryptApps needs of the store.
type appUsers interface {
	signin.Users
	ListAppUsers(ctx context.Context) ([]string, error)
}

// reencryptApps reseals the app secrets of st's users under c's current key.
func reencryptApps(ctx context.Context, st appUsers, c *keys.Cipher) (int, error) {
	ids, err := st.ListAppUsers(ctx)
	if err != nil {
		return 0, err
	}
	svc := &signin.Service{Users: st, Clock: clock.System(), Logger: slog.New(slog.DiscardHandler), AppCipher: c}
	var (
		n    int
		errs []error
	)
	for _, id := range ids {
		changed, err := svc.ResealApp(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if changed {
			n++
		}
	}
	return n, errors.Join(errs...)
}
