package oidcop

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Discovery answers /.well-known/openid-configuration with what carekey really
// does (design.md §4): op's document advertised the implicit grant, the
// id_token response types, the JWT bearer grant, a device authorization
// endpoint and private_key_jwt signing algorithms, none of which carekey
// serves, and client libraries pick from what is advertised (issue 15).
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	d := op.CreateDiscoveryConfig(op.ContextWithIssuer(r.Context(), p.storage.cfg.Issuer), p.op, p.storage)
	d.DeviceAuthorizationEndpoint = ""
	d.CheckSessionIframe = ""
	d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	d.ResponseModesSupported = []string{"query"}
	d.GrantTypesSupported = p.grantTypes()
	d.ACRValuesSupported = nil
	if acr := p.storage.cfg.Tokens.ACR; acr != "" {
		d.ACRValuesSupported = []string{acr}
	}
	// No client authenticates with a signed JWT, and no request objects.
	d.RequestObjectSigningAlgValuesSupported = nil
	// client_secret_post works at introspection too (secretPostAsBasic).
	if !slices.Contains(d.IntrospectionEndpointAuthMethodsSupported, oidc.AuthMethodPost) {
		d.IntrospectionEndpointAuthMethodsSupported = append(slices.Clip(d.IntrospectionEndpointAuthMethodsSupported), oidc.AuthMethodPost)
	}
	d.TokenEndpointAuthSigningAlgValuesSupported = nil
	d.IntrospectionEndpointAuthSigningAlgValuesSupported = nil
	d.RevocationEndpointAuthSigningAlgValuesSupported = nil
	if usesKeys(p.storage.cfg.Clients) { // private_key_jwt: clientauth.go
		d.TokenEndpointAuthSigningAlgValuesSupported = assertionAlgs()
		d.IntrospectionEndpointAuthSigningAlgValuesSupported = assertionAlgs()
		d.RevocationEndpointAuthSigningAlgValuesSupported = assertionAlgs()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(discoveryDocument{d, promptValues()})
}

// promptValues are the prompt values /authorize honours: none, login and
// select_account (OpenID Connect Core 1.0), and create (Initiating User
// Registration via OpenID Connect 1.0: the web layer starts registration and
// signs the new user in for the request). consent is not among them: there
// is no consent screen.
func promptValues() []string { return []string{"none", "login", "select_account", "create"} }

// discoveryDocument is op's document with prompt_values_supported, which
// zitadel/oidc's type does not have.
type discoveryDocument struct {
	*oidc.DiscoveryConfiguration
	PromptValuesSupported []string `json:"prompt_values_supported"`
}

// grantTypes are the grants at least one registered client may use, of
// those carekey implements.
func (p *Provider) grantTypes() []oidc.GrantType {
	var out []oidc.GrantType
	for _, g := range []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeClientCredentials} {
		for _, c := range p.storage.clients {
			if c.hasGrant(string(g)) {
				out = append(out, g)
				break
			}
		}
	}
	return slices.Clip(out)
}
