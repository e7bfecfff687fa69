package adminapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/carekey/carekey/internal/accounts"
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
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), actorKey{}, by)))
	})
}

func actor(ctx context.Context) accounts.Actor {
	by, _ := ctx.Value(actorKey{}).(accounts.Actor)
	return by
}
