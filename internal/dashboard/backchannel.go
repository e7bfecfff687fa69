package dashboard

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// backchannelEvent is the events member of a back-channel logout token.
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// logoutSkew is the clock difference tolerated between issuer and dashboard.
const logoutSkew = time.Minute

// maxLogoutTokenAge refuses logout tokens issued longer ago than this.
const maxLogoutTokenAge = 10 * time.Minute

// errLogoutToken: a logout token failed a check (the wrapped error says which).
var errLogoutToken = errors.New("dashboard: invalid logout token")

// backchannelLogout receives OpenID Connect Back-Channel Logout 1.0 logout
// tokens from the issuer: it verifies the token and ends every local session
// of that IdP session (sid), or of that user (sub) if the token has no sid.
// A token failing any check is answered 400 and changes nothing.
func (d *Dashboard) backchannelLogout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	raw := r.PostFormValue("logout_token")
	p, err := d.provider(ctx)
	if err != nil {
		d.cfg.Logger.ErrorContext(ctx, "back-channel logout", "err", err)
		http.Error(w, `{"error":"temporarily_unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	lt, err := d.verifyLogoutToken(ctx, p, raw)
	if err != nil {
		d.cfg.Logger.WarnContext(ctx, "back-channel logout refused", "err", err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_request","error_description":"invalid logout token"}`))
		return
	}
	n := d.sessions.endIdPSession(lt.SID, lt.Subject)
	d.cfg.Logger.InfoContext(ctx, "back-channel logout", "sub", lt.Subject, "sessions_ended", n)
	w.WriteHeader(http.StatusOK)
}

// logoutToken is what the dashboard reads of a verified logout token.
type logoutToken struct {
	Subject string
	SID     string
}

// verifyLogoutToken checks raw as the Back-Channel Logout spec (section 2.6)
// asks: a JWS whose typ, if present, is logout+jwt, signed by a key in the
// issuer's JWKS, with iss the issuer, aud containing the client ID, sane iat
// and exp, the back-channel event, a sid or sub, and no nonce.
func (d *Dashboard) verifyLogoutToken(ctx context.Context, p *provider, raw string) (logoutToken, error) {
	fail := func(format string, a ...any) (logoutToken, error) {
		return logoutToken{}, fmt.Errorf("%w: %s", errLogoutToken, fmt.Sprintf(format, a...))
	}
	if raw == "" {
		return fail("missing")
	}
	typ, err := jwsType(raw)
	if err != nil {
		return fail("%v", err)
	}
	if typ = strings.ToLower(typ); typ != "" && typ != "logout+jwt" && typ != "application/logout+jwt" {
		return fail("typ %q", typ)
	}
	if p.keys == nil {
		return fail("issuer publishes no keys")
	}
	payload, err := p.keys.VerifySignature(ctx, raw)
	if err != nil {
		return fail("signature: %v", err)
	}

	var cl map[string]json.RawMessage
	if err := json.Unmarshal(payload, &cl); err != nil {
		return fail("claims: %v", err)
	}
	var c struct {
		Issuer string                     `json:"iss"`
		Aud    audience                   `json:"aud"`
		Iat    *float64                   `json:"iat"`
		Exp    *float64                   `json:"exp"`
		Sub    string                     `json:"sub"`
		JTI    string                     `json:"jti"`
		SID    string                     `json:"sid"`
		Events map[string]json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return fail("claims: %v", err)
	}
	now := d.cfg.Now()
	switch {
	case c.Issuer != p.issuer:
		return fail("iss %q", c.Issuer)
	case !slices.Contains(c.Aud, d.cfg.ClientID):
		return fail("aud %v", c.Aud)
	case c.Iat == nil:
		return fail("no iat")
	case time.Unix(int64(*c.Iat), 0).After(now.Add(logoutSkew)):
		return fail("iat in the future")
	case time.Unix(int64(*c.Iat), 0).Before(now.Add(-maxLogoutTokenAge)):
		return fail("iat too old")
	case c.Exp == nil:
		return fail("no exp")
	case !now.Before(time.Unix(int64(*c.Exp), 0).Add(logoutSkew)):
		return fail("expired")
	case !isJSONObject(c.Events[backchannelEvent]):
		return fail("no back-channel logout event")
	case c.Sub == "" && c.SID == "":
		return fail("neither sid nor sub")
	case c.JTI == "":
		return fail("no jti")
	}
	if _, ok := cl["nonce"]; ok {
		return fail("has a nonce")
	}
	// Last, once everything else holds: a token seen before is a replay
	// (spec section 2.6, step 7). Remembered until it expires.
	if !d.logoutJTIs.first(c.JTI, time.Unix(int64(*c.Exp), 0).Add(logoutSkew), now) {
		return fail("jti %q already received", c.JTI)
	}
	return logoutToken{Subject: c.Sub, SID: c.SID}, nil
}

// jwsType reads the typ of a compact JWS's protected header ("" if absent).
// The signature is checked later, by the issuer's key set.
func jwsType(raw string) (string, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", errors.New("not a compact JWS")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return "", fmt.Errorf("header: %w", err)
	}
	var h struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return "", fmt.Errorf("header: %w", err)
	}
	if h.Alg == "" || strings.EqualFold(h.Alg, "none") {
		return "", fmt.Errorf("alg %q", h.Alg)
	}
	return h.Typ, nil
}

func isJSONObject(m json.RawMessage) bool {
	m = bytes.TrimSpace(m)
	return len(m) > 0 && m[0] == '{'
}

// audience is the aud claim: a string or an array of strings.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("aud: %w", err)
	}
	*a = many
	return nil
}

// keepAlive slides the session's idle limit (the idle warning's "Stay signed
// in", or activity on the page). It needs the session's CSRF token.
func (d *Dashboard) keepAlive(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	s, found := d.current(w, r)
	if found != lookupFound {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue(csrfField)), []byte(s.csrf)) != 1 {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// jtiCache remembers the jti of each logout token accepted, until the token
// expires, so that a replay is refused.
type jtiCache struct {
	mu   sync.Mutex
	seen map[string]time.Time // jti → when the token expires
}

// first records jti (good until expires) and reports whether it is new.
// Expired entries are dropped as it goes.
func (c *jtiCache) first(jti string, expires, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = make(map[string]time.Time)
	}
	for k, exp := range c.seen {
		if !now.Before(exp) {
			delete(c.seen, k)
		}
	}
	if _, ok := c.seen[jti]; ok {
		return false
	}
	c.seen[jti] = expires
	return true
}
