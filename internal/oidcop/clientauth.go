package oidcop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/ratelimit"
)

// private_key_jwt client authentication (RFC 7523 §2.2, OpenID Connect Core
// §9): the client signs a short JWT (iss = sub = its client ID, aud its
// issuer, exp, jti) with a key whose public half is in its config (jwks,
// jwks_file) or served at its jwks_uri.
//
// op verifies the signature, audience, expiry and subject itself, at the
// token (authorization_code, refresh_token), introspection and revocation
// endpoints, but neither refuses a replayed assertion nor supports one for
// client_credentials. checkAssertion runs first, at every one of them: it
// verifies the assertion as op does, refuses one that lives longer than
// maxAssertionLife or whose jti was seen before, and marks the request's
// client as authenticated for ClientCredentials.

const (
	// maxAssertionLife bounds an assertion's exp from now and its iat into
	// the past; its jti is remembered for twice that.
	maxAssertionLife = 5 * time.Minute
	// assertionSkew is the clock difference tolerated with the client.
	assertionSkew = 30 * time.Second
	// jwksTTL is how long keys fetched from a jwks_uri are used; an unknown
	// kid fetches again at most every jwksRefetch.
	jwksTTL     = 5 * time.Minute
	jwksRefetch = 30 * time.Second
	// maxJWKSBytes bounds what a jwks_uri may answer.
	maxJWKSBytes = 64 << 10
)

// assertionAlgs are the algorithms op accepts for client assertions.
func assertionAlgs() []string { return []string{"ES256", "RS256", "PS256"} }

// usesKeys reports whether any client authenticates with private_key_jwt.
func usesKeys(clients []config.Client) bool {
	return slices.ContainsFunc(clients, func(c config.Client) bool { return c.AuthMethod == "private_key_jwt" })
}

// replayLimit: one use of a client's jti while its assertion could be valid.
func replayLimit() ratelimit.Limit {
	return ratelimit.Limit{Name: "client_assertion", Max: 1, Window: 2*maxAssertionLife + 2*assertionSkew}
}

// clientKeys holds private_key_jwt clients' public keys: parsed from config
// once, or fetched from their jwks_uri and cached.
type clientKeys struct {
	http *http.Client
	now  func() time.Time

	mu      sync.Mutex
	fetched map[string]fetchedKeys // by client ID
}

type fetchedKeys struct {
	keys    []jose.JSONWebKey
	at      time.Time
	tried   time.Time // last fetch, successful or not
	lastErr error
}

// keys returns the client's public keys, fetching them from its jwks_uri when
// the cache is older than jwksTTL, or when refresh asks for it (an unknown
// kid) and the last fetch is older than jwksRefetch.
func (k *clientKeys) keys(ctx context.Context, c *client, refresh bool) ([]jose.JSONWebKey, error) {
	if c.cfg.JWKS != "" {
		return config.ParseClientKeys([]byte(c.cfg.JWKS))
	}
	if c.cfg.JWKSURI == "" {
		return nil, errors.New("no keys configured")
	}
	now := k.now()
	k.mu.Lock()
	f := k.fetched[c.cfg.ID]
	fresh := !f.at.IsZero() && now.Sub(f.at) < jwksTTL && !(refresh && now.Sub(f.tried) >= jwksRefetch)
	recentlyFailed := f.lastErr != nil && now.Sub(f.tried) < jwksRefetch
	k.mu.Unlock()
	switch {
	case fresh:
		return f.keys, nil
	case recentlyFailed:
		return nil, f.lastErr
	}
	keys, err := k.fetch(ctx, c.cfg.JWKSURI)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fetched == nil {
		k.fetched = map[string]fetchedKeys{}
	}
	f.tried, f.lastErr = now, err
	if err == nil {
		f.keys, f.at = keys, now
	}
	k.fetched[c.cfg.ID] = f
	if err != nil {
		return nil, err
	}
	return keys, nil
}

func (k *clientKeys) fetch(ctx context.Context, uri string) ([]jose.JSONWebKey, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks_uri: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	hc := k.http
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks_uri: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch jwks_uri: %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("read jwks_uri: %w", err)
	case len(body) > maxJWKSBytes:
		return nil, fmt.Errorf("jwks_uri answered more than %d bytes", maxJWKSBytes)
	}
	keys, err := config.ParseClientKeys(body)
	if err != nil {
		return nil, fmt.Errorf("jwks_uri: %w", err)
	}
	return keys, nil
}

