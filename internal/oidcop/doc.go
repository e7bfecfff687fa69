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
//   - An auth request belongs to the browser that started it: the web layer
//     hands /authorize a binding token from a __Host- cookie (WithBrowser),
//     the request stores its hash, and sign-in, completion and the callback
//     are refused to any other browser (binding.go). A request yields at most
//     one code, only while the session that signed in lives and the user's
//     credentials are unchanged; the code is refused at the token endpoint
//     on the same terms.
//   - PKCE with S256 is required for public clients; "plain" is refused for all.
//   - Authorization codes are stored by hash and consumed atomically: of N
//     concurrent exchanges exactly one gets tokens; the auth request dies with it.
//   - Refresh tokens are stored by hash and rotated on every use; presenting a
//     used token again revokes its whole family.
//   - Client secrets are compared as SHA-256 hashes in constant time.
package oidcop
