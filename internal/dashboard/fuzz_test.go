package dashboard

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// fuzzKeys returns the issuer's key in FuzzVerifyLogoutToken, fixed so that
// the committed seed corpus holds tokens it really signed, and a forger's.
func fuzzKeys(f *testing.F) (issuer, other *ecdsa.PrivateKey) {
	f.Helper()
	var err error
	issuer, err = ecdsa.ParseRawPrivateKey(elliptic.P256(), bytes.Repeat([]byte{0x11}, 32))
	if err != nil {
		f.Fatal(err)
	}
	other, err = ecdsa.ParseRawPrivateKey(elliptic.P256(), bytes.Repeat([]byte{0x22}, 32))
	if err != nil {
		f.Fatal(err)
	}
	return issuer, other
}

// signES256 signs the compact JWS of header and payload, both used as given.
func signES256(t testing.TB, key *ecdsa.PrivateKey, header string, payload []byte) string {
	t.Helper()
	input := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

const (
	fuzzIssuer   = "https://idp.example"
	fuzzClientID = "dashboard"
)

// fuzzNow is the dashboard's clock in FuzzVerifyLogoutToken (Unix 1740992400).
var fuzzNow = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// FuzzVerifyLogoutToken feeds the back-channel logout endpoint's verifier
// tokens whose protected header and claims are the fuzzer's, each signed
// once by the issuer's key and once by another key, and also a raw token as
// given (the corpus holds real ones to mutate).
//
// Invariants:
//   - it never panics; every refusal wraps errLogoutToken and returns no
//     subject or sid;
//   - a token not signed by the issuer's key is never accepted;
//   - an accepted token holds what Back-Channel Logout 1.0 section 2.6 asks:
//     iss is the issuer, aud contains the client ID, iat is at most 10
//     minutes old and not more than a minute ahead, exp not more than a
//     minute past, the back-channel logout event is an object, there is a
//     jti and a sid or sub (returned unchanged), there is no nonce, and typ,
//     if any, is logout+jwt;
//   - an accepted token is refused the second time (replay).
func FuzzVerifyLogoutToken(f *testing.F) {
	issuerKey, otherKey := fuzzKeys(f)
	good := map[string]any{
		"iss": fuzzIssuer, "aud": fuzzClientID, "iat": fuzzNow.Unix(), "exp": fuzzNow.Add(2 * time.Minute).Unix(),
		"jti": "j1", "sub": "usr_penny", "sid": "sess_1",
		"events": map[string]any{backchannelEvent: map[string]any{}},
	}
	claimsWith := func(k string, v any) []byte {
		c := map[string]any{}
		for k, v := range good {
			c[k] = v
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		b, err := json.Marshal(c)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	const hdr = `{"alg":"ES256","typ":"logout+jwt","kid":"k1"}`
	goodClaims := claimsWith("jti", "j1")
	for _, seed := range []struct {
		header string
		claims []byte
		raw    string
	}{
		{hdr, goodClaims, ""},
		{`{"alg":"ES256"}`, goodClaims, ""},
		{`{"alg":"none","typ":"logout+jwt"}`, goodClaims, ""},
		{`{"alg":"HS256","typ":"logout+jwt"}`, goodClaims, ""},
		{`{"alg":"ES256","typ":"JWT"}`, goodClaims, ""},
		{`{"alg":"ES256","typ":"application/LOGOUT+JWT"}`, goodClaims, ""},
		{`{"alg":"ES256","crit":["exp"],"exp":1}`, goodClaims, ""},
		{hdr, claimsWith("aud", []string{"other", fuzzClientID}), ""},
		{hdr, claimsWith("aud", []any{1, fuzzClientID}), ""},
		{hdr, claimsWith("sid", nil), ""},
		{hdr, claimsWith("sub", ""), ""},
		{hdr, claimsWith("nonce", "n"), ""},
		{hdr, claimsWith("nonce", nil), ""},
		{hdr, claimsWith("events", map[string]any{backchannelEvent: []any{}}), ""},
		{hdr, claimsWith("iat", 1e300), ""},
		{hdr, claimsWith("iat", -1e300), ""},
		{hdr, claimsWith("exp", 1e300), ""},
		{hdr, claimsWith("exp", 9.3e18), ""},
		{hdr, claimsWith("iat", "1740992400"), ""},
		{hdr, []byte(`{"iss":"https://idp.example","iss":"https://evil.example"}`), ""},
		{hdr, []byte(`[]`), ""},
		{hdr, []byte(`null`), ""},
		{hdr, []byte("\xff"), ""},
		{"", nil, "a.b.c"},
		{"", nil, "...."},
		{"", nil, "eyJhbGciOiJub25lIn0.e30."},
		{"", nil, signES256(f, issuerKey, hdr, goodClaims) + "x"},
	} {
		f.Add(seed.header, seed.claims, seed.raw)
	}
	keys := &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{issuerKey.Public()}}
	p := &provider{issuer: fuzzIssuer, keys: keys}

	f.Fuzz(func(t *testing.T, header string, claims []byte, raw string) {
		ctx := t.Context()
		check := func(what, tok string, signedByIssuer bool) {
			d := &Dashboard{cfg: Config{ClientID: fuzzClientID, Now: func() time.Time { return fuzzNow }}}
			lt, err := d.verifyLogoutToken(ctx, p, tok)
			if err != nil {
				if !errors.Is(err, errLogoutToken) || lt != (logoutToken{}) {
					t.Fatalf("%s: refusal %v with %+v", what, err, lt)
				}
				return
			}
			if !signedByIssuer {
				t.Fatalf("%s: accepted a token the issuer did not sign: %q", what, tok)
			}
			checkAccepted(t, what, tok, lt)
			if _, err := d.verifyLogoutToken(ctx, p, tok); err == nil {
				t.Fatalf("%s: accepted the same token twice", what)
			}
		}
		check("signed by the issuer", signES256(t, issuerKey, header, claims), true)
		check("signed by another key", signES256(t, otherKey, header, claims), false)
		if raw != "" {
			_, verr := keys.VerifySignature(ctx, raw)
			check("raw", raw, verr == nil)
		}
	})
}

// checkAccepted fails t unless tok, accepted as lt, holds what section 2.6 asks.
func checkAccepted(t *testing.T, what, tok string, lt logoutToken) {
	t.Helper()
	typ, err := jwsType(tok)
	if err != nil || (typ != "" && !slices.Contains([]string{"logout+jwt", "application/logout+jwt"}, toLowerASCII(typ))) {
		t.Fatalf("%s: accepted with typ %q (%v)", what, typ, err)
	}
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("%s: accepted, but its payload does not parse: %v", what, err)
	}
	var c struct {
		Iss    string                     `json:"iss"`
		Aud    audience                   `json:"aud"`
		Iat    *float64                   `json:"iat"`
		Exp    *float64                   `json:"exp"`
		Sub    string                     `json:"sub"`
		SID    string                     `json:"sid"`
		JTI    string                     `json:"jti"`
		Nonce  json.RawMessage            `json:"nonce"`
		Events map[string]json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatalf("%s: accepted, but its claims do not decode: %v", what, err)
	}
	now := float64(fuzzNow.Unix())
	switch {
	case c.Iss != fuzzIssuer:
		t.Fatalf("%s: accepted iss %q", what, c.Iss)
	case !slices.Contains(c.Aud, fuzzClientID):
		t.Fatalf("%s: accepted aud %q", what, c.Aud)
	case c.Iat == nil || *c.Iat < now-maxLogoutTokenAge.Seconds()-1 || *c.Iat >= now+logoutSkew.Seconds()+1:
		t.Fatalf("%s: accepted iat %v at %v", what, c.Iat, now)
	case c.Exp == nil || *c.Exp <= now-logoutSkew.Seconds()-1:
		t.Fatalf("%s: accepted exp %v at %v", what, c.Exp, now)
	case !isJSONObject(c.Events[backchannelEvent]):
		t.Fatalf("%s: accepted events %q", what, c.Events)
	case c.JTI == "" || c.Sub == "" && c.SID == "":
		t.Fatalf("%s: accepted jti %q, sub %q, sid %q", what, c.JTI, c.Sub, c.SID)
	case c.Nonce != nil:
		t.Fatalf("%s: accepted a nonce %s", what, c.Nonce)
	case lt.Subject != c.Sub || lt.SID != c.SID:
		t.Fatalf("%s: returned %+v for sub %q, sid %q", what, lt, c.Sub, c.SID)
	}
}

// toLowerASCII lower-cases A–Z only, as a check independent of strings.ToLower.
func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
