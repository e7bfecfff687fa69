// Package web serves carekey's hosted pages and mounts the OpenID Connect
// provider: a gorilla/mux router with security middleware (CSP without inline
// script, frame-ancestors 'none', cross-origin POST protection, body limits),
// the sign-in journey as a persisted flow (cookie-bound, CSRF-checked, 303 after
// every POST), browser sessions, health and readiness endpoints.
//
// Every request passes observe (observe.go) first: a request ID in the
// context and the X-Request-ID header, an optional OpenTelemetry server span,
// request metrics by route template, and one info log line at the end.
//
// Handlers decode forms, call journey services and map their typed errors to
// message IDs (pkg/text) and HTTP statuses in one place. A browser never
// sees the provider's plain-text or JSON errors (an unknown client, a wrong
// redirect URI, a 404): errorpages.go answers it with the page in the layout.
//
// The journeys are handler types with a Mount that New calls: the sign-in
// (signin.go), the phone change (account.go) and the authenticator app's
// set-up (app.go) call signin.Journey once per step; Register (register.go) and Recovery (recovery.go) share journeys.go's
// loader (a flow bound to the browser by its own cookie, started on the
// entry page, CSRF, expiry and step checked at every POST) and its
// journeyErrorTable, the one table from their services' errors to status
// and message. VoiceWebhooks (webhook.go) serves the Call Me webhooks.
package web
