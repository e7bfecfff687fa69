package config

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// DecodeKey decodes a base64 secret (keys.encryption_key, keys.pepper) in
// the standard alphabet with padding or the URL alphabet without.
func DecodeKey(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decode key: neither standard nor raw URL base64: %w", err)
	}
	return b, nil
}

// isPlaceholder reports whether s looks like a value copied from
// documentation rather than generated. Domains under example.* are reserved
// for documentation (RFC 2606), so a URL naming one is a placeholder too.
func isPlaceholder(s string) bool {
	lower := strings.ToLower(s)
	for _, w := range []string{"example", "changeme", "change_me", "change-me"} {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// parseSecretHash returns the digest of a "sha256:<64 hex digits>" string.
func parseSecretHash(s string) ([]byte, bool) {
	h, ok := strings.CutPrefix(s, "sha256:")
	if !ok || len(h) != 2*sha256.Size {
		return nil, false
	}
	b, err := hex.DecodeString(h)
	return b, err == nil
}

// isPlaceholderHash reports whether digest is all zero or hashes a
// well-known placeholder secret, such as the dev dashboard's.
func isPlaceholderHash(digest []byte) bool {
	if allZero(digest) {
		return true
	}
	for _, s := range []string{
		"", "secret", "password", "changeme", "change_me", "CHANGE_ME", "example",
		"dev-dashboard-secret-not-for-production", "dev-admin-secret-not-for-production",
	} {
		if sum := sha256.Sum256([]byte(s)); string(sum[:]) == string(digest) {
			return true
		}
	}
	return false
}
