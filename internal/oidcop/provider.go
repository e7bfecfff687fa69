package oidcop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/cors"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/claims"
	"github.com/carekey/carekey/pkg/text"
)

// Users is what the provider reads of the system of record's users.
type Users interface {
	GetUser(ctx context.Context, id string) (store.User, error)
}

// RefreshTokens is the refresh-token part of the system of record.
type RefreshTokens interface {
	// CreateRefreshToken stores t with events, in one transaction.
	CreateRefreshToken(ctx context.Context, t store.RefreshToken, events ...store.AuditEvent) error
	GetRefreshToken(ctx context.Context, id string) (store.RefreshToken, error)
	// GetRefreshTokenWithUser reads a token and its user together (the
	// refresh grant needs both): one round trip instead of two.
	GetRefreshTokenWithUser(ctx context.Context, id string) (store.RefreshToken, store.User, error)
	RotateRefreshToken(ctx context.Context, oldID string, next store.RefreshToken, now time.Time) error
	RetryRefreshRotation(ctx context.Context, oldID string, next store.RefreshToken, usedSince, now time.Time) error
	RevokeRefreshToken(ctx context.Context, id string, now time.Time) error
	RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) error
}

// Sessions is what the provider needs of browser sessions: end_session ends one.
type Sessions interface {
	AddClient(ctx context.Context, id, clientID string) error
	Get(ctx context.Context, id string) (session.Session, error)
	Delete(ctx context.Context, id string) error
	ListByUser(ctx context.Context, userID string) ([]session.Session, error)
}

// LogoutNotifier is told of each browser session end_session ends, to send
// back-channel logout tokens to the clients that held it (backchannel.Sender).
// SessionEnded must return at once.
type LogoutNotifier interface {
	SessionEnded(ctx context.Context, s session.Session)
}

// SigningKeys gives the keys that sign ID tokens and the keys to publish.
type SigningKeys interface {
	Signing(ctx context.Context, alg string) (keys.Key, error)
	Public(ctx context.Context) ([]keys.Key, error)
}

// AccountsFunc returns the accounts a user may manage, for the accounts claim.
type AccountsFunc func(ctx context.Context, userID string) ([]claims.Account, error)

// Config wires a Provider.
type Config struct {
	Issuer  string
	Clients []config.Client
	// LoginURL is the hosted sign-in page for an auth request ID.
	LoginURL func(authRequestID string) string

	Users         Users
	RefreshTokens RefreshTokens
	State         authstate.Store
	Sessions      Sessions
	Keys          SigningKeys
	Accounts      AccountsFunc // optional
	// Audit records token issue, refresh-token reuse, code replay and
	// revocation (optional: without it nothing is recorded).
	Audit Auditor
	// Logout sends back-channel logout tokens (optional; without it discovery
	// does not advertise back-channel logout).
	Logout LogoutNotifier
	Health func(ctx context.Context) error

	Algorithm string   // "ES256" or "RS256"
	CryptoKey [32]byte // encrypts opaque access tokens and codes
	// PreviousCryptoKeys still decrypt tokens and codes made before the
	// encryption key was replaced (never used to encrypt).
	PreviousCryptoKeys [][32]byte

	Tokens config.Tokens
	Clock  clock.Clock
	Logger *slog.Logger
	// Insecure allows an http issuer (dev mode on localhost only).
	Insecure bool

	// SessionAbsolute caps every refresh token family at its auth time plus
	// this (sessions.absolute_timeout), unless the client sets its own
	// refresh_absolute_timeout. Zero: the refresh token TTL.
	SessionAbsolute time.Duration

	// Replay remembers private_key_jwt clients' assertion IDs (jti), so an
	// assertion is used once; without it private_key_jwt is refused.
	Replay ratelimit.Limiter
	// HTTPClient fetches private_key_jwt clients' jwks_uri; nil:
	// http.DefaultClient.
	HTTPClient *http.Client
}

// Provider is the OpenID Connect provider.
type Provider struct {
	op      *op.Provider
	storage *storage
	// discover serves discovery (discovery.go) with op's CORS rules.
	discover http.Handler
}

