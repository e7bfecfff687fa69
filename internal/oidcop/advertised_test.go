package oidcop

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/ratelimit/memlimit"
)

// Issue 15, acceptance 3: every grant type, response type and client
// authentication method that discovery advertises works end to end, each
// with a client registered for it; one that is advertised but has no case
// here fails the test, so discovery cannot promise what nobody tried.
func TestEveryAdvertisedMethodWorks(t *testing.T) {
	const secret = "a-secret-for-every-method"
	sum := sha256.Sum256([]byte(secret))
	hash := "sha256:" + hex.EncodeToString(sum[:])
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	grants := []string{"authorization_code", "refresh_token"}
	scopes := []string{"openid", "profile", "offline_access"}
	cb := []string{"https://app.example/cb"}
	e := newFlowEnv(t, []config.Client{
		{ID: "basic", SecretHash: hash, AuthMethod: "client_secret_basic", RedirectURIs: cb, Scopes: scopes, GrantTypes: grants},
		{ID: "post", SecretHash: hash, AuthMethod: "client_secret_post", RedirectURIs: cb, Scopes: scopes, GrantTypes: grants},
		{ID: "public", Public: true, AuthMethod: "none", RedirectURIs: cb, Scopes: scopes, GrantTypes: grants},
		{ID: "keyed", AuthMethod: "private_key_jwt", JWKS: publicSet(t, key, "k-1"), RedirectURIs: cb, Scopes: scopes, GrantTypes: grants},
		{ID: "machine", SecretHash: hash, AuthMethod: "client_secret_basic", Scopes: []string{"carekey:admin"}, GrantTypes: []string{"client_credentials"}},
	}, func(c *Config) { c.Replay = memlimit.New(clock.System()) })

	resp, err := e.hc.Get(e.srv.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		ResponseTypes   []string `json:"response_types_supported"`
		Grants          []string `json:"grant_types_supported"`
		TokenAuth       []string `json:"token_endpoint_auth_methods_supported"`
		IntrospectAuth  []string `json:"introspection_endpoint_auth_methods_supported"`
		RevocationAuth  []string `json:"revocation_endpoint_auth_methods_supported"`
		CodeChallengeMs []string `json:"code_challenge_methods_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !slices.Equal(d.ResponseTypes, []string{"code"}) || !slices.Equal(d.CodeChallengeMs, []string{"S256"}) {
		t.Errorf("response types %v, PKCE methods %v: want [code] and [S256]", d.ResponseTypes, d.CodeChallengeMs)
	}

	n := 0
	// auth adds a client's authentication to form (and says which client).
	auth := func(method string, form url.Values) (url.Values, *http.Request) {
		n++
		out := url.Values{}
		for k, v := range form {
			out[k] = v
		}
		var basic *http.Request
		switch method {
		case "client_secret_basic":
			basic, _ = http.NewRequest(http.MethodPost, "/", nil)
			basic.SetBasicAuth("basic", secret)
		case "client_secret_post":
			out.Set("client_id", "post")
			out.Set("client_secret", secret)
		case "none":
			out.Set("client_id", "public")
		case "private_key_jwt":
			out.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
			out.Set("client_assertion", assertion(t, key, "k-1", "keyed", e.srv.URL, "adv-"+time.Now().Format(time.RFC3339Nano)+string(rune('a'+n%26)), time.Minute))
		default:
			t.Errorf("discovery advertises client authentication %q, which this test does not know", method)
			return nil, nil
		}
		return out, basic
	}
	post := func(path, method string, form url.Values) (int, map[string]any) {
		t.Helper()
		f, basic := auth(method, form)
		if f == nil {
			return 0, nil
		}
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+path, strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic != nil {
			req.Header.Set("Authorization", basic.Header.Get("Authorization"))
		}
		resp, err := e.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out := map[string]any{}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	clientOf := map[string]string{"client_secret_basic": "basic", "client_secret_post": "post", "none": "public", "private_key_jwt": "keyed"}

	// Each token endpoint method: a code exchange, then a refresh.
	refreshTokens := map[string]string{}
	for _, m := range d.TokenAuth {
		id := clientOf[m]
		conf := oauth2.Config{ClientID: id, Endpoint: e.provider.Endpoint(), RedirectURL: cb[0], Scopes: []string{oidc.ScopeOpenID, "profile", oidc.ScopeOfflineAccess}}
		verifier := oauth2.GenerateVerifier()
		code := e.code(t, conf, verifier, "st-"+m, "n-"+m)
		st, tok := post("/oauth/token", m, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {cb[0]}, "code_verifier": {verifier}})
		if st != http.StatusOK || tok["id_token"] == nil {
			t.Errorf("code exchange with %s: %d %v", m, st, tok)
			continue
		}
		if _, err := e.provider.Verifier(&oidc.Config{ClientID: id}).Verify(e.octx, tok["id_token"].(string)); err != nil {
			t.Errorf("ID token for %s: %v", m, err)
		}
		st, tok = post("/oauth/token", m, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
		if st != http.StatusOK || tok["access_token"] == nil {
			t.Errorf("refresh with %s: %d %v", m, st, tok)
			continue
		}
		refreshTokens[m] = tok["refresh_token"].(string)
		refreshTokens[m+" access"] = tok["access_token"].(string)
	}
	for _, g := range d.Grants {
		switch g {
		case "authorization_code", "refresh_token": // above, with every method
		case "client_credentials":
			if st, tok := post("/oauth/token", "client_secret_basic", url.Values{"grant_type": {g}}); tok["access_token"] != nil {
				t.Errorf("client_credentials for a client without the grant: %d %v", st, tok)
			}
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+"/oauth/token", strings.NewReader("grant_type=client_credentials&scope=carekey%3Aadmin"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("machine", secret)
			resp, err := e.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var tok map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&tok)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || tok["access_token"] == nil {
				t.Errorf("client_credentials: %d %v", resp.StatusCode, tok)
			}
		default:
			t.Errorf("discovery advertises grant %q, which this test does not know", g)
		}
	}
	// Introspection and revocation with each method they advertise. A
	// public client (none) may revoke its own tokens but not introspect.
	for _, m := range d.IntrospectAuth {
		at := refreshTokens[m+" access"]
		if st, body := post("/oauth/introspect", m, url.Values{"token": {at}}); st != http.StatusOK || body["active"] != true {
			t.Errorf("introspection with %s: %d %v", m, st, body)
		}
	}
	for _, m := range d.RevocationAuth {
		rt := refreshTokens[m]
		if st, body := post("/revoke", m, url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}}); st != http.StatusOK {
			t.Errorf("revocation with %s: %d %v", m, st, body)
		}
		if st, _ := post("/oauth/token", m, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); st == http.StatusOK {
			t.Errorf("a refresh token revoked with %s still refreshes", m)
		}
	}
}
