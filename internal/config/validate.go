package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Mode says which command the config is validated for.
type Mode int

const (
	// ModeServe is `idp serve`: PostgreSQL, Redis and real secrets are
	// required; dev-only settings are refused. The zero Mode, the strictest.
	ModeServe Mode = iota
	// ModeDev is `idp dev`: memory backends, dev settings allowed, secrets
	// optional (checked only when set).
	ModeDev
)

// String returns "serve" or "dev".
func (m Mode) String() string {
	switch m {
	case ModeServe:
		return "serve"
	case ModeDev:
		return "dev"
	default:
		return fmt.Sprintf("Mode(%d)", int(m))
	}
}

// Allowed values, in the order error messages list them.
func grantTypes() []string {
	return []string{"authorization_code", "refresh_token", "client_credentials"}
}

func scopeNames() []string {
	return []string{"openid", "profile", "email", "phone", "accounts", "offline_access", "carekey:admin"}
}

func algorithms() []string { return []string{"ES256", "RS256"} }

// Messages used by more than one rule.
const (
	msgRequired     = "required"
	msgDevOnly      = "dev-only setting: not allowed in serve"
	msgPlaceholder  = "looks like an example or placeholder value: generate a real secret"
	msgInsecureURI  = "must be https (or http://localhost with allow_insecure_redirects)"
	msgPositiveTime = "must be a positive duration"
)

// Validate checks c for mode and returns a *ValidationError listing every
// problem, or nil. Call it on a config from Load, whose defaults are filled.
func (c *Config) Validate(mode Mode) error {
	if ps := c.validate(mode, nil); len(ps) > 0 {
		return &ValidationError{Problems: ps}
	}
	return nil
}

// Client returns the client with the given id.
func (c *Config) Client(id string) (Client, bool) {
	for _, cl := range c.Clients {
		if cl.ID == id {
			return cl, true
		}
	}
	return Client{}, false
}

// validator collects problems. unchecked holds the key paths of secrets
// Load could not read (already reported, or skipped on purpose).
type validator struct {
	mode      Mode
	unchecked map[string]bool
	problems  []Problem
}

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (c *Config) validate(mode Mode, unchecked map[string]bool) []Problem {
	v := &validator{mode: mode, unchecked: unchecked}
	v.issuer(c.Issuer)
	v.http(&c.HTTP)
	v.postgres(&c.Postgres)
	v.redis(&c.Redis)
	v.keys(&c.Keys)
	v.clients(c.Clients)
	v.tokens(&c.Tokens)
	v.sessions(&c.Sessions)
	v.branding(&c.Branding)
	v.log(&c.Log)
	v.dev(&c.Dev)
	v.devDashboardClient(c)
	v.audit(&c.Audit) // audit.go
	v.validateEmail(c)
	v.phone(c)         // mfa, lockout, rate_limits, sms, voice (phone.go)
	v.observability(c) // metrics, tracing (observability.go)
	v.b2c(&c.B2C)      // b2c.go
	return v.problems
}

func (v *validator) serve() bool { return v.mode == ModeServe }

func (v *validator) issuer(s string) {
	if s == "" {
		v.add("issuer", msgRequired)
		return
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		v.add("issuer", "must be an absolute URL such as https://signin.council.gov.uk")
		return
	}
	if u.Scheme != "https" && (u.Scheme != "http" || !isLoopback(u.Hostname())) {
		v.add("issuer", "must be https (http only for localhost or 127.0.0.1)")
	}
	if u.User != nil {
		v.add("issuer", "must not contain a user name or password")
	}
	if u.RawQuery != "" || u.ForceQuery {
		v.add("issuer", "must not have a query")
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		v.add("issuer", "must not have a fragment")
	}
	if strings.HasSuffix(s, "/") {
		v.add("issuer", "must not end with a slash")
	}
}