// New builds the provider. It does not touch the backends.
func New(cfg Config) (*Provider, error) {
	if cfg.Clock == nil || cfg.Users == nil || cfg.RefreshTokens == nil || cfg.State == nil ||
		cfg.Sessions == nil || cfg.Keys == nil || cfg.LoginURL == nil {
		return nil, errors.New("oidcop: incomplete config")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &storage{cfg: cfg, clients: make(map[string]*client, len(cfg.Clients)),
		clientKeys: &clientKeys{http: cfg.HTTPClient, now: cfg.Clock.Now}}
	for _, c := range cfg.Clients {
		s.clients[c.ID] = &client{cfg: c, loginURL: cfg.LoginURL, idTTL: cfg.Tokens.IDTokenTTL}
	}
	opCfg := &op.Config{
		CryptoKey:                cfg.CryptoKey,
		DefaultLogoutRedirectURI: "/logged-out",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		AuthMethodPrivateKeyJWT:  usesKeys(cfg.Clients), // clientauth.go
		GrantTypeRefreshToken:    true,
		// OpenID Connect Back-Channel Logout 1.0, sent with sid.
		BackChannelLogoutSupported:        cfg.Logout != nil,
		BackChannelLogoutSessionSupported: cfg.Logout != nil,
		SupportedUILocales:                uiLocales(), // the catalogue's languages
		SupportedScopes:                   []string{"openid", "profile", "email", "phone", claims.ScopeAccounts, "offline_access"},
		SupportedClaims: []string{
			"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "azp", "sid",
			"name", "given_name", "family_name", "email", "email_verified",
			"phone_number", "phone_number_verified", claims.ClaimAccounts,
		},
	}
	// Access tokens and codes are AES-256-GCM only (tokenCrypto): op's
	// default also falls back to unauthenticated AES-CFB, which "decrypts"
	// any string to garbage, so a refresh token sent to /revoke as an access
	// token could be taken for an unknown token.
	opts := []op.Option{op.WithLogger(cfg.Logger), op.WithCrypto(tokenCrypto(cfg.CryptoKey, cfg.PreviousCryptoKeys)),
		op.WithCORSOptions(corsOptions(cfg.Clients))}
	if cfg.Insecure {
		opts = append(opts, op.WithAllowInsecure())
	}
	p, err := op.NewProvider(opCfg, s, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("create provider: %w", err)
	}
	pr := &Provider{op: p, storage: s}
	pr.discover = cors.New(*corsOptions(cfg.Clients)).Handler(http.HandlerFunc(pr.discovery))
	return pr, nil
}

// tokenCrypto encrypts with the current key and decrypts with it and each
// previous one, so replacing the encryption key does not invalidate the
// access tokens and codes already out.
func tokenCrypto(current [32]byte, previous [][32]byte) op.Crypto {
	enc := op.NewAES256GCMCrypto(current, "")
	decs := []op.Decrypter{enc}
	for _, k := range previous {
		decs = append(decs, op.NewAES256GCMCrypto(k, ""))
	}
	return op.NewCompositeCrypto(enc, decs)
}

// corsOptions lets scripts of the registered clients' own origins (those of
// their redirect and post-logout URIs) call token, userinfo, introspection and
// the other endpoints, without cookies: every endpoint scripts may call
// authenticates by client credentials or bearer token, never by the session.
// Any other origin gets no Access-Control-Allow-Origin.
func corsOptions(clients []config.Client) *cors.Options {
	var origins []string
	for _, c := range clients {
		for _, u := range slices.Concat(c.RedirectURIs, c.PostLogoutURIs) {
			if o := originOf(u); o != "" && !slices.Contains(origins, o) {
				origins = append(origins, o)
			}
		}
	}
	if origins == nil {
		origins = []string{} // nil would allow every origin
	}
	return &cors.Options{
		AllowedOrigins:   origins,
		AllowCredentials: false,
		AllowedMethods:   []string{http.MethodGet, http.MethodHead, http.MethodPost},
		AllowedHeaders:   []string{"Accept", "Accept-Language", "Authorization", "Content-Type"},
		ExposedHeaders:   []string{"Location", "Content-Length"},
	}
}

// originOf is the web origin (scheme://host[:port], default port left out, as
// browsers send it) of an http or https URI, or "" for any other.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	host := strings.ToLower(u.Host)
	if p := u.Port(); (u.Scheme == "https" && p == "443") || (u.Scheme == "http" && p == "80") {
		host = strings.ToLower(u.Hostname())
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	return u.Scheme + "://" + host
}

// Algorithms lists every algorithm the provider signs ID tokens with (the
// default and the clients' own), so keys can be made before the first login.
func (p *Provider) Algorithms() []string {
	var out []string
	for _, a := range p.storage.algorithms() {
		out = append(out, string(a))
	}
	return out
}

// Handler serves the OIDC endpoints (discovery, /keys, /authorize, /oauth/token,
// /userinfo, /oauth/introspect, /revoke, /end_session, /authorize/callback).
func (p *Provider) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/oauth/token":
			r = r.WithContext(WithUserMemo(withClientID(r.Context(), tokenClientID(r))))
		case r.Method == http.MethodGet && r.URL.Path == "/.well-known/openid-configuration":
			p.discover.ServeHTTP(w, r) // discovery.go: only what works
			return
		case r.URL.Path == "/device_authorization":
			http.NotFound(w, r) // not a grant carekey offers
			return
		case r.Method == http.MethodPost && r.URL.Path == "/oauth/introspect":
			secretPostAsBasic(r)
		}
		if r.Method == http.MethodPost {
			switch r.URL.Path {
			case "/oauth/token", "/oauth/introspect", "/revoke":
				var ok bool
				if r, ok = p.checkAssertion(w, r); !ok { // private_key_jwt: clientauth.go
					return
				}
			}
		}
		switch r.URL.Path {
		case "/oauth/token", "/userinfo", "/oauth/introspect", "/revoke":
			// A backend failure must never reach a client as a verdict on
			// its token (op answers most storage errors with invalid_grant
			// or invalid_token), or it would drop a token that still works.
			failed := new(atomic.Bool)
			r = r.WithContext(context.WithValue(r.Context(), backendFailedKey{}, failed))
			w = &unavailableWriter{ResponseWriter: w, failed: failed}
		}
		p.op.ServeHTTP(w, r)
	})
}

