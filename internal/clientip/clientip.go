package clientip

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrBadProxy reports a trusted proxy that is neither an address nor a CIDR.
var ErrBadProxy = errors.New("clientip: trusted proxy must be an IP address or CIDR")

// Resolver finds the client's address given the operator's trusted proxies.
// The zero Resolver trusts no proxy: the peer is always the client.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a Resolver that believes X-Forwarded-For from the given proxies,
// each an address ("10.0.0.1", "2001:db8::1") or a CIDR ("10.0.0.0/8").
func New(trusted []string) (*Resolver, error) {
	r := &Resolver{}
	for _, s := range trusted {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			r.trusted = append(r.trusted, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, ErrBadProxy)
		}
		a = a.Unmap().WithZone("")
		r.trusted = append(r.trusted, netip.PrefixFrom(a, a.BitLen()))
	}
	return r, nil
}

// Trusted reports whether a is one of the trusted proxies.
func (r *Resolver) Trusted(a netip.Addr) bool {
	if r == nil || !a.IsValid() {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Resolve returns the client's address for a request from remoteAddr (the
// http.Request field: "host:port") carrying the X-Forwarded-For header values
// xff (every occurrence, in order). X-Forwarded-For counts only when the peer
// is trusted; then the result is the rightmost entry that is not a trusted
// proxy, or the leftmost entry when all of them are. A malformed entry stops
// the walk: the result is then the last address that parsed, which is a
// trusted proxy. IPv4-mapped IPv6 addresses come out as IPv4. A remoteAddr
// that does not parse is returned as it is (without a port when it has one).
func (r *Resolver) Resolve(remoteAddr string, xff []string) string {
	peer, ok := parse(remoteAddr)
	if !ok {
		return hostOnly(remoteAddr)
	}
	if !r.Trusted(peer) {
		return peer.String()
	}
	client := peer
	for i := len(xff) - 1; i >= 0; i-- {
		entries := strings.Split(xff[i], ",")
		for j := len(entries) - 1; j >= 0; j-- {
			e := strings.TrimSpace(entries[j])
			if e == "" && len(entries) == 1 {
				continue // an empty header line adds no hop
			}
			a, ok := parse(e)
			if !ok {
				return client.String()
			}
			client = a
			if !r.Trusted(a) {
				return client.String()
			}
		}
	}
	return client.String()
}

// parse reads an address with or without a port ("192.0.2.1",
// "192.0.2.1:80", "2001:db8::1", "[2001:db8::1]:80"), unmapped and without
// a zone.
func parse(s string) (netip.Addr, bool) {
	if len(s) > 64 { // longer than any address with a port and a zone
		return netip.Addr{}, false
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// hostOnly strips a port from an address that did not parse, as the peer
// address always did before proxies were trusted.
func hostOnly(s string) string {
	if i := strings.LastIndexByte(s, ':'); i > 0 {
		s = s[:i]
	}
	return strings.Trim(s, "[]")
}

type ctxKey struct{}

// NewContext returns ctx carrying the client's address ip.
func NewContext(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ctxKey{}, ip)
}

// FromContext returns the client's address NewContext stored in ctx.
func FromContext(ctx context.Context) (string, bool) {
	ip, ok := ctx.Value(ctxKey{}).(string)
	return ip, ok
}
