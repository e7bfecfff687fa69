package dashboard

import (
	"context"
	"fmt"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// provider is what discovery tells the dashboard about the issuer.
type provider struct {
	oidc       *oidc.Provider // nil in tests that set the endpoints by hand
	oauth2     oauth2.Config
	verifier   *oidc.IDTokenVerifier
	endSession string      // end_session_endpoint; empty if the issuer has none
	issuer     string      // the issuer as discovery names it (iss of its tokens)
	keys       oidc.KeySet // the issuer's JWKS, for logout tokens; nil in tests without one
}

// provider returns the issuer's metadata, fetching the discovery document
// the first time it is needed. A failure is not remembered: the next call
// tries again.
func (d *Dashboard) provider(ctx context.Context) (*provider, error) {
	d.discoverM.Lock()
	defer d.discoverM.Unlock()
	if d.prov != nil {
		return d.prov, nil
	}

	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	p, err := oidc.NewProvider(d.clientContext(ctx), d.issuer)
	if err != nil {
		return nil, fmt.Errorf("discover issuer %s: %w", d.issuer, err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
		Issuer     string `json:"issuer"`
		JWKS       string `json:"jwks_uri"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("read discovery document of %s: %w", d.issuer, err)
	}
	d.prov = d.newProvider(p, p.Endpoint(), meta.EndSession)
	d.prov.issuer = meta.Issuer
	if meta.JWKS != "" {
		// The key set outlives this request: it keeps only the HTTP client.
		d.prov.keys = oidc.NewRemoteKeySet(d.clientContext(context.WithoutCancel(ctx)), meta.JWKS)
	}
	return d.prov, nil
}

// newProvider builds the client side of the issuer from its endpoints.
// p may be nil only in tests that never verify a token.
func (d *Dashboard) newProvider(p *oidc.Provider, ep oauth2.Endpoint, endSession string) *provider {
	ep.AuthStyle = oauth2.AuthStyleInHeader // client_secret_basic
	if d.cfg.ClientSecret == "" {
		ep.AuthStyle = oauth2.AuthStyleInParams // public client: client_id in the body
	}
	pr := &provider{
		oidc: p,
		oauth2: oauth2.Config{
			ClientID:     d.cfg.ClientID,
			ClientSecret: d.cfg.ClientSecret,
			Endpoint:     ep,
			RedirectURL:  d.baseURL + "/callback",
			Scopes:       d.cfg.Scopes,
		},
		endSession: endSession,
	}
	if p != nil {
		pr.verifier = p.Verifier(&oidc.Config{ClientID: d.cfg.ClientID, Now: d.cfg.Now})
	}
	return pr
}

// clientContext makes go-oidc and x/oauth2 use the configured HTTP client.
func (d *Dashboard) clientContext(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, d.cfg.HTTPClient)
}
