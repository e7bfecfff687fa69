// Package web serves carekey's hosted pages and mounts the OpenID Connect
// provider: a gorilla/mux router with security middleware (CSP without inline
// script, frame-ancestors 'none', cross-origin POST protection, body limits),
// the sign-in journey as a persisted flow (cookie-bound, CSRF-checked, 303 after
// every POST), browser sessions, health and readiness endpoints.
//
// Handlers decode forms, call journey services and map their typed errors to
// message IDs (internal/text) and HTTP statuses in one place.
package web