func (v *validator) http(h *HTTP) {
	if h.Addr == "" {
		v.add("http.addr", msgRequired)
	} else {
		v.hostPort("http.addr", h.Addr)
	}
	if h.MaxBodyBytes <= 0 {
		v.add("http.max_body_bytes", "must be positive")
	}
	v.positive("http.read_header_timeout", h.ReadHeaderTimeout)
	v.positive("http.read_timeout", h.ReadTimeout)
	v.positive("http.write_timeout", h.WriteTimeout)
	v.positive("http.idle_timeout", h.IdleTimeout)
	v.positive("http.shutdown_timeout", h.ShutdownTimeout)
	for i, p := range h.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(p); err != nil {
			v.add(fmt.Sprintf("http.trusted_proxies[%d]", i), "must be an IP address or CIDR such as 10.0.0.0/8")
		}
	}
}

func (v *validator) postgres(p *Postgres) {
	switch {
	case v.unchecked["postgres.url"]:
	case p.URL == "":
		if v.serve() {
			v.add("postgres.url", msgRequired)
		}
	case v.serve() && isPlaceholder(p.URL):
		v.add("postgres.url", msgPlaceholder)
	}
	v.oneOf("postgres.migrate", p.Migrate, []string{"auto", "manual"})
	if p.MaxConns <= 0 {
		v.add("postgres.max_conns", "must be positive")
	}
	v.positive("postgres.connect_timeout", p.ConnectTimeout)
	v.positive("postgres.query_timeout", p.QueryTimeout)
}

func (v *validator) redis(r *Redis) {
	if len(r.Addrs) == 0 && v.serve() {
		v.add("redis.addrs", "at least one address is required")
	}
	for i, a := range r.Addrs {
		v.hostPort(fmt.Sprintf("redis.addrs[%d]", i), a)
	}
	if !v.unchecked["redis.password"] && r.Password != "" && v.serve() && isPlaceholder(r.Password) {
		v.add("redis.password", msgPlaceholder)
	}
	if r.DB < 0 {
		v.add("redis.db", "must not be negative")
	}
	if r.DB != 0 && (len(r.Addrs) > 1 || r.Cluster) && r.MasterName == "" {
		v.add("redis.db", "Redis Cluster has only database 0")
	}
	if strings.ContainsAny(r.KeyPrefix, "{}") {
		v.add("redis.key_prefix", "must not hold { or }: on a Redis Cluster it would be every key's hash tag, putting all keys in one slot")
	}
	if r.Cluster && r.MasterName != "" {
		v.add("redis.cluster", "Sentinel (redis.master_name) and Cluster are exclusive: set one")
	}
	if r.SentinelPassword != "" && r.MasterName == "" {
		v.add("redis.sentinel_password", "only for Sentinel: set redis.master_name, or remove it")
	}
	if !v.unchecked["redis.sentinel_password"] && r.SentinelPassword != "" && v.serve() && isPlaceholder(r.SentinelPassword) {
		v.add("redis.sentinel_password", msgPlaceholder)
	}
	v.positive("redis.dial_timeout", r.DialTimeout)
	v.positive("redis.read_timeout", r.ReadTimeout)
	v.positive("redis.write_timeout", r.WriteTimeout)
}

func (v *validator) keys(k *Keys) {
	v.key("keys.encryption_key", k.EncryptionKey, func(n int) string {
		if n != 32 {
			return fmt.Sprintf("must decode to exactly 32 bytes, not %d", n)
		}
		return ""
	})
	if k.PreviousEncryptionKey != "" {
		v.key("keys.previous_encryption_key", k.PreviousEncryptionKey, func(n int) string {
			if n != 32 {
				return fmt.Sprintf("must decode to exactly 32 bytes, not %d", n)
			}
			return ""
		})
		if k.PreviousEncryptionKey == k.EncryptionKey {
			v.add("keys.previous_encryption_key", "is the same as keys.encryption_key: set it to the key being replaced, or remove it")
		}
	}
	v.key("keys.pepper", k.Pepper, func(n int) string {
		if n < 32 {
			return fmt.Sprintf("must decode to at least 32 bytes, not %d", n)
		}
		return ""
	})
	if k.PreviousPepper != "" {
		v.key("keys.previous_pepper", k.PreviousPepper, func(n int) string {
			if n < 32 {
				return fmt.Sprintf("must decode to at least 32 bytes, not %d", n)
			}
			return ""
		})
		if k.PreviousPepper == k.Pepper {
			v.add("keys.previous_pepper", "is the same as keys.pepper: set it to the pepper being replaced, or remove it")
		}
	}
	v.oneOf("keys.algorithm", k.Algorithm, algorithms())
	v.positive("keys.rotation_period", k.RotationPeriod)
}

