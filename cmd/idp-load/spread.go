package main

import (
	"net/http"
	"sync/atomic"
)

// spread sends the requests for host to the addresses in to, each request
// to the next in turn: a client-side stand-in for the load balancer in front
// of several replicas of carekey (-replicas). The request keeps its URL's
// host in its Host header, so every replica sees the issuer's address, and
// the cookie jar, which works on the URL before the transport, keeps one
// browser's cookies whichever replica answered. Other hosts go to next.
type spread struct {
	next http.RoundTripper
	host string
	to   []string
	n    atomic.Uint64
}

func (s *spread) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != s.host || len(s.to) == 0 {
		return s.next.RoundTrip(r)
	}
	out := r.Clone(r.Context())
	out.URL.Host = s.to[(s.n.Add(1)-1)%uint64(len(s.to))]
	out.Host = s.host
	return s.next.RoundTrip(out)
}
