package web

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"go.opentelemetry.io/otel/trace"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/clientip"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/oidcop"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/recovery"
	"github.com/carekey/carekey/internal/registration"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/internal/web/render"
)

// Provider is what the web layer needs of the OIDC provider.
type Provider interface {
	Handler() http.Handler
	AuthRequest(ctx context.Context, id string) (authstate.AuthRequest, error)
	CompleteAuthRequest(ctx context.Context, id string, l oidcop.Login) (string, error)
	CheckCallback(ctx context.Context, id, browser string) error
	CheckLogoutLink(next, mac string) error
	ConfirmLogout(ctx context.Context, sessionID, next, mac string) (string, error)
}

// Users reads users of the system of record.
type Users interface {
	GetUser(ctx context.Context, id string) (store.User, error)
}

// Config wires the web layer. Every field is required unless marked optional.
type Config struct {
	Provider Provider
	// Signin is the sign-in journey (its Journey.Sessions is where it starts
	// sessions; SessionAbsolute here is their cookies' lifetime).
	Signin   *signin.Journey
	Users    Users
	Flows    flow.Store
	Sessions session.Store
	Pages    *render.Pages
	Static   fs.FS
	Clock    clock.Clock
	Logger   *slog.Logger
	// Pepper keys the HMACs of CSRF tokens.
	Pepper          secret.Pepper
	InsecureCookies bool
	MaxBodyBytes    int64
	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	FlowTTL         time.Duration // optional: default 30m; the sign-in flow cookie's lifetime (the flow's own is signin.Journey.FlowTTL)
	// Ready reports whether the backends are reachable (for /readyz).
	Ready func(ctx context.Context) error
	// Mounts are extra handlers by path prefix (the dev outbox at "/dev/").
	Mounts map[string]http.Handler
	// ClientIP finds the client behind trusted proxies (optional: without
	// it the peer address is the client).
	ClientIP *clientip.Resolver
	// Logout is told of each session the sign-out button ends, to send
	// back-channel logout tokens (optional).
	Logout oidcop.LogoutNotifier
	// VoiceWebhook authenticates the telephony provider's Call Me webhooks
	// (optional: without it the webhook routes are not served).
	VoiceWebhook VoiceWebhook

	// Observability (observe.go), both optional: request metrics, and the
	// tracer of server spans (nil: no spans).
	Metrics RequestObserver
	Tracer  trace.Tracer

	// Self-service journeys (register.go, recovery.go). Optional: without
	// them /register and /forgot-password say "coming soon".
	Register *registration.Service
	Recovery *recovery.Service
	Policy   password.Policy // for the "Password policy" list
}

// Server is the HTTP face of carekey.
type Server struct {
	cfg     Config
	cookies cookies
	router  *mux.Router
	pages   *mux.Router  // the hosted pages' routes, within router
	handler http.Handler // router inside observe
}

// New builds the router.
func New(cfg Config) (*Server, error) {
	if cfg.Provider == nil || cfg.Signin == nil || cfg.Users == nil || cfg.Flows == nil || cfg.Sessions == nil ||
		cfg.Pages == nil || cfg.Clock == nil || len(cfg.Pepper) == 0 {
		return nil, errors.New("web: incomplete config")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.FlowTTL == 0 {
		cfg.FlowTTL = 30 * time.Minute
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	s := &Server{cfg: cfg, cookies: cookies{Insecure: cfg.InsecureCookies}}
	r := mux.NewRouter()
	// language before limits: the refusals are in the reader's language.
	r.Use(nameRoute, secure, s.language, limits(cfg.MaxBodyBytes)) // observe.go wraps r (and resolves the client's address); language.go

	pages := r.NewRoute().Subrouter()
	cop := http.NewCrossOriginProtection()
	pages.Use(cop.Handler)
	(&signinHandler{Journey: cfg.Signin, Server: s}).Mount(pages) // signin.go, phone.go
	pages.HandleFunc("/logout", s.logout).Methods(http.MethodPost)
	pages.HandleFunc("/logged-out", s.loggedOut).Methods(http.MethodGet)
	s.mountConfirmLogout(pages) // logout.go: end_session's "Sign out" page
	pages.HandleFunc("/", s.home).Methods(http.MethodGet)
	pages.HandleFunc(render.LangPath, s.chooseLanguage).Methods(http.MethodGet) // language.go
	(&accountHandler{Journey: cfg.Signin, Server: s}).Mount(pages)              // account.go: change the phone
	(&appHandler{Journey: cfg.Signin, Server: s}).Mount(pages)                  // app.go: the authenticator app
	s.newRegister().Mount(pages)                                                // register.go
	s.newRecovery().Mount(pages)                                                // recovery.go
	for prefix, h := range cfg.Mounts {
		pages.PathPrefix(prefix).Handler(h)
	}
	// Call Me webhooks, signed by the provider (webhook.go, issue 5).
	(&VoiceWebhooks{Provider: cfg.VoiceWebhook, Phones: cfg.Signin, Logger: cfg.Logger}).Mount(r)
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	r.HandleFunc("/readyz", s.readyz)
	if cfg.Static != nil {
		r.PathPrefix("/static/").Handler(s.htmlErrors(http.StripPrefix("/static/", staticFiles(cfg.Static))))
	}
	brand := cfg.Pages.Assets(cfg.Static) // the configured colours, logo and favicon
	r.PathPrefix("/brand/").Handler(brand)
	r.Handle(render.PathFavicon, brand)
	// Everything else is the OIDC provider's; a browser sees its plain
	// errors as pages (errorpages.go).
	r.PathPrefix("/").Handler(s.wrongMethod(pages, s.htmlErrors(s.unavailableOnOutage(s.withSessionID(s.bindBrowser(cfg.Provider.Handler()))))))
	s.router, s.pages = r, pages
	s.handler = s.observe(r) // observe.go: request ID, span, metrics, one log line
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func staticFiles(fsys fs.FS) http.Handler {
	fileServer := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(w, r)
	})
}

// withSessionID hands the browser's session ID to the provider (end_session).
func (s *Server) withSessionID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sid := s.cookies.get(r, sessionCookie); sid != "" {
			r = r.WithContext(oidcop.WithSessionID(r.Context(), sid))
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.cfg.Ready(ctx); err != nil {
			s.cfg.Logger.WarnContext(r.Context(), "not ready", "err", err)
			w.Header().Set("Retry-After", retryAfterOutage)
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
	}
	_, _ = w.Write([]byte("ready\n"))
}