// key checks a base64 secret: required in serve, decodable, of a length
// sizeErr accepts, and in serve no placeholder.
func (v *validator) key(path, s string, sizeErr func(n int) string) {
	if v.unchecked[path] {
		return
	}
	if s == "" {
		if v.serve() {
			v.add(path, msgRequired)
		}
		return
	}
	b, err := DecodeKey(s)
	if err != nil {
		v.add(path, "must be base64 (standard, or URL alphabet without padding)")
		return
	}
	if msg := sizeErr(len(b)); msg != "" {
		v.add(path, "%s", msg)
		return
	}
	if v.serve() && (isPlaceholder(s) || isPlaceholder(string(b)) || allZero(b)) {
		v.add(path, msgPlaceholder)
	}
}

func (v *validator) clients(cs []Client) {
	seen := map[string]int{}
	for i := range cs {
		v.client(fmt.Sprintf("clients[%d]", i), &cs[i])
		switch j, dup := seen[cs[i].ID]; {
		case cs[i].ID == "":
		case dup:
			v.add(fmt.Sprintf("clients[%d].id", i), "%q is already the id of clients[%d]", cs[i].ID, j)
		default:
			seen[cs[i].ID] = i
		}
	}
}

func (v *validator) client(p string, cl *Client) {
	if cl.ID == "" {
		v.add(p+".id", msgRequired)
	}
	if len(cl.GrantTypes) == 0 {
		v.add(p+".grant_types", "at least one grant type is required; allowed: %s", strings.Join(grantTypes(), ", "))
	}
	for i, g := range cl.GrantTypes {
		v.oneOf(fmt.Sprintf("%s.grant_types[%d]", p, i), g, grantTypes())
	}
	if slices.Contains(cl.GrantTypes, "authorization_code") && len(cl.RedirectURIs) == 0 {
		v.add(p+".redirect_uris", "at least one is required for authorization_code")
	}
	for i, u := range cl.RedirectURIs {
		v.redirectURI(fmt.Sprintf("%s.redirect_uris[%d]", p, i), u, cl.AllowInsecureRedirects)
	}
	for i, u := range cl.PostLogoutURIs {
		v.redirectURI(fmt.Sprintf("%s.post_logout_redirect_uris[%d]", p, i), u, cl.AllowInsecureRedirects)
	}
	if cl.BackchannelLogoutURI != "" {
		v.redirectURI(p+".backchannel_logout_uri", cl.BackchannelLogoutURI, cl.AllowInsecureRedirects)
	}

	if cl.Public {
		switch {
		case cl.SecretHashFile != "":
			v.add(p+".secret_hash_file", "public clients must not have a secret")
		case cl.SecretHash != "":
			v.add(p+".secret_hash", "public clients must not have a secret")
		}
		if cl.AuthMethod != "none" {
			v.add(p+".auth_method", "public clients must use none")
		}
		if slices.Contains(cl.GrantTypes, "client_credentials") {
			v.add(p+".grant_types", "client_credentials needs a confidential client")
		}
	} else if cl.AuthMethod == "private_key_jwt" {
		v.clientKeys(p, cl)
	} else {
		v.secretHash(p+".secret_hash", cl.SecretHash)
		if cl.AuthMethod != "client_secret_basic" && cl.AuthMethod != "client_secret_post" {
			v.add(p+".auth_method", "confidential clients must use client_secret_basic, client_secret_post or private_key_jwt")
		}
	}
	if cl.AuthMethod != "private_key_jwt" {
		switch {
		case cl.JWKS != "" || cl.JWKSFile != "":
			v.add(p+".jwks", "only for auth_method private_key_jwt")
		case cl.JWKSURI != "":
			v.add(p+".jwks_uri", "only for auth_method private_key_jwt")
		}
	}

	for i, s := range cl.Scopes {
		v.oneOf(fmt.Sprintf("%s.scopes[%d]", p, i), s, scopeNames())
	}
	if cl.IDTokenAlg != "" {
		v.oneOf(p+".id_token_signing_alg", cl.IDTokenAlg, algorithms())
	}
	if cl.AllowInsecureRedirects && v.serve() {
		v.add(p+".allow_insecure_redirects", msgDevOnly)
	}
	switch {
	case cl.RefreshAbsoluteTimeout < 0:
		v.add(p+".refresh_absolute_timeout", "must not be negative")
	case cl.RefreshAbsoluteTimeout > 0 && !slices.Contains(cl.GrantTypes, "refresh_token"):
		v.add(p+".refresh_absolute_timeout", "only for clients with the refresh_token grant")
	}
	if cl.AccountsInIDToken && (!slices.Contains(cl.Scopes, "accounts") || !slices.Contains(cl.GrantTypes, "authorization_code")) {
		v.add(p+".accounts_in_id_token", "only for clients with the authorization_code grant and the accounts scope")
	}
}

