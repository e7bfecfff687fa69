package oidcop

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/ratelimit/memlimit"
)

// assertion is a client assertion (RFC 7523) for clientID, signed by key.
func assertion(t *testing.T, key *ecdsa.PrivateKey, kid, clientID, aud, jti string, life time.Duration) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	raw, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: clientID, Subject: clientID, Audience: jwt.Audience{aud},
		ID: jti, IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(life))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func publicSet(t *testing.T, key *ecdsa.PrivateKey, kid string) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: kid, Use: "sig", Algorithm: "ES256"}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// post sends form to the provider's path and returns the status and JSON.
func (e *flowEnv) post(t *testing.T, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := e.hc.PostForm(e.srv.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

// private_key_jwt (issue 15): a client with keys in its config, and one with
// a jwks_uri, sign in with the code flow, refresh, use client credentials,
// introspect and revoke, each authenticated by a fresh assertion; a
// replayed, long-lived, wrongly signed or misaddressed assertion is refused.
func TestPrivateKeyJWT(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	uriKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var fetches atomic.Int32
	jwks := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, publicSet(t, uriKey, "uri-1"))
	}))
	t.Cleanup(jwks.Close)
	keyed := func(id string) config.Client {
		return config.Client{ID: id, AuthMethod: "private_key_jwt", RedirectURIs: []string{"https://app.example/cb"},
			Scopes:     []string{"openid", "profile", "offline_access"},
			GrantTypes: []string{"authorization_code", "refresh_token", "client_credentials"}}
	}
	inline, byURI := keyed("keyed"), keyed("keyed-uri")
	inline.JWKS, byURI.JWKSURI = publicSet(t, key, "k-1"), jwks.URL+"/jwks.json"
	e := newFlowEnv(t, []config.Client{inline, byURI}, func(c *Config) {
		c.Replay = memlimit.New(clock.System())
		c.HTTPClient = jwks.Client()
	})
	iss := e.srv.URL
	n := 0
	fresh := func(k *ecdsa.PrivateKey, kid, id string) url.Values {
		n++
		return url.Values{"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion": {assertion(t, k, kid, id, iss, "jti-"+strings.Repeat("x", n), time.Minute)}}
	}
	with := func(v url.Values, more url.Values) url.Values {
		for k, vs := range more {
			v[k] = vs
		}
		return v
	}

	for _, c := range []struct {
		id, kid string
		key     *ecdsa.PrivateKey
	}{{"keyed", "k-1", key}, {"keyed-uri", "uri-1", uriKey}} {
		t.Run(c.id, func(t *testing.T) {
			// The code flow, with the assertion as the client authentication
			// of x/oauth2's exchange, and the ID token checked by go-oidc.
			conf := oauth2.Config{ClientID: c.id, Endpoint: e.provider.Endpoint(), RedirectURL: "https://app.example/cb",
				Scopes: []string{oidc.ScopeOpenID, "profile", oidc.ScopeOfflineAccess}}
			conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
			verifier := oauth2.GenerateVerifier()
			code := e.code(t, conf, verifier, "st-"+c.id, "n-"+c.id)
			a := fresh(c.key, c.kid, c.id)
			tok, err := conf.Exchange(e.octx, code, oauth2.VerifierOption(verifier),
				oauth2.SetAuthURLParam("client_assertion_type", a.Get("client_assertion_type")),
				oauth2.SetAuthURLParam("client_assertion", a.Get("client_assertion")))
			if err != nil {
				t.Fatalf("exchange with private_key_jwt: %v", err)
			}
			raw, _ := tok.Extra("id_token").(string)
			if _, err := e.provider.Verifier(&oidc.Config{ClientID: c.id}).Verify(e.octx, raw); err != nil {
				t.Fatalf("ID token: %v", err)
			}

			// The same assertion again is a replay.
			if st, body := e.post(t, "/oauth/token", with(a, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})); st != http.StatusUnauthorized || body["error"] != "invalid_client" {
				t.Errorf("replayed assertion: %d %v, want 401 invalid_client", st, body)
			}
			// Refresh, introspection, client credentials and revocation,
			// each with a fresh assertion.
			st, body := e.post(t, "/oauth/token", with(fresh(c.key, c.kid, c.id), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}))
			if st != http.StatusOK || body["access_token"] == nil {
				t.Fatalf("refresh with private_key_jwt: %d %v", st, body)
			}
			if st, body := e.post(t, "/oauth/introspect", with(fresh(c.key, c.kid, c.id), url.Values{"token": {body["access_token"].(string)}})); st != http.StatusOK || body["active"] != true {
				t.Errorf("introspection with private_key_jwt: %d %v", st, body)
			}
			if st, body := e.post(t, "/oauth/token", with(fresh(c.key, c.kid, c.id), url.Values{"grant_type": {"client_credentials"}})); st != http.StatusOK || body["access_token"] == nil {
				t.Errorf("client_credentials with private_key_jwt: %d %v", st, body)
			}
			refreshed := body["refresh_token"].(string)
			if st, body := e.post(t, "/revoke", with(fresh(c.key, c.kid, c.id), url.Values{"token": {refreshed}, "token_type_hint": {"refresh_token"}})); st != http.StatusOK {
				t.Errorf("revocation with private_key_jwt: %d %v", st, body)
			}
			if st, _ := e.post(t, "/oauth/token", with(fresh(c.key, c.kid, c.id), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshed}})); st == http.StatusOK {
				t.Error("a revoked refresh token refreshed")
			}
		})
	}
	if got := fetches.Load(); got != 1 {
		t.Errorf("jwks_uri fetched %d times, want once (cached)", got)
	}

	// Discovery says so, for every endpoint that takes a client.
	resp, err := e.hc.Get(iss + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	for _, ep := range []string{"token_endpoint", "introspection_endpoint", "revocation_endpoint"} {
		methods, _ := json.Marshal(d[ep+"_auth_methods_supported"])
		algs, _ := json.Marshal(d[ep+"_auth_signing_alg_values_supported"])
		if !strings.Contains(string(methods), `"private_key_jwt"`) || string(algs) != `["ES256","RS256","PS256"]` {
			t.Errorf("discovery %s: auth methods %s, signing algs %s", ep, methods, algs)
		}
	}

	// What must be refused, each with 401 invalid_client.
	refused := map[string]url.Values{
		"signed by another key":      fresh(other, "k-1", "keyed"),
		"another client's assertion": with(fresh(key, "k-1", "keyed"), url.Values{"client_id": {"keyed-uri"}}),
		"lives an hour": {"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion": {assertion(t, key, "k-1", "keyed", iss, "jti-long", time.Hour)}},
		"for another audience": {"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion": {assertion(t, key, "k-1", "keyed", "https://elsewhere.example", "jti-aud", time.Minute)}},
		"without jti": {"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion": {assertion(t, key, "k-1", "keyed", iss, "", time.Minute)}},
		"unknown assertion type":     {"client_assertion_type": {"urn:example:other"}, "client_assertion": {"x"}},
		"a secret, not an assertion": {"client_id": {"keyed"}, "client_secret": {"guess"}},
	}
	for name, form := range refused {
		if st, body := e.post(t, "/oauth/token", with(form, url.Values{"grant_type": {"client_credentials"}})); st != http.StatusUnauthorized && st != http.StatusBadRequest || body["access_token"] != nil {
			t.Errorf("%s: %d %v, want refused", name, st, body)
		}
	}
}

// Without a replay store, an assertion is refused, never accepted unchecked.
func TestPrivateKeyJWTNeedsReplayStore(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	c := config.Client{ID: "keyed", AuthMethod: "private_key_jwt", JWKS: publicSet(t, key, "k-1"), GrantTypes: []string{"client_credentials"}}
	e := newFlowEnv(t, []config.Client{c}, nil)
	st, body := e.post(t, "/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion(t, key, "k-1", "keyed", e.srv.URL, "j", time.Minute)}})
	if st != http.StatusUnauthorized || body["access_token"] != nil {
		t.Errorf("without a replay store: %d %v", st, body)
	}
}
