// Package adminapi is carekey's admin JSON API under /admin/v1/: managed
// accounts, grants, and a few user chores (find by email, reset phone,
// unlock). Its OpenAPI 3.1 description is served at /admin/v1/openapi.json
// (openapi.json here; docs/admin-api.openapi.json is a copy a test keeps equal).
//
// Callers authenticate with an OAuth access token from the client-credentials
// grant (`Authorization: Bearer …`) whose scopes include carekey:admin; the
// token's client is the actor every audit event names ("admin:<client_id>").
// Errors are RFC 9457 problem details (application/problem+json); a
// validation problem lists each bad field under "errors". Bodies are decoded
// strictly: unknown fields, trailing data or more than MaxBodyBytes are refused.
// The bodies are pkg/adminclient's types (types.go there), the ones the
// client decodes, so server and client share one definition of the wire.
//
//	api, err := adminapi.New(adminapi.Config{Tokens: provider, Accounts: svc, Users: st, Audit: st, Clock: clk})
//	mux.Handle("/admin/v1/", api)
package adminapi
