// Package oidcop is carekey's OpenID Connect provider: it implements
// zitadel/oidc's op.Storage over carekey's seams (the system of record, the
// short-lived auth state, sessions and signing keys) and is the only package
// that imports github.com/zitadel/oidc/v3/pkg/op.
//
// The login hand-off works as in zitadel/oidc: /authorize stores an auth
// request and redirects the browser to the hosted sign-in page with its ID; when
// the user has signed in (password and phone), the web layer calls
// Provider.CompleteAuthRequest and redirects to the callback URL it returns,
// where op issues the authorization code.
//
// Security properties held here:
//   - PKCE with S256 is required for public clients; "plain" is refused for all.
//   - Authorization codes are stored by hash and consumed atomically: of N
//     concurrent exchanges exactly one gets tokens; the auth request dies with it.
//   - Refresh tokens are stored by hash and rotated on every use; presenting a
//     used token again revokes its whole family.
//   - Client secrets are compared as SHA-256 hashes in constant time.
package oidcop
