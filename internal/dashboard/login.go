package dashboard

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/pkg/claims"
	"github.com/carekey/carekey/pkg/text"
)

// errNoProvider is shown as "the sign-in service is not available".
var errNoProvider = errors.New("dashboard: issuer unavailable")

// login starts the authorization code flow with PKCE S256, a random state
// and nonce, kept in a login record bound to a short-lived cookie.
func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) { d.startLogin(w, r) }

// register is the guide's "Register for new account": the same flow with
// prompt=create (Initiating User Registration via OpenID Connect 1.0), so
// the issuer shows its registration and signs the new user in here.
func (d *Dashboard) register(w http.ResponseWriter, r *http.Request) {
	d.startLogin(w, r, oauth2.SetAuthURLParam("prompt", "create"))
}

func (d *Dashboard) startLogin(w http.ResponseWriter, r *http.Request, opts ...oauth2.AuthCodeOption) {
	p, err := d.provider(r.Context())
	if err != nil {
		d.cfg.Logger.ErrorContext(r.Context(), "start sign-in", "err", err)
		d.renderUnavailable(w, r)
		return
	}
	rec := loginRecord{
		state:    rand.Text(),
		nonce:    rand.Text(),
		verifier: oauth2.GenerateVerifier(),
		created:  d.cfg.Now(),
	}
	d.setCookie(w, loginCookie, d.sessions.putLogin(rec), int(loginTTL.Seconds()))
	// ui_locales: carekey shows its pages in the dashboard's language.
	opts = append(opts, oauth2.S256ChallengeOption(rec.verifier), oidc.Nonce(rec.nonce),
		oauth2.SetAuthURLParam("ui_locales", string(text.LangOf(r.Context()))))
	u := p.oauth2.AuthCodeURL(rec.state, opts...)
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// callback finishes the flow: it checks state against the login record,
// exchanges the code with the PKCE verifier, verifies the ID token (issuer,
// audience, expiry, nonce) and starts a session.
func (d *Dashboard) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()

	var rec loginRecord
	var ok bool
	if c, err := r.Cookie(loginCookie); err == nil {
		rec, ok = d.sessions.takeLogin(c.Value, d.cfg.Now())
	}
	d.setCookie(w, loginCookie, "", -1)
	ok = ok && subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(rec.state)) == 1

	if e := q.Get("error"); e != "" {
		d.cfg.Logger.WarnContext(ctx, "sign-in refused by issuer", "error", e,
			"error_description", q.Get("error_description"), "state_ok", ok)
		page := errorPage{
			Title:    text.M("dashboard.error.not_signed_in"),
			Message:  idpErrorMessage(e),
			TryAgain: true,
		}
		if ok { // only show the issuer's words on a flow this browser started
			page.Detail = q.Get("error_description")
		}
		d.renderError(w, r, http.StatusBadRequest, page)
		return
	}
	if !ok {
		d.cfg.Logger.WarnContext(ctx, "sign-in callback without a matching login",
			"has_state", q.Has("state"))
		d.renderError(w, r, http.StatusBadRequest, errorPage{
			Title:    text.M("dashboard.error.expired"),
			Message:  text.M("dashboard.error.expired_text"),
			TryAgain: true,
		})
		return
	}

	s, err := d.finishLogin(ctx, rec, q.Get("code"))
	if err != nil {
		if errors.Is(err, errNoProvider) {
			d.cfg.Logger.ErrorContext(ctx, "finish sign-in", "err", err)
			d.renderUnavailable(w, r)
			return
		}
		d.cfg.Logger.ErrorContext(ctx, "finish sign-in", "err", err)
		d.renderError(w, r, http.StatusBadGateway, errorPage{
			Title:    text.M("dashboard.error.signin_problem"),
			Message:  text.M("dashboard.error.signin_incomplete"),
			TryAgain: true,
		})
		return
	}

	if c, err := r.Cookie(sessionCookie); err == nil {
		d.sessions.delete(c.Value) // a new session ID at every sign-in
	}
	d.setCookie(w, sessionCookie, d.sessions.create(s, d.cfg.Now()), 0)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// finishLogin exchanges code and builds the session from the verified ID
