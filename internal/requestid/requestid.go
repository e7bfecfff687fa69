package requestid

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"log/slog"
)

// Header is the request and response header that carries the ID (X-Request-ID,
// in Go's canonical form so that reading and setting it allocates nothing).
const Header = "X-Request-Id"

// Key is the attribute name of the ID on log lines.
const Key = "request_id"

// maxLen bounds an accepted ID: enough for a UUID or a load balancer's trace
// ID, not enough to flood a log line.
const maxLen = 64

type ctxKey struct{}

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the ID in ctx, or "".
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// New returns a fresh ID: 80 random bits, 16 characters of base32.
func New() string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	var out [16]byte
	encoding.Encode(out[:], b[:])
	return string(out[:]) // the one allocation

}

// Valid reports whether id, received from a proxy, is sane to log and echo:
// 1 to 64 characters of letters, digits, '-', '_', '.' and ':' (no spaces,
// quotes or control characters to forge a log line with).
func Valid(id string) bool {
	if id == "" || len(id) > maxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// Handler adds the request ID of a record's context to the record.
type Handler struct{ inner slog.Handler }

var _ slog.Handler = (*Handler)(nil)

// NewHandler wraps h; a handler that is already a *Handler is returned as is,
// so wrapping twice adds the ID once.
func NewHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(*Handler); ok {
		return h
	}
	return &Handler{inner: h}
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if id := FromContext(ctx); id != "" {
			r.AddAttrs(slog.String(Key, id))
		}
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &Handler{inner: h.inner.WithAttrs(as)}
}

// WithGroup implements slog.Handler. The ID stays at the top level only when
// no group is open; in a group it is logged inside it.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name)}
}
