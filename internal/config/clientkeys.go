package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// MaxClientKeys is how many keys a private_key_jwt client's key set may hold.
const MaxClientKeys = 10

// ParseClientKeys reads a private_key_jwt client's public keys: a JSON Web
// Key Set (RFC 7517) of 1 to MaxClientKeys signing keys, each an EC key on
// P-256 (ES256) or an RSA key (RS256, PS256) of at least 2048 bits, public only, with
// distinct key IDs (a set of more than one key must name each). It is used
// for jwks in the config and for what a jwks_uri serves.
func ParseClientKeys(data []byte) ([]jose.JSONWebKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("not a JSON Web Key Set: %w", err)
	}
	if len(set.Keys) == 0 || len(set.Keys) > MaxClientKeys {
		return nil, fmt.Errorf("a key set needs 1 to %d keys, has %d", MaxClientKeys, len(set.Keys))
	}
	keys := make([]jose.JSONWebKey, 0, len(set.Keys))
	seen := map[string]bool{}
	for i, raw := range set.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		if err := checkClientKey(k); err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		if len(set.Keys) > 1 && k.KeyID == "" {
			return nil, fmt.Errorf("keys[%d]: a set of several keys must give each a kid", i)
		}
		if seen[k.KeyID] {
			return nil, fmt.Errorf("keys[%d]: kid %q appears twice", i, k.KeyID)
		}
		seen[k.KeyID] = true
		keys = append(keys, k)
	}
	return keys, nil
}

func checkClientKey(k jose.JSONWebKey) error {
	if !k.IsPublic() {
		return errors.New("holds a private key: give carekey the public key only")
	}
	if k.Use != "" && k.Use != "sig" {
		return fmt.Errorf("use %q: must be sig", k.Use)
	}
	switch pub := k.Key.(type) {
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() {
			return errors.New("EC keys must be on P-256 (ES256)")
		}
	case *rsa.PublicKey:
		if pub.N.BitLen() < 2048 {
			return fmt.Errorf("an RSA key of %d bits: at least 2048 are needed", pub.N.BitLen())
		}
	default:
		return fmt.Errorf("a %T: only EC (P-256) and RSA keys sign client assertions", k.Key)
	}
	return nil
}
