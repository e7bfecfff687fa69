package dashboard

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/carekey/carekey/pkg/claims"
	"github.com/carekey/carekey/pkg/text"
)

// Defaults filled in by New.
const (
	DefaultIdleTimeout = 15 * time.Minute
	DefaultWarnAfter   = 10 * time.Minute
	// loginTTL is how long a started sign-in may take before its state is forgotten.
	loginTTL = 10 * time.Minute
	// discoveryTimeout bounds one attempt to fetch the issuer's discovery document.
	discoveryTimeout = 10 * time.Second
)

// Cookie names.
const (
	sessionCookie = "dashboard_session"
	loginCookie   = "dashboard_login"
	// logoutCookie holds the state of a logout sent to the issuer, with
	// why (logoutByUser or logoutIdle), so that the page the issuer sends
	// the browser back to can say "You have been signed out".
	logoutCookie = "dashboard_logout"
)

// Config configures a Dashboard.
type Config struct {
	// Issuer is the carekey issuer URL, e.g. http://localhost:8080.
	Issuer string
	// ClientID and ClientSecret are the dashboard's client credentials at the
	// issuer; the secret is sent with client_secret_basic. An empty secret
	// makes the dashboard a public client (PKCE only).
	ClientID, ClientSecret string
	// BaseURL is where the dashboard is served, e.g. http://localhost:8081;
	// the redirect URI is BaseURL + "/callback" and the post-logout redirect
	// URI BaseURL + "/".
	BaseURL string
	// Scopes to ask for; default openid profile email accounts.
	Scopes []string
	// IdleTimeout ends a session unused this long; default 15 minutes.
	IdleTimeout time.Duration
	// WarnAfter is when the (JavaScript) idle warning is due; default 10
	// minutes. Must be less than IdleTimeout.
	WarnAfter time.Duration
	// SecureCookies marks cookies Secure; set it whenever BaseURL is https.
	SecureCookies bool
	// HTTPClient talks to the issuer; default a client with a 10 s timeout.
	HTTPClient *http.Client
	// Logger receives errors the user sees only as a friendly page; default discards.
	Logger *slog.Logger
	// Now tells the time; default time.Now.
	Now func() time.Time
	// Branding names and colours the pages; empty fields take the defaults
	// (branding.go).
	Branding Branding
}

// Dashboard is the relying party. Create it with New and serve Handler.
type Dashboard struct {
	cfg      Config
	issuer   string // without a trailing slash
	baseURL  string // without a trailing slash
	csp      string
	themeCSS string // branding.go
	pages    *pages
	sessions *sessionStore
	// logoutJTIs holds the jti of accepted logout tokens, to refuse replays.
	logoutJTIs jtiCache
	discoverM  sync.Mutex // held while discovering; guards prov
	prov       *provider  // nil until discovery succeeds
}

// New checks cfg, fills in defaults and parses the templates. It does not
// contact the issuer: discovery happens on first use.
func New(cfg Config) (*Dashboard, error) {
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "profile", "email", claims.ScopeAccounts}
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.WarnAfter == 0 {
		cfg.WarnAfter = DefaultWarnAfter
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: discoveryTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}

	cfg.Branding = cfg.Branding.withDefaults()

	errs := cfg.Branding.check()
	issuer, err := checkURL(cfg.Issuer)
	if err != nil {
		errs = append(errs, fmt.Errorf("issuer: %w", err))
	}
	base, err := checkURL(cfg.BaseURL)
	if err != nil {
		errs = append(errs, fmt.Errorf("base_url: %w", err))
	} else if base.Path != "" {
		errs = append(errs, errors.New("base_url: must have no path"))
	}
	if cfg.ClientID == "" {
		errs = append(errs, errors.New("client_id: required"))
	}
	if !slices.Contains(cfg.Scopes, oidc.ScopeOpenID) {
		errs = append(errs, errors.New("scopes: must include openid"))
	}
	if cfg.IdleTimeout < 0 {
		errs = append(errs, errors.New("idle_timeout: must be positive"))
	}
	if cfg.WarnAfter < 0 || cfg.WarnAfter >= cfg.IdleTimeout {
		errs = append(errs, errors.New("warn_after: must be positive and less than idle_timeout"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("dashboard config: %w", err)
	}

	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	d := &Dashboard{
		cfg:      cfg,
		issuer:   strings.TrimSuffix(cfg.Issuer, "/"),
		baseURL:  strings.TrimSuffix(cfg.BaseURL, "/"),
		themeCSS: cfg.Branding.themeCSS(),
		pages:    p,
		sessions: newSessionStore(cfg.IdleTimeout, loginTTL),
	}
	d.csp = "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; " +
		"form-action 'self' " + issuer.Scheme + "://" + issuer.Host
	return d, nil
}

// checkURL parses an absolute http(s) URL.
func checkURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("required")
	}
	u, err := url.Parse(strings.TrimSuffix(s, "/"))
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("must be an absolute http or https URL")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("must have no query or fragment")
	}
	return u, nil
}

// Handler returns the dashboard's routes, with security headers on every
// response, cross-origin POSTs refused and the reader's language in every
// request's context.
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", d.home)
	mux.HandleFunc("GET /login", d.login)
	mux.HandleFunc("GET /register", d.register)
	mux.HandleFunc("GET /language", d.chooseLanguage)
	mux.HandleFunc("GET /callback", d.callback)
	mux.HandleFunc("POST /logout", d.logout)
	mux.HandleFunc("GET /accounts/{id}", d.account)
	mux.HandleFunc("POST /keep-alive", d.keepAlive)
	mux.HandleFunc("POST /backchannel-logout", d.backchannelLogout)
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("GET /static/theme.css", d.theme)
	mux.HandleFunc("GET /", d.notFound) // any other page: the 404 page, not "404 page not found"

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.renderError(w, r, http.StatusForbidden, errorPage{
			Title:   text.M("dashboard.error.refused"),
			Message: text.M("dashboard.error.cross_origin"),
		})
	}))
	return d.securityHeaders(d.language(cop.Handler(mux)))
}

// securityHeaders sets the headers every response carries.
func (d *Dashboard) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", d.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// setCookie sets an HttpOnly, SameSite=Lax cookie for the whole site.
// maxAge < 0 deletes it.
func (d *Dashboard) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   d.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}