// secretPostAsBasic lets a client authenticate at introspection with
// client_secret_post, as it can at the token and revocation endpoints: op's
// introspection reads only HTTP Basic, so client_id and client_secret from
// the form become that header (and the secret leaves the form). A request
// that already has an Authorization header, or no secret in its form, is left
// as it is.
func secretPostAsBasic(r *http.Request) {
	if r.Header.Get("Authorization") != "" || r.ParseForm() != nil {
		return
	}
	id, sec := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if id == "" || sec == "" {
		return
	}
	r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(sec))
	r.PostForm.Del("client_secret")
	r.Form.Del("client_secret")
}

// unavailableWriter turns an error answer into 503 Service Unavailable with
// Retry-After when a storage call of the request failed (serverError), so a
// client retries rather than discard a token it may still hold.
type unavailableWriter struct {
	http.ResponseWriter
	failed   *atomic.Bool
	replaced bool
	wrote    bool
}

func (w *unavailableWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if code >= 400 && w.failed.Load() {
		w.replaced = true
		h := w.Header()
		h.Del("Content-Length")
		h.Del("WWW-Authenticate")
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		h.Set("Retry-After", "30")
		w.ResponseWriter.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.ResponseWriter.Write([]byte(`{"error":"temporarily_unavailable","error_description":"the service is unavailable for a moment: try again shortly"}`))
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *unavailableWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.replaced {
		return len(b), nil // op's own answer, replaced
	}
	return w.ResponseWriter.Write(b)
}

func (w *unavailableWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// tokenClientID names the client of a token request (Basic auth or the form),
// so that SigningKey can sign with the algorithm that client is registered
// for. It only selects a key: op authenticates the client as usual.
func tokenClientID(r *http.Request) string {
	if id, _, ok := r.BasicAuth(); ok {
		if u, err := url.QueryUnescape(id); err == nil {
			return u
		}
		return id
	}
	if err := r.ParseForm(); err != nil {
		return ""
	}
	return r.PostForm.Get("client_id")
}

// Login is a completed sign-in, handed to CompleteAuthRequest.
type Login struct {
	UserID    string
	SessionID string
	AuthTime  time.Time
	AMR       []string
	// Browser is the binding token of the browser that signed in (its
	// cookie): it must be the one that started the auth request.
	Browser string
}

// AuthRequest returns a pending auth request, for the sign-in pages
// (authstate.ErrNotFound if unknown or expired).
func (p *Provider) AuthRequest(ctx context.Context, id string) (authstate.AuthRequest, error) {
	return p.storage.cfg.State.GetAuthRequest(ctx, id)
}

// ClientName returns the display name of a client (its ID if it has none).
func (p *Provider) ClientName(id string) string {
	if c, ok := p.storage.clients[id]; ok && c.cfg.Name != "" {
		return c.cfg.Name
	}
	return id
}

// CompleteAuthRequest marks the auth request signed in by l and returns the
// URL (relative to the issuer) that issues the code and returns to the client.
// It is called only after every factor has been verified.
func (p *Provider) CompleteAuthRequest(ctx context.Context, id string, l Login) (string, error) {
	var clientID string
	_, err := p.storage.cfg.State.UpdateAuthRequest(ctx, id, func(r *authstate.AuthRequest) error {
		if !SameBrowser(*r, l.Browser) {
			return ErrWrongBrowser
		}
		if r.Done {
			return errAlreadyDone
		}
		r.UserID, r.SessionID, r.AuthTime, r.AMR, r.Done = l.UserID, l.SessionID, l.AuthTime.UTC(), l.AMR, true
		clientID = r.ClientID
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("complete auth request %s: %w", id, err)
	}
	if l.SessionID != "" {
		if err := p.storage.cfg.Sessions.AddClient(ctx, l.SessionID, clientID); err != nil {
			return "", fmt.Errorf("record client in session: %w", err)
		}
	}
	return op.AuthCallbackURL(p.op)(op.ContextWithIssuer(ctx, p.storage.cfg.Issuer), id), nil
}

var errAlreadyDone = errors.New("oidcop: auth request already completed")

// ErrLogoutLinkInvalid: the next and mac of a ConfirmLogoutPath link do not
// match (edited, or not made by this provider).
var ErrLogoutLinkInvalid = errors.New("oidcop: invalid sign-out confirmation link")

// CheckLogoutLink reports whether next and mac come from a ConfirmLogoutPath
// link this provider made (ErrLogoutLinkInvalid if not). next is then a
// post-logout redirect /end_session validated.
func (p *Provider) CheckLogoutLink(next, mac string) error {
	if !p.storage.checkLogoutMAC(next, mac) {
		return ErrLogoutLinkInvalid
	}
	return nil
}

// ConfirmLogout is the POST of the ConfirmLogoutPath page, its CSRF token
// already checked by the caller: it ends browser session sessionID (if any,
// with back-channel logout) and returns next, where the browser goes on to.
func (p *Provider) ConfirmLogout(ctx context.Context, sessionID, next, mac string) (string, error) {
	if err := p.CheckLogoutLink(next, mac); err != nil {
		return "", err
	}
	if sessionID != "" {
		if err := p.storage.endSession(ctx, sessionID); err != nil {
			return "", err
		}
	}
	return next, nil
}

// ErrInvalidToken: an access token that is malformed, unknown, expired or
// revoked.
var ErrInvalidToken = errors.New("oidcop: invalid access token")

// AccessToken verifies an opaque bearer access token issued by this provider
// and returns its record (for resource servers inside carekey, such as the
// admin API). Returns ErrInvalidToken for any token that is not live.
func (p *Provider) AccessToken(ctx context.Context, raw string) (authstate.AccessToken, error) {
	plain, err := p.op.Crypto().Decrypt(raw)
	if err != nil {
		return authstate.AccessToken{}, ErrInvalidToken
	}
	id, subject, ok := strings.Cut(plain, ":")
	if !ok {
		return authstate.AccessToken{}, ErrInvalidToken
	}
	t, _, err := p.storage.liveAccessToken(ctx, id, subject)
	if err != nil {
		return authstate.AccessToken{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return t, nil
}

// uiLocales are the languages of the pages (pkg/text), for discovery's
// ui_locales_supported.
func uiLocales() []language.Tag {
	var tags []language.Tag
	for _, l := range text.Langs() {
		tags = append(tags, language.MustParse(string(l)))
	}
	return tags
}
