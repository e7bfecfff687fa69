package adminapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/carekey/carekey/internal/accounts"
	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/claims"
)

type actorKey struct{}

// authenticate lets through requests bearing a live client-credentials access
// token with the carekey:admin scope, and records the client as the actor.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || raw == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="carekey-admin"`)
			writeProblem(w, r, problem{Type: typeUnauthorized, Title: "Unauthorized", Status: http.StatusUnauthorized,
				Detail: "an access token from the client-credentials grant is required"})
			return
		}
		t, err := a.cfg.Tokens.AccessToken(r.Context(), raw)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="carekey-admin", error="invalid_token"`)
			writeProblem(w, r, problem{Type: typeUnauthorized, Title: "Unauthorized", Status: http.StatusUnauthorized,
				Detail: "the access token is invalid or has expired"})
			return
		}
		// A client-credentials token's subject is the client itself; a user's
		// token never is, whatever its scopes.
		if t.Subject != t.ClientID || !slices.Contains(t.Scopes, claims.ScopeAdmin) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="carekey-admin", error="insufficient_scope", scope="`+claims.ScopeAdmin+`"`)
			writeProblem(w, r, problem{Type: typeForbidden, Title: "Forbidden", Status: http.StatusForbidden,
				Detail: "the token must come from the client-credentials grant with the " + claims.ScopeAdmin + " scope"})
			return
		}
		by := accounts.Actor{Name: "admin:" + t.ClientID, ClientID: t.ClientID}
		ctx := context.WithValue(r.Context(), actorKey{}, by)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		rec := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(ctx))
		if rec.status/100 == 2 {
			a.auditRead(ctx, by, r)
		}
	})
}

// statusWriter remembers the status of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// auditRead records that an admin client read users' data, accounts, grants
// or the audit trail itself (changes record their own events), once the read
// has been answered with data. The query (filters, paging) is kept; an email
// in it is the admin's search term.
func (a *API) auditRead(ctx context.Context, by accounts.Actor, r *http.Request) {
	detail := map[string]string{"path": r.URL.Path}
	if q := r.URL.RawQuery; q != "" {
		detail["query"] = q
	}
	e := store.AuditEvent{Time: a.cfg.Clock.Now(), Type: "admin.read", ClientID: by.ClientID, Actor: by.Name, Detail: detail}
	if err := a.cfg.Users.AppendAudit(ctx, e); err != nil {
		a.cfg.Logger.ErrorContext(ctx, "audit event not written", "type", e.Type, "client", by.ClientID, "err", err)
	}
}

func actor(ctx context.Context) accounts.Actor {
	by, _ := ctx.Value(actorKey{}).(accounts.Actor)
	return by
}
