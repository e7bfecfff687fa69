package adminapi

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/carekey/carekey/internal/accounts"
	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/store"
)

// Prefix is where the API is mounted.
const Prefix = "/admin/v1/"

// openAPI is the API's OpenAPI 3.1 description, served as is.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 description the API serves.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// Tokens verifies access tokens (oidcop.Provider).
type Tokens interface {
	AccessToken(ctx context.Context, raw string) (authstate.AccessToken, error)
}

// Users is the part of the system of record the user chores need.
type Users interface {
	GetUser(ctx context.Context, id string) (store.User, error)
	GetUserByEmail(ctx context.Context, email string) (store.User, error)
	GetUserByExternalID(ctx context.Context, externalID string) (store.User, error)
	UpdateUser(ctx context.Context, id string, fn func(u *store.User) ([]store.AuditEvent, error)) (store.User, error)
	AppendAudit(ctx context.Context, events ...store.AuditEvent) error
}

// Sessions ends a user's browser sessions (reset-phone).
type Sessions interface {
	DeleteByUser(ctx context.Context, userID string) ([]session.Session, error)
}

// RefreshTokens revokes a user's refresh tokens (reset-phone).
type RefreshTokens interface {
	RevokeUserRefreshTokens(ctx context.Context, userID string, now time.Time) error
}

// LogoutNotifier is told of each session reset-phone ends, to send
// back-channel logout to the relying parties that held it. SessionEnded
// must return at once.
type LogoutNotifier interface {
	SessionEnded(ctx context.Context, sess session.Session)
}

// Config wires the API. Every field is required unless marked optional.
type Config struct {
	Tokens   Tokens
	Accounts *accounts.Service
	Users    Users
	Audit    AuditLog // audit.go
	Clock    clock.Clock
	// Sessions and RefreshTokens end what a user is signed in with when an
	// administrator resets their phone; Logout (optional) sends
	// back-channel logout for each ended session.
	Sessions      Sessions
	RefreshTokens RefreshTokens
	Logout        LogoutNotifier
	Logger        *slog.Logger // optional
	// MaxBodyBytes caps request bodies (optional: 64 KiB).
	MaxBodyBytes int64
	// Import enables POST /users/import (optional; users_import.go).
	Import *UserImport
	// Apps removes users' authenticator apps (DELETE /users/{id}/totp;
	// optional: without it that answers 404).
	Apps AppRemover
}

// AppRemover removes a user's authenticator app (signin.Service).
type AppRemover interface {
	// RemoveApp removes user userID's app, audited as done by actor from
	// ip, and emails the user. Returns an error matching ErrNoApp if the
	// user has none, store.ErrNotFound for an unknown user.
	RemoveApp(ctx context.Context, userID, actor, ip string) error
}

// ErrNoApp is what an AppRemover returns for a user without an app
// (signin.ErrNoApp).
var ErrNoApp = signin.ErrNoApp

// API is the admin API's http.Handler.
type API struct {
	cfg    Config
	router *mux.Router
}

// New builds the API.
func New(cfg Config) (*API, error) {
	if cfg.Tokens == nil || cfg.Accounts == nil || cfg.Users == nil || cfg.Audit == nil || cfg.Clock == nil || cfg.Sessions == nil || cfg.RefreshTokens == nil {
		return nil, errors.New("adminapi: incomplete config")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	a := &API{cfg: cfg}
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, problem{Type: typeNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: "no such endpoint"})
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, problem{Type: typeMethod, Title: "Method not allowed", Status: http.StatusMethodNotAllowed})
	})
	r.HandleFunc("/admin/v1/openapi.json", serveOpenAPI).Methods(http.MethodGet)

	p := r.PathPrefix("/admin/v1").Subrouter()
	p.Use(a.authenticate)
	p.HandleFunc("/accounts", a.listAccounts).Methods(http.MethodGet)
	p.HandleFunc("/accounts/{id}", a.getAccount).Methods(http.MethodGet)
	p.HandleFunc("/accounts/by-ref/{source}/{ref}", a.putAccount).Methods(http.MethodPut)
	p.HandleFunc("/users", a.findUsers).Methods(http.MethodGet)
	p.HandleFunc("/users/import", a.importUsers).Methods(http.MethodPost)
	p.HandleFunc("/users/{id}", a.getUser).Methods(http.MethodGet)
	p.HandleFunc("/users/{id}/reset-phone", a.resetPhone).Methods(http.MethodPost)
	p.HandleFunc("/users/{id}/unlock", a.unlock).Methods(http.MethodPost)
	p.HandleFunc("/users/{id}/totp", a.removeApp).Methods(http.MethodDelete)
	p.HandleFunc("/users/{id}/grants", a.listGrants).Methods(http.MethodGet)
	p.HandleFunc("/users/{id}/grants/{accountID}", a.putGrant).Methods(http.MethodPut)
	p.HandleFunc("/users/{id}/grants/{accountID}", a.revokeGrant).Methods(http.MethodDelete)
	p.HandleFunc("/audit", a.listAudit).Methods(http.MethodGet)
	a.router = r
	return a, nil
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.router.ServeHTTP(w, r) }

// Route is one endpoint of the API.
type Route struct{ Method, Path string }

// Routes lists every endpoint, for the test that checks the OpenAPI document.
func (a *API) Routes() []Route {
	var out []Route
	_ = a.router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		path, err1 := route.GetPathTemplate()
		methods, err2 := route.GetMethods()
		if err1 != nil || err2 != nil {
			return nil // a subrouter's prefix
		}
		for _, m := range methods {
			out = append(out, Route{m, path})
		}
		return nil
	})
	return out
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}
