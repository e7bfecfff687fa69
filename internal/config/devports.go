package config

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// DashboardClientID is the client the dev dashboard signs in as.
const DashboardClientID = "dashboard"

// MoveDevPorts serves dev mode on loopback port (the provider) and port+1
// (the dashboard), and moves everything that names the old ones with them:
// the issuer, the dashboard's URL, and every client URI at the old provider
// or dashboard origin (redirect, post-logout and back-channel logout URIs).
// So `idp dev --port 18080` signs in exactly as the default ports do. The
// metrics listener, unless off, moves to loopback port+2 when that exists.
func (c *Config) MoveDevPorts(port int) error {
	if port < 1 || port > 65534 {
		return fmt.Errorf("dev port %d: must be between 1 and 65534 (the dashboard takes the next one)", port)
	}
	oldIssuer, oldDash := origin(c.Issuer), origin(c.Dev.DashboardURL)
	newIssuer := "http://localhost:" + strconv.Itoa(port)
	newDash := "http://localhost:" + strconv.Itoa(port+1)
	move := func(u string) string {
		switch {
		case oldDash != "" && (u == oldDash || strings.HasPrefix(u, oldDash+"/")):
			return newDash + strings.TrimPrefix(u, oldDash)
		case oldIssuer != "" && (u == oldIssuer || strings.HasPrefix(u, oldIssuer+"/")):
			return newIssuer + strings.TrimPrefix(u, oldIssuer)
		}
		return u
	}
	c.Issuer = move(c.Issuer)
	c.HTTP.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if c.Dev.DashboardURL != "" {
		c.Dev.DashboardURL = move(c.Dev.DashboardURL)
		c.Dev.DashboardAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port+1))
	}
	if c.Metrics.Addr != MetricsOff && port+2 <= 65535 {
		c.Metrics.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port+2))
	}
	for i := range c.Clients {
		cl := &c.Clients[i]
		for j := range cl.RedirectURIs {
			cl.RedirectURIs[j] = move(cl.RedirectURIs[j])
		}
		for j := range cl.PostLogoutURIs {
			cl.PostLogoutURIs[j] = move(cl.PostLogoutURIs[j])
		}
		cl.BackchannelLogoutURI = move(cl.BackchannelLogoutURI)
	}
	return nil
}

// origin is scheme://host[:port] of an absolute URL, or "".
func origin(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// devDashboardClient checks that the dev dashboard can sign in: a client
// DashboardClientID exists and allows <dashboard_url>/callback, else sign-in
// would fail later with "redirect_uri is missing in the client configuration".
func (v *validator) devDashboardClient(c *Config) {
	if v.serve() || !isWebURL(c.Dev.DashboardURL, "https", "http") {
		return // none, or malformed (reported by dev)
	}
	callback := strings.TrimSuffix(c.Dev.DashboardURL, "/") + "/callback"
	for i, cl := range c.Clients {
		if cl.ID != DashboardClientID {
			continue
		}
		if !slices.Contains(cl.RedirectURIs, callback) {
			v.add(fmt.Sprintf("clients[%d].redirect_uris", i),
				"the dev dashboard at dev.dashboard_url signs in with redirect URI %s, which this client does not allow: add it, or move both with `idp dev --port`", callback)
		}
		return
	}
	v.add("dev.dashboard_url", "no client %q for the dev dashboard: add one with redirect URI %s, or remove dev.dashboard_url", DashboardClientID, callback)
}