// pick returns the key with keyID, or the only key when keyID is empty.
func pick(keys []jose.JSONWebKey, keyID string) (*jose.JSONWebKey, bool) {
	if keyID == "" && len(keys) == 1 {
		return &keys[0], true
	}
	for i := range keys {
		if keyID != "" && keys[i].KeyID == keyID {
			return &keys[i], true
		}
	}
	return nil, false
}

// GetKeyByIDAndClientID gives op the public key a private_key_jwt client
// signed its assertion with. Any other client has none.
func (s *storage) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	c, ok := s.clients[clientID]
	if !ok || c.cfg.AuthMethod != "private_key_jwt" {
		return nil, oidc.ErrInvalidClient().WithDescription("client does not authenticate with private_key_jwt")
	}
	keys, err := s.clientKeys.keys(ctx, c, false)
	if err == nil {
		if k, ok := pick(keys, keyID); ok {
			return k, nil
		}
		keys, err = s.clientKeys.keys(ctx, c, true) // rotated at the client?
	}
	if err != nil {
		return nil, fmt.Errorf("keys of client %s: %w", clientID, err)
	}
	if k, ok := pick(keys, keyID); ok {
		return k, nil
	}
	return nil, fmt.Errorf("client %s has no key %q", clientID, keyID)
}

type assertedClientKey struct{}

// assertedClient is the client a verified assertion authenticated in this
// request (checkAssertion), or "".
func assertedClient(ctx context.Context) string {
	id, _ := ctx.Value(assertedClientKey{}).(string)
	return id
}

// checkAssertion verifies a client assertion in r's form, if there is one.
// It returns the request to go on with (its context names the client), or
// false after answering 401 invalid_client itself.
func (p *Provider) checkAssertion(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	if r.ParseForm() != nil || r.PostForm.Get("client_assertion_type") == "" {
		return r, true
	}
	s := p.storage
	refuse := func(desc string, err error) (*http.Request, bool) {
		s.cfg.Logger.InfoContext(r.Context(), "client assertion refused", "reason", desc, "err", err)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": desc})
		return nil, false
	}
	if r.PostForm.Get("client_assertion_type") != oidc.ClientAssertionTypeJWTAssertion {
		return refuse("client_assertion_type must be "+oidc.ClientAssertionTypeJWTAssertion, nil)
	}
	if s.cfg.Replay == nil {
		return refuse("private_key_jwt is not enabled", nil)
	}
	ctx := op.ContextWithIssuer(r.Context(), s.cfg.Issuer)
	v := op.NewJWTProfileVerifier(s, s.cfg.Issuer, maxAssertionLife+assertionSkew, assertionSkew)
	req, err := op.VerifyJWTAssertion(ctx, r.PostForm.Get("client_assertion"), v)
	if err != nil {
		return refuse("client assertion invalid", err)
	}
	c, ok := s.clients[req.Issuer]
	now := s.now()
	switch {
	case !ok || c.cfg.AuthMethod != "private_key_jwt":
		return refuse("client does not authenticate with private_key_jwt", nil)
	case r.PostForm.Has("client_id") && r.PostForm.Get("client_id") != req.Issuer:
		return refuse("client_id is not the assertion's issuer", nil)
	case req.ExpiresAt.AsTime().After(now.Add(maxAssertionLife + assertionSkew)):
		return refuse(fmt.Sprintf("client assertion lives too long: exp at most %s ahead", maxAssertionLife), nil)
	}
	jti, err := assertionID(r.PostForm.Get("client_assertion"))
	if err != nil {
		return refuse("client assertion has no jti", err)
	}
	res, err := s.cfg.Replay.Allow(r.Context(), req.Issuer+"|"+jti, replayLimit())
	switch {
	case err != nil:
		s.cfg.Logger.ErrorContext(r.Context(), "client assertion replay check", "err", err)
		w.Header().Set("Retry-After", "5")
		http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
		return nil, false
	case !res.Allowed:
		return refuse("client assertion already used (jti)", nil)
	}
	if r.PostForm.Get("grant_type") == string(oidc.GrantTypeClientCredentials) {
		r.PostForm.Set("client_id", req.Issuer) // op reads the client from the form
		r.Form.Set("client_id", req.Issuer)
	}
	return r.WithContext(context.WithValue(r.Context(), assertedClientKey{}, req.Issuer)), true
}

// assertionID reads the jti of a JWT whose signature was verified.
func assertionID(token string) (string, error) {
	var c struct {
		JTI string `json:"jti"`
	}
	if _, err := oidc.ParseToken(token, &c); err != nil {
		return "", err
	}
	if c.JTI == "" || len(c.JTI) > 256 {
		return "", errors.New("jti missing or longer than 256 characters")
	}
	return c.JTI, nil
}
