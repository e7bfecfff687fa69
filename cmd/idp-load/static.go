package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// staticReport is what the static phase (-static) measured: the discovery
// document and the JWKS, each requested o.Static times, o.StaticConcurrency
// at once, over keep-alive connections.
type staticReport struct {
	Discovery, JWKS phase
}

// newTransport is the tool's HTTP transport: http.DefaultTransport's
// settings, with as many idle keep-alive connections per host as requests
// run at once. The default keeps 2, so at -c 8 six connections would be
// closed and opened again after every request: the server (and the tool)
// would pay for TCP set-up and TIME_WAIT sockets, not for carekey's work.
func newTransport(conc int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(conc, 2)
	t.MaxIdleConns = max(t.MaxIdleConns, 2*t.MaxIdleConnsPerHost)
	return t
}

// static reads the discovery document once for the JWKS's address, then
// measures each document in a phase of its own.
func (l *loader) static(ctx context.Context) (staticReport, error) {
	var r staticReport
	c := &http.Client{Transport: l.rt, Timeout: time.Minute}
	discovery := l.o.Issuer + "/.well-known/openid-configuration"
	body, err := get(ctx, c, discovery)
	if err != nil {
		return r, fmt.Errorf("discovery: %w", err)
	}
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.JWKSURI == "" {
		return r, fmt.Errorf("discovery: no jwks_uri (%v)", err)
	}
	if _, err := get(ctx, c, doc.JWKSURI); err != nil {
		return r, fmt.Errorf("JWKS: %w", err)
	}
	// The same transport and processes, at the static phase's concurrency.
	s := &loader{o: l.o, rt: l.rt}
	s.o.Concurrency = l.o.StaticConcurrency
	for _, p := range []struct {
		url string
		out *phase
	}{{discovery, &r.Discovery}, {doc.JWKSURI, &r.JWKS}} {
		s.pages = map[string][]time.Duration{}
		*p.out, err = s.phase(ctx, l.o.Static, func(int, int) error {
			_, err := get(ctx, c, p.url)
			return err
		})
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

// get reads the whole body of a 200 answer to a GET of u (reading it to the
// end lets the connection be used again).
func get(ctx context.Context, c *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d%s", resp.Request.URL.Path, resp.StatusCode, retryAfter(resp))
	}
	return b, nil
}

// print writes the static phase.
func (r staticReport) print(w io.Writer, o options) {
	for _, p := range []struct {
		name string
		ph   phase
	}{{"discovery (/.well-known/openid-configuration)", r.Discovery}, {"JWKS (jwks_uri)", r.JWKS}} {
		fmt.Fprintf(w, "%s, over keep-alive connections:\n", p.name)
		p.ph.print(w, "requests", "request", o.StaticConcurrency)
	}
}
