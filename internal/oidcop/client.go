package oidcop

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/carekey/carekey/internal/config"
)

// client adapts a configured relying party to op.Client.
type client struct {
	cfg      config.Client
	loginURL func(authRequestID string) string
	idTTL    time.Duration
}

var _ op.Client = (*client)(nil)

func (c *client) GetID() string                    { return c.cfg.ID }
func (c *client) RedirectURIs() []string           { return c.cfg.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string { return c.cfg.PostLogoutURIs }
func (c *client) ApplicationType() op.ApplicationType {
	return op.ApplicationTypeWeb
}

func (c *client) AuthMethod() oidc.AuthMethod {
	switch {
	case c.cfg.Public:
		return oidc.AuthMethodNone
	case c.cfg.AuthMethod == "client_secret_post":
		return oidc.AuthMethodPost
	case c.cfg.AuthMethod == "private_key_jwt":
		return oidc.AuthMethodPrivateKeyJWT
	default:
		return oidc.AuthMethodBasic
	}
}

func (c *client) ResponseTypes() []oidc.ResponseType {
	if c.hasGrant("authorization_code") {
		return []oidc.ResponseType{oidc.ResponseTypeCode}
	}
	return nil
}

func (c *client) GrantTypes() []oidc.GrantType {
	out := make([]oidc.GrantType, 0, len(c.cfg.GrantTypes))
	for _, g := range c.cfg.GrantTypes {
		out = append(out, oidc.GrantType(g))
	}
	return out
}

func (c *client) hasGrant(g string) bool { return slices.Contains(c.cfg.GrantTypes, g) }

func (c *client) LoginURL(id string) string            { return c.loginURL(id) }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration       { return c.idTTL }
func (c *client) DevMode() bool                        { return c.cfg.AllowInsecureRedirects }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) IsScopeAllowed(scope string) bool     { return slices.Contains(c.cfg.Scopes, scope) }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return c.restrict
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return c.restrict
}

// restrict keeps only the scopes the client is allowed.
func (c *client) restrict(scopes []string) []string {
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if c.IsScopeAllowed(s) {
			out = append(out, s)
		}
	}
	return out
}

// checkSecret reports whether secret matches the configured "sha256:<hex>"
// hash, in constant time.
func (c *client) checkSecret(secret string) bool {
	if c.cfg.Public || secret == "" {
		return false
	}
	want, ok := strings.CutPrefix(c.cfg.SecretHash, "sha256:")
	if !ok {
		return false
	}
	wantBytes, err := hex.DecodeString(want)
	if err != nil {
		return false
	}
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(got[:], wantBytes) == 1
}
