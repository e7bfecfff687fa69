package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/app"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/store/postgres"
	"github.com/carekey/carekey/internal/testenv"
	"github.com/carekey/carekey/internal/totp"
)

// keysConfig is a production config's keys and database for `idp keys`: the
// dev keys, and a fresh PostgreSQL schema, migrated.
func keysConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load("../../configs/dev.yaml", config.Options{Env: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Postgres.URL = testenv.PostgresURL(t)
	if err := app.Migrate(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// cipherOf is the at-rest keyring of one encryption key.
func cipherOf(t *testing.T, key string) *keys.Cipher {
	t.Helper()
	c, err := app.AtRestCipher(config.Keys{EncryptionKey: key})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func idpKeys(t *testing.T, cfg *config.Config, sub string) string {
	t.Helper()
	var out bytes.Buffer
	if err := runKeys(t.Context(), cfg, sub, "", time.Now(), &out); err != nil {
		t.Fatalf("idp keys %s: %v\n%s", sub, err, out.String())
	}
	return out.String()
}

// TestKeysRotateListReencrypt is the operator guide's procedures: rotate a
// signing key, then replace the encryption key (add the new one, keep the
// old one as previous, reencrypt, drop the old one).
func TestKeysRotateListReencrypt(t *testing.T) {
	cfg := keysConfig(t)
	out := idpKeys(t, cfg, "rotate")
	if !strings.HasPrefix(out, "new ES256 key ") {
		t.Fatalf("rotate: %q", out)
	}
	id := strings.Fields(out)[3]
	id = strings.TrimSuffix(id, ":")
	if list := idpKeys(t, cfg, "list"); !strings.Contains(list, id) || !strings.Contains(list, "ES256") || strings.Contains(list, "previous") {
		t.Fatalf("list after rotate:\n%s", list)
	}

	// A user's authenticator app secret, sealed under the old key.
	pg, err := postgres.Open(t.Context(), postgres.Config{URL: cfg.Postgres.URL, MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	oldCipher := cipherOf(t, cfg.Keys.EncryptionKey)
	sealed, err := totp.Seal(oldCipher, "usr_app", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.CreateUser(t.Context(), store.User{ID: "usr_app", Email: "app@example.org", TOTPSecret: sealed}); err != nil {
		t.Fatal(err)
	}

	// A new encryption key, the old one kept as previous.
	cfg.Keys.PreviousEncryptionKey = cfg.Keys.EncryptionKey
	cfg.Keys.EncryptionKey = "bmV3IGVuY3J5cHRpb24ga2V5IGZvciB0aGUgdGVzdCE=" // "new encryption key for the test!"
	if list := idpKeys(t, cfg, "list"); !strings.Contains(list, "previous_encryption_key (run idp keys reencrypt)") {
		t.Fatalf("list with a new encryption key:\n%s", list)
	}
	if out := idpKeys(t, cfg, "reencrypt"); out != "1 keys resealed under keys.encryption_key\n1 authenticator app secrets resealed under keys.encryption_key\n" {
		t.Errorf("reencrypt: %q", out)
	}
	if out := idpKeys(t, cfg, "reencrypt"); out != "0 keys resealed under keys.encryption_key\n0 authenticator app secrets resealed under keys.encryption_key\n" {
		t.Errorf("reencrypt again: %q", out)
	}
	u, err := pg.GetUser(t.Context(), "usr_app")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := totp.Open(cipherOf(t, cfg.Keys.EncryptionKey), "usr_app", u.TOTPSecret); err != nil || got != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Errorf("app secret under the new key alone: %q, %v", got, err)
	}
	cfg.Keys.PreviousEncryptionKey = ""
	if list := idpKeys(t, cfg, "list"); !strings.Contains(list, id) || strings.Contains(list, "previous") || strings.Contains(list, "neither") {
		t.Errorf("list after reencrypt, old key dropped:\n%s", list)
	}
}