// clientKeys checks a private_key_jwt client: no secret, and its public keys
// in exactly one of jwks (or jwks_file) and jwks_uri.
func (v *validator) clientKeys(p string, cl *Client) {
	if cl.SecretHash != "" || cl.SecretHashFile != "" {
		v.add(p+".secret_hash", "a private_key_jwt client has keys, not a secret")
	}
	switch {
	case v.unchecked[p+".jwks"]:
	case cl.JWKS != "" && cl.JWKSURI != "":
		v.add(p+".jwks_uri", "set only one of jwks (or jwks_file) and jwks_uri")
	case cl.JWKS != "":
		if _, err := ParseClientKeys([]byte(cl.JWKS)); err != nil {
			v.add(p+".jwks", "%v", err)
		}
	case cl.JWKSURI != "":
		v.redirectURI(p+".jwks_uri", cl.JWKSURI, cl.AllowInsecureRedirects)
	default:
		v.add(p+".jwks", "required for private_key_jwt: the client's public keys (jwks, jwks_file or jwks_uri)")
	}
}

func (v *validator) secretHash(path, s string) {
	if v.unchecked[path] {
		return
	}
	if s == "" {
		v.add(path, "required for confidential clients")
		return
	}
	digest, ok := parseSecretHash(s)
	if !ok {
		v.add(path, "must be sha256:<64 hex digits>")
		return
	}
	if v.serve() && isPlaceholderHash(digest) {
		v.add(path, "is the hash of an example or placeholder secret: generate a real secret")
	}
}

// redirectURI checks a URI the provider sends users or logout tokens to.
func (v *validator) redirectURI(path, s string, allowInsecure bool) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		v.add(path, "must be an absolute URL")
		return
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		v.add(path, "must not have a fragment")
	}
	if strings.Contains(s, "*") {
		v.add(path, "must not hold a wildcard: carekey matches redirect URIs exactly, so list each one")
	}
	if u.Scheme != "https" && (u.Scheme != "http" || !allowInsecure || !isLoopback(u.Hostname())) {
		v.add(path, msgInsecureURI)
	}
}

func (v *validator) tokens(t *Tokens) {
	v.positive("tokens.auth_request_ttl", t.AuthRequestTTL)
	v.positive("tokens.code_ttl", t.CodeTTL)
	v.positive("tokens.access_token_ttl", t.AccessTokenTTL)
	v.positive("tokens.id_token_ttl", t.IDTokenTTL)
	v.positive("tokens.refresh_token_ttl", t.RefreshTokenTTL)
	v.positive("tokens.refresh_retry_grace", t.RefreshRetryGrace)
	if strings.ContainsFunc(t.ACR, func(r rune) bool { return r <= ' ' || r == '"' || r == '\\' || r > '~' }) {
		v.add("tokens.acr", "must be one printable ASCII word (an acr value is space-delimited in acr_values)")
	}
}

func (v *validator) sessions(s *Sessions) {
	v.positive("sessions.idle_timeout", s.IdleTimeout)
	v.positive("sessions.absolute_timeout", s.AbsoluteTimeout)
	if s.IdleTimeout > s.AbsoluteTimeout {
		v.add("sessions.idle_timeout", "must not exceed sessions.absolute_timeout (%s)", s.AbsoluteTimeout)
	}
}

