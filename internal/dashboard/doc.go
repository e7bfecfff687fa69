// Package dashboard is the reference relying party: the council's children's
// services dashboard, which signs users in at carekey by OpenID Connect and
// lets them pick one of the accounts they may manage.
//
// It is an ordinary OIDC client built on go-oidc and x/oauth2 and imports
// nothing else of carekey but pkg/claims and the catalogue of words
// (pkg/text), so it shows what any council app needs to do:
//
//	GET  /           signed out: a "Sign in" link; signed in: the account chooser
//	                 ("Select an account to manage"), or straight to the only account
//	GET  /login      authorization code flow with PKCE S256, state and nonce
//	GET  /language   ?lang=cy&next=/…: the header's language link; remembers the
//	                 language (cookie dashboard_lang) and goes back to next, a local
//	                 path (any other next is refused)
//	GET  /callback   checks state, exchanges the code (client_secret_basic), verifies
//	                 the ID token, reads name, email and the accounts claim
//	                 (falling back to userinfo) and starts a local session
//	POST /logout     CSRF-checked; ends the local session and answers a form that
//	                 POSTs id_token_hint to the IdP's end_session_endpoint (script
//	                 submits it; else a Continue button), so no token is in a URL
//	GET  /accounts/{id}  the "Social Care Dashboard" of one of the user's accounts
//	POST /keep-alive     CSRF-checked; slides the session's idle limit (idle warning)
//	POST /backchannel-logout  OpenID Connect Back-Channel Logout 1.0: verifies the
//	                 logout token (signature against the issuer's JWKS, iss, aud,
//	                 iat/exp, typ, events, sid or sub, no nonce; else 400) and
//	                 ends every local session of that sid
//
// Discovery is lazy: New does not contact the issuer, the first request that
// needs it does, and a failed discovery is tried again on the next request, so
// the dashboard may start before (or beside) the IdP.
//
// Sessions live in memory (a map behind a mutex) keyed by a random cookie
// value; a session unused for Config.IdleTimeout is gone, and each request
// slides it. The login state (state, nonce, PKCE verifier) is a short-lived
// server-side record bound to its own cookie, used once.
//
// Signed-in pages carry Config.IdleTimeout and Config.WarnAfter as data
// attributes for static/idle.js: after WarnAfter without activity it opens a
// modal countdown dialog (announced politely each minute and at 30 and 10
// seconds); a key press or "Stay signed in" closes it and calls /keep-alive;
// at zero it submits the Logout form. Without JavaScript (or when the tab
// slept through the countdown) the server's idle limit still holds, and the
// next request that finds the session idle ends the IdP session too: it
// answers with the end_session form of the logout (its ID token as
// id_token_hint), which comes back to the idle notice.
//
// Every page is in English or Welsh: the language chosen with the header's
// link, else the browser's (Accept-Language), else English. Every word comes
// from the catalogue (pkg/text, IDs "dashboard.…"); the idle warning's
// script takes its words from the page. /login and /register pass the
// language to carekey as ui_locales, so its pages are in the same language.
//
// Pages are html/template files embedded from templates/, styled by
// static/dashboard.css, and work without JavaScript; every response carries a
// Content-Security-Policy without inline script.
package dashboard
