package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// jwk returns the JSON of key as a JWK with kid (and use, if set).
func jwk(t testing.TB, key any, kid, use string) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: kid, Use: use})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func set(keys ...string) string { return `{"keys":[` + strings.Join(keys, ",") + `]}` }

func TestParseClientKeys(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ec521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	tests := []struct {
		name, jwks string
		n          int
		wantErr    string
	}{
		{"one EC key without kid", set(jwk(t, &ec.PublicKey, "", "")), 1, ""},
		{"EC P-256 and RSA 2048", set(jwk(t, &ec.PublicKey, "a", "sig"), jwk(t, &rsa2048.PublicKey, "b", "")), 2, ""},
		{"P-384", set(jwk(t, &ec384.PublicKey, "a", "")), 0, "P-256"},
		{"a private key", set(jwk(t, ec, "a", "")), 0, "public key only"},
		{"P-521", set(jwk(t, &ec521.PublicKey, "a", "")), 0, "P-256"},
		{"RSA 1024", set(jwk(t, &rsa1024.PublicKey, "a", "")), 0, "at least 2048"},
		{"encryption key", set(jwk(t, &ec.PublicKey, "a", "enc")), 0, "must be sig"},
		{"two keys, one without kid", set(jwk(t, &ec.PublicKey, "a", ""), jwk(t, &rsa2048.PublicKey, "", "")), 0, "must give each a kid"},
		{"kid twice", set(jwk(t, &ec.PublicKey, "a", ""), jwk(t, &rsa2048.PublicKey, "a", "")), 0, "appears twice"},
		{"symmetric key", set(`{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0","kid":"a"}`), 0, "public key only"},
		{"empty set", `{"keys":[]}`, 0, "1 to 10 keys"},
		{"too many keys", set(strings.Repeat(jwk(t, &ec.PublicKey, "a", "")+",", MaxClientKeys) + jwk(t, &ec.PublicKey, "b", "")), 0, "1 to 10 keys"},
		{"not JSON", `keys`, 0, "not a JSON Web Key Set"},
		{"a key, not a set", jwk(t, &ec.PublicKey, "a", ""), 0, "1 to 10 keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ParseClientKeys([]byte(tt.jwks))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
			case len(keys) != tt.n:
				t.Fatalf("%d keys, want %d", len(keys), tt.n)
			}
		})
	}
}

func TestPrivateKeyJWTClientConfig(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keys := set(jwk(t, &ec.PublicKey, "k1", "sig"))
	base := `{id: a, auth_method: private_key_jwt, grant_types: [client_credentials], scopes: ["carekey:admin"]`
	tests := []struct {
		name, client string
		wantErrs     []string
	}{
		{"inline keys", base + `, jwks: '` + keys + `'}`, nil},
		{"keys by URI", base + `, jwks_uri: "https://app.example.gov.uk/jwks.json"}`, nil},
		{"no keys", base + `}`, []string{"clients[0].jwks"}},
		{"both", base + `, jwks: '` + keys + `', jwks_uri: "https://app.example.gov.uk/jwks.json"}`, []string{"clients[0].jwks_uri"}},
		{"http URI", base + `, jwks_uri: "http://app.example.gov.uk/jwks.json"}`, []string{"clients[0].jwks_uri"}},
		{"a secret too", base + `, jwks: '` + keys + `', secret_hash: ` + goodHash + `}`, []string{"clients[0].secret_hash"}},
		{"bad keys", base + `, jwks: '{"keys":[]}'}`, []string{"clients[0].jwks"}},
		{"keys for a secret client", `{id: a, secret_hash: ` + goodHash + `, grant_types: [client_credentials], jwks_uri: "https://a.example/j"}`, []string{"clients[0].jwks_uri"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkProblems(t, fmt.Sprintf("clients: [%s]", tt.client), tt.wantErrs)
		})
	}
}

// FuzzParseClientKeys: a key set from a config file or a client's jwks_uri
// never panics, and what it accepts is public signing keys only.
func FuzzParseClientKeys(f *testing.F) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f.Add([]byte(set(jwk(f, &ec.PublicKey, "k1", "sig"))))
	f.Add([]byte(set(jwk(f, ec, "k1", ""))))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseClientKeys(data)
		if err != nil {
			return
		}
		for _, k := range keys {
			if !k.IsPublic() {
				t.Fatalf("accepted a private key from %q", data)
			}
		}
	})
}

// checkProblems loads have (sections replacing baseYAML's), validates it for
// serve and wants exactly the problem paths wantErrs.
func checkProblems(t *testing.T, have string, wantErrs []string) {
	t.Helper()
	l, err := loadBytes(withSections(t, have), t.TempDir(), Options{}, readSecretFile)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if len(l.problems) > 0 {
		t.Fatalf("load problems: %v", l.problems)
	}
	got := problemPaths(t, l.cfg.Validate(ModeServe))
	want := slices.Sorted(slices.Values(wantErrs))
	if !slices.Equal(got, want) {
		t.Errorf("problem paths:\n got %q\nwant %q", got, want)
	}
}
