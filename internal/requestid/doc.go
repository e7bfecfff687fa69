// Package requestid names each HTTP request so that every log line written
// while serving it, and its response (the X-Request-ID header), carry the same
// ID.
//
// The web layer calls New (or accepts a proxy's ID that passes Valid) once per
// request and puts it in the request context with NewContext; Handler wraps a
// slog.Handler so that every record logged through a …Context method with that
// context gets a "request_id" attribute. Nothing else needs to thread the ID.
package requestid
