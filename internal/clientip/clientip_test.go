package clientip_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/clientip"
)

func TestResolve(t *testing.T) {
	r, err := clientip.New([]string{"10.0.0.0/8", "192.0.2.10", "2001:db8:ffff::/48"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, tc := range []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"no proxy", "198.51.100.7:5000", nil, "198.51.100.7"},
		{"spoofed header from an untrusted peer is ignored", "198.51.100.7:5000", []string{"203.0.113.1"}, "198.51.100.7"},
		{"trusted peer without header is the client", "10.1.2.3:5000", nil, "10.1.2.3"},
		{"real client through a trusted proxy", "10.1.2.3:5000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"single trusted address", "192.0.2.10:443", []string{"198.51.100.7"}, "198.51.100.7"},
		{"address next to a trusted one is not trusted", "192.0.2.11:443", []string{"198.51.100.7"}, "192.0.2.11"},
		{"client's own header is to the left of the hop the proxy appends",
			"10.1.2.3:5000", []string{"203.0.113.1, 198.51.100.7"}, "198.51.100.7"},
		{"several trusted hops", "10.1.2.3:5000", []string{"198.51.100.7, 10.9.9.9, 10.0.0.5"}, "198.51.100.7"},
		{"several header lines read as one list", "10.1.2.3:5000", []string{"203.0.113.1", "198.51.100.7, 10.9.9.9"}, "198.51.100.7"},
		{"all hops trusted gives the leftmost", "10.1.2.3:5000", []string{"10.4.4.4, 10.5.5.5"}, "10.4.4.4"},
		{"IPv6 peer untrusted", "[2001:db8::1]:443", []string{"198.51.100.7"}, "2001:db8::1"},
		{"IPv6 trusted proxy and client", "[2001:db8:ffff::2]:443", []string{"2001:db8:1::7"}, "2001:db8:1::7"},
		{"IPv6 client with brackets and port", "10.1.2.3:5000", []string{"[2001:db8:1::7]:1234"}, "2001:db8:1::7"},
		{"IPv4 client with port", "10.1.2.3:5000", []string{"198.51.100.7:1234"}, "198.51.100.7"},
		{"IPv4-mapped peer matches an IPv4 proxy", "[::ffff:10.1.2.3]:5000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"IPv4-mapped client comes out as IPv4", "10.1.2.3:5000", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
		{"zone dropped", "[fe80::1%eth0]:5000", nil, "fe80::1"},
		{"garbage stops the walk at the last trusted hop", "10.1.2.3:5000", []string{"198.51.100.7, garbage"}, "10.1.2.3"},
		{"garbage behind a trusted hop stops there", "10.1.2.3:5000", []string{"unknown, 10.7.7.7"}, "10.7.7.7"},
		{"garbage left of the client is never reached", "10.1.2.3:5000", []string{"garbage, 198.51.100.7"}, "198.51.100.7"},
		{"empty entry stops the walk", "10.1.2.3:5000", []string{"198.51.100.7, , 10.7.7.7"}, "10.7.7.7"},
		{"empty header line adds nothing", "10.1.2.3:5000", []string{"198.51.100.7", ""}, "198.51.100.7"},
		{"CIDR in the header is garbage", "10.1.2.3:5000", []string{"198.51.100.0/24"}, "10.1.2.3"},
		{"overlong entry is garbage", "10.1.2.3:5000", []string{strings.Repeat("1", 100)}, "10.1.2.3"},
		{"unparsable peer returned without port", "pipe:1", []string{"198.51.100.7"}, "pipe"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Resolve(tc.remote, tc.xff); got != tc.want {
				t.Errorf("Resolve(%q, %q) = %q, want %q", tc.remote, tc.xff, got, tc.want)
			}
		})
	}
}

func TestNoTrustedProxies(t *testing.T) {
	for _, r := range []*clientip.Resolver{nil, {}} {
		if got := r.Resolve("10.1.2.3:5000", []string{"198.51.100.7"}); got != "10.1.2.3" {
			t.Errorf("Resolve with no trusted proxies = %q, want the peer 10.1.2.3", got)
		}
	}
}

func TestNewRefusesGarbage(t *testing.T) {
	for _, have := range []string{"", "10.0.0.0/33", "example.com", "10.0.0.1:80"} {
		if _, err := clientip.New([]string{have}); !errors.Is(err, clientip.ErrBadProxy) {
			t.Errorf("New(%q) error = %v, want ErrBadProxy", have, err)
		}
	}
}

func TestContext(t *testing.T) {
	if _, ok := clientip.FromContext(t.Context()); ok {
		t.Errorf("FromContext on a bare context: ok")
	}
	ip, ok := clientip.FromContext(clientip.NewContext(t.Context(), "198.51.100.7"))
	if !ok || ip != "198.51.100.7" {
		t.Errorf("FromContext = %q, %v", ip, ok)
	}
}

// FuzzResolve checks, for any peer and header: Resolve does not panic; with
// an untrusted peer the header is ignored; the result is either the peer
// (port stripped) or an address that appears in the header; and the result is
// never a trusted proxy unless every hop was one or the walk stopped at one.
func FuzzResolve(f *testing.F) {
	for _, seed := range [][2]string{
		{"10.1.2.3:5000", "198.51.100.7"},
		{"198.51.100.7:1", "10.0.0.1"},
		{"10.1.2.3:5000", "garbage, 198.51.100.7"},
		{"10.1.2.3:5000", "198.51.100.7, garbage"},
		{"[2001:db8::1]:443", "[2001:db8::2]:80, ::ffff:10.0.0.1"},
		{"[fe80::1%eth0]:1", "fe80::2%lo, , ,"},
		{"pipe", "\r\nX: y"},
		{"", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	r, err := clientip.New([]string{"10.0.0.0/8", "2001:db8::/32"})
	if err != nil {
		f.Fatalf("New: %v", err)
	}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		got := r.Resolve(remote, []string{xff})
		peer, perr := netip.ParseAddrPort(remote)
		if perr == nil && !r.Trusted(peer.Addr()) {
			if want := peer.Addr().Unmap().WithZone("").String(); got != want {
				t.Fatalf("untrusted peer %q with header %q: got %q, want the peer %q", remote, xff, got, want)
			}
		}
		if perr == nil {
			a, err := netip.ParseAddr(got)
			if err != nil {
				t.Fatalf("Resolve(%q, %q) = %q: not an address", remote, xff, got)
			}
			if a != peer.Addr().Unmap().WithZone("") && !inHeader(a, xff) {
				t.Fatalf("Resolve(%q, %q) = %q: neither the peer nor in the header", remote, xff, got)
			}
		}
	})
}

// inHeader reports whether some entry of xff is the address a.
func inHeader(a netip.Addr, xff string) bool {
	for _, e := range strings.Split(xff, ",") {
		e = strings.TrimSpace(e)
		if ap, err := netip.ParseAddrPort(e); err == nil && ap.Addr().Unmap().WithZone("") == a {
			return true
		}
		if b, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(e, "["), "]")); err == nil && b.Unmap().WithZone("") == a {
			return true
		}
	}
	return false
}