// token, asking userinfo for what the token lacks.
func (d *Dashboard) finishLogin(ctx context.Context, rec loginRecord, code string) (session, error) {
	p, err := d.provider(ctx)
	if err != nil {
		return session{}, fmt.Errorf("%w: %w", errNoProvider, err)
	}
	if code == "" {
		return session{}, errors.New("callback without code")
	}
	cctx := d.clientContext(ctx)
	tok, err := p.oauth2.Exchange(cctx, code, oauth2.VerifierOption(rec.verifier))
	if err != nil {
		return session{}, fmt.Errorf("exchange code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return session{}, errors.New("token response without id_token")
	}
	idt, err := p.verifier.Verify(cctx, raw)
	if err != nil {
		return session{}, fmt.Errorf("verify id token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(rec.nonce)) != 1 {
		return session{}, errors.New("verify id token: nonce mismatch")
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return session{}, fmt.Errorf("verify at_hash: %w", err)
		}
	}

	var cl map[string]any
	if err := idt.Claims(&cl); err != nil {
		return session{}, fmt.Errorf("read id token claims: %w", err)
	}
	if d.needsUserinfo(cl) {
		ui, err := p.oidc.UserInfo(cctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return session{}, fmt.Errorf("fetch userinfo: %w", err)
		}
		if ui.Subject != idt.Subject {
			return session{}, errors.New("userinfo subject differs from id token")
		}
		var uc map[string]any
		if err := ui.Claims(&uc); err != nil {
			return session{}, fmt.Errorf("read userinfo claims: %w", err)
		}
		for k, v := range uc {
			if _, ok := cl[k]; !ok {
				cl[k] = v
			}
		}
	}

	s, err := sessionFromClaims(cl)
	if err != nil {
		return session{}, err
	}
	s.rawIDToken = raw
	return s, nil
}

// needsUserinfo reports whether a claim the dashboard asked for is missing
// from the ID token (carekey, like many IdPs, may put profile claims in
// userinfo only).
func (d *Dashboard) needsUserinfo(cl map[string]any) bool {
	want := map[string]string{"profile": "name", "email": "email", claims.ScopeAccounts: claims.ClaimAccounts}
	for scope, claim := range want {
		if _, ok := cl[claim]; !ok && slices.Contains(d.cfg.Scopes, scope) {
			return true
		}
	}
	return false
}

// isProtocolClaim reports whether a claim is about the token, not the
// user; those are not shown.
func isProtocolClaim(k string) bool {
	switch k {
	case "iss", "aud", "exp", "iat", "nbf", "nonce", "at_hash", "c_hash", "azp",
		"auth_time", "sid", "amr", "acr", "jti", "client_id", claims.ClaimAccounts:
		return true
	}
	return false
}

// claimLabel is the message naming a claim on the no-accounts page, or ""
// for a claim shown by its own name.
func claimLabel(k string) text.ID {
	switch k {
	case "sub", "name", "given_name", "family_name", "email", "email_verified",
		"phone_number", "phone_number_verified":
		return text.ID("dashboard.claim." + k)
	}
	return ""
}

// sessionFromClaims builds a session (without token or CSRF) from the
// user's claims.
func sessionFromClaims(cl map[string]any) (session, error) {
	accounts, err := claims.ParseAccounts(cl[claims.ClaimAccounts])
	if err != nil {
		return session{}, fmt.Errorf("read accounts claim: %w", err)
	}
	slices.SortStableFunc(accounts, func(a, b claims.Account) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})

	str := func(k string) string { s, _ := cl[k].(string); return strings.TrimSpace(s) }
	s := session{
		csrf:     rand.Text(),
		subject:  str("sub"),
		sid:      str("sid"),
		name:     str("name"),
		accounts: accounts,
	}
	if s.name == "" {
		s.name = strings.TrimSpace(str("given_name") + " " + str("family_name"))
	}
	if s.name == "" {
		s.name = str("email")
	}
	// Still no name: the header says "Portal user" (userView).

	for k, v := range cl {
		if isProtocolClaim(k) {
			continue
		}
		f := claimField{Name: k, Label: claimLabel(k), Value: claimString(v)}
		if b, ok := v.(bool); ok {
			f.Value, f.ValueID = "", "dashboard.claim.no"
			if b {
				f.ValueID = "dashboard.claim.yes"
			}
		}
		s.claims = append(s.claims, f)
	}
	slices.SortFunc(s.claims, func(a, b claimField) int { return strings.Compare(a.Name, b.Name) })
	return s, nil
}

// claimString shows a claim value as text (a yes or no is worded by the
// page, claimField.ValueID).
func claimString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
}

// idpErrorMessage turns an OAuth error code into words for the user.
func idpErrorMessage(code string) text.Message {
	switch code {
	case "access_denied":
		return text.M("dashboard.error.access_denied")
	case "login_required", "interaction_required", "consent_required":
		return text.M("dashboard.error.login_required")
	case "temporarily_unavailable":
		return text.M("dashboard.error.busy")
	default:
		return text.M("dashboard.error.issuer_refused")
	}
}