func (v *validator) branding(b *Branding) {
	for _, c := range []struct{ key, value string }{
		{"branding.primary_color", b.PrimaryColor},
		{"branding.primary_text_color", b.PrimaryTextColor},
		{"branding.link_color", b.LinkColor},
	} {
		if c.value != "" && !isColor(c.value) {
			v.add(c.key, "must be a colour such as #1d70b8")
		}
	}
	// Text must stand out from what is behind it (WCAG 2.2 SC 1.4.3).
	v.contrast("branding.primary_text_color", b.PrimaryTextColor, "branding.primary_color", b.PrimaryColor)
	v.contrast("branding.link_color", b.LinkColor, "the white page", PageBackground)
	if b.LogoURL != "" && !strings.HasPrefix(b.LogoURL, "/") && !isWebURL(b.LogoURL, "https") {
		v.add("branding.logo_url", "must be an https URL or a path starting with /")
	}
	if b.LogoURL != "" && b.LogoFile != "" {
		v.add("branding.logo_file", "set only one of branding.logo_url and branding.logo_file")
	}
	for _, u := range []struct{ key, value string }{
		{"branding.help_url", b.HelpURL},
		{"branding.accessibility_url", b.AccessibilityURL},
		{"branding.privacy_url", b.PrivacyURL},
		{"branding.cookies_url", b.CookiesURL},
		{"branding.contact_url", b.ContactURL},
		{"branding.feedback_url", b.FeedbackURL},
	} {
		if u.value != "" && !isWebURL(u.value, "https", "http") {
			v.add(u.key, "must be an absolute http(s) URL")
		}
	}
	switch b.PhaseBanner {
	case "":
	case "alpha", "beta":
		if b.FeedbackURL == "" {
			v.add("branding.feedback_url", "must be set when branding.phase_banner is (the banner asks for feedback)")
		}
	default:
		v.add("branding.phase_banner", "must be alpha, beta or empty, not %q", b.PhaseBanner)
	}
}

// contrast reports fgKey when the colours fg and bg (both valid) are below
// MinContrast.
func (v *validator) contrast(fgKey, fg, bgName, bg string) {
	if !isColor(fg) || !isColor(bg) {
		return
	}
	if r, _ := ContrastRatio(fg, bg); r < MinContrast {
		v.add(fgKey, "contrast of %s on %s (%s) is %.2f:1, below the %.1f:1 WCAG needs", fg, bgName, bg, r, MinContrast)
	}
}

func (v *validator) log(l *Log) {
	v.oneOf("log.level", l.Level, []string{"debug", "info", "warn", "error"})
	v.oneOf("log.format", l.Format, []string{"json", "text"})
}

func (v *validator) dev(d *Dev) {
	if v.serve() {
		for _, s := range []struct {
			path string
			set  bool
		}{
			{"dev.enabled", d.Enabled},
			{"dev.outbox", d.Outbox},
			{"dev.insecure_cookies", d.InsecureCookies},
			{"dev.dashboard_addr", d.DashboardAddr != ""},
			{"dev.dashboard_url", d.DashboardURL != ""},
			{"dev.dashboard_secret", d.DashboardSecret != ""},
			{"dev.seed_password", d.SeedPassword != ""},
		} {
			if s.set {
				v.add(s.path, msgDevOnly)
			}
		}
		return
	}
	if d.DashboardAddr != "" {
		v.hostPort("dev.dashboard_addr", d.DashboardAddr)
	}
	if d.DashboardURL != "" && !isWebURL(d.DashboardURL, "https", "http") {
		v.add("dev.dashboard_url", "must be an absolute http(s) URL")
	}
}

func (v *validator) positive(path string, d time.Duration) {
	if d <= 0 {
		v.add(path, msgPositiveTime)
	}
}

func (v *validator) oneOf(path, s string, allowed []string) {
	if !slices.Contains(allowed, s) {
		v.add(path, "%q is not one of %s", s, strings.Join(allowed, ", "))
	}
}

func (v *validator) hostPort(path, s string) {
	if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
		v.add(path, "must be host:port or :port")
	}
}

func isLoopback(host string) bool { return host == "localhost" || host == "127.0.0.1" }

func isWebURL(s string, schemes ...string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Host != "" && slices.Contains(schemes, u.Scheme)
}

// isColor reports whether s is "#rrggbb".
func isColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, r := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}
