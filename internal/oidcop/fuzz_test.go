package oidcop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/authstate/memauth"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/session/memsession"
	"github.com/carekey/carekey/internal/store"
)

// FuzzTokenClientID reads the client of token requests whose Authorization
// header and body are the fuzzer's.
//
// Invariants: it never panics; with no Basic credentials it names the
// form's client_id (empty when the body does not parse); with Basic
// credentials it names their user, URL-unescaped when that is valid.
func FuzzTokenClientID(f *testing.F) {
	for _, seed := range [][2]string{
		{"", "grant_type=authorization_code&code=c&client_id=dashboard"},
		{"Basic ZGFzaGJvYXJkOnNlY3JldA==", "grant_type=refresh_token"},
		{"Basic ZGFzaCUyMGJvYXJkOnM=", ""},
		{"Basic JXp6OnM=", ""},
		{"Basic !!!", "client_id=a&client_id=b"},
		{"Bearer x", "client_id=%zz"},
		{"", "client_id=a;b"},
		{"basic ZGFzaGJvYXJkOg==", "client_id=dashboard%0D%0AX:%20y"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, auth, body string) {
		r := httptest.NewRequest(http.MethodPost, "https://idp.example/oauth/token", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		got := tokenClientID(r)
		if user, _, ok := r.BasicAuth(); ok {
			want := user
			if u, err := url.QueryUnescape(user); err == nil {
				want = u
			}
			if got != want {
				t.Fatalf("Basic user %q: tokenClientID = %q, want %q", user, got, want)
			}
			return
		}
		want := ""
		if form, err := url.ParseQuery(body); err == nil {
			want = form.Get("client_id")
		}
		if got != want {
			t.Fatalf("body %q: tokenClientID = %q, want %q", body, got, want)
		}
	})
}

// FuzzCheckSecret checks secrets against a client's configured hash, which
// the fuzzer also writes.
//
// Invariants: it never panics; a public client, an empty secret or a hash
// not of the form "sha256:<64 hex digits>" accepts nothing; otherwise a
// secret is accepted exactly when its SHA-256 is the configured one.
func FuzzCheckSecret(f *testing.F) {
	sum := sha256.Sum256([]byte("s3cret"))
	good := "sha256:" + hex.EncodeToString(sum[:])
	for _, seed := range []struct {
		hash, secret string
		public       bool
	}{
		{good, "s3cret", false},
		{good, "s3cret", true},
		{good, "", false},
		{strings.ToUpper(good), "s3cret", false},
		{"sha256:", "", false},
		{"sha256:zz", "x", false},
		{"sha256:" + hex.EncodeToString(sum[:16]), "s3cret", false},
		{"plain:s3cret", "s3cret", false},
	} {
		f.Add(seed.hash, seed.secret, seed.public)
	}
	f.Fuzz(func(t *testing.T, hash, secret string, public bool) {
		c := &client{cfg: config.Client{ID: "c", Public: public, SecretHash: hash}}
		got := c.checkSecret(secret)
		sum := sha256.Sum256([]byte(secret))
		want := !public && secret != "" && strings.EqualFold(hash, "sha256:"+hex.EncodeToString(sum[:])) &&
			strings.HasPrefix(hash, "sha256:")
		if got != want {
			t.Fatalf("checkSecret(%q) with hash %q, public %v = %v, want %v", secret, hash, public, got, want)
		}
	})
}

// FuzzAuthorize sends /authorize requests with the fuzzer's query to the
// provider, with one confidential and one public client registered.
//
// Invariants:
//   - it never panics or answers 5xx;
//   - a redirect goes either to the sign-in page, for an auth request that
//     was stored, or to a redirect URI registered for the client named
//     (never elsewhere: no open redirect), without CR or LF;
//   - a stored auth request names a registered client, one of its redirect
//     URIs exactly, response type code, scopes the client may ask for, and
//     state and nonce as sent; a public client's has an S256 challenge, and
//     any challenge is S256.
func FuzzAuthorize(f *testing.F) {
	for _, q := range []string{
		"client_id=portal&redirect_uri=https%3A%2F%2Fportal.example%2Fcallback&response_type=code&scope=openid+profile&state=s&nonce=n",
		"client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
		"client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code&scope=openid",
		"client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code&scope=openid&code_challenge=abc&code_challenge_method=plain",
		"client_id=portal&redirect_uri=https%3A%2F%2Fevil.example%2Fcallback&response_type=code&scope=openid",
		"client_id=portal&redirect_uri=https%3A%2F%2Fportal.example%2Fcallback%2F..%2F..%2Fevil&response_type=code&scope=openid",
		"client_id=portal&redirect_uri=https%3A%2F%2Fportal.example%2Fcallback%3Fx%3D1&response_type=code&scope=openid",
		"client_id=portal&redirect_uri=https%3A%2F%2Fportal.example%2Fcallback&response_type=token&scope=openid",
		"client_id=portal&redirect_uri=https%3A%2F%2Fportal.example%2Fcallback&response_type=code&scope=openid+accounts+admin",
		"client_id=portal&redirect_uri=https%3A%2F%2Fportal.example%2Fcallback&response_type=code&scope=openid&prompt=none&id_token_hint=a.b.c",
		"client_id=portal&redirect_uri=https%3A%2F%2Fportal.example%2Fcallback&response_type=code&scope=openid&max_age=-1&ui_locales=xx-%00",
		"client_id=portal&redirect_uri=https%3A%2F%2Fportal.example%2Fcallback&response_type=code&scope=openid&state=a%0D%0ASet-Cookie:%20x=y",
		"client_id=portal&redirect_uri=https%3A%2F%2Fportal.example%2Fcallback&response_type=code&scope=openid&response_mode=form_post",
		"client_id=portal&request=eyJhbGciOiJub25lIn0.e30.",
		"client_id=portal&client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&response_type=code&scope=openid",
		"client_id=nobody&redirect_uri=https%3A%2F%2Fevil.example&response_type=code&scope=openid",
		"",
		"%zz",
		"a;b",
	} {
		f.Add(q)
	}
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	clients := []config.Client{{
		ID: "portal", SecretHash: "sha256:" + strings.Repeat("ab", 32),
		RedirectURIs: []string{"https://portal.example/callback"}, Scopes: []string{"openid", "profile", "email", "accounts"},
		GrantTypes: []string{"authorization_code", "refresh_token"},
	}, {
		ID: "app", Public: true, RedirectURIs: []string{"https://app.example/cb"}, Scopes: []string{"openid", "email"},
		GrantTypes: []string{"authorization_code"},
	}}
	state := memauth.New(clk)
	p, err := New(Config{
		Issuer: "https://idp.example", Clients: clients,
		LoginURL:      func(id string) string { return "/login?authRequestID=" + url.QueryEscape(id) },
		Users:         noUsers{},
		RefreshTokens: noRefreshTokens{},
		State:         state,
		Sessions:      memsession.New(clk),
		Keys:          noKeys{},
		Algorithm:     "ES256",
		Tokens:        config.Tokens{AuthRequestTTL: 30 * time.Minute, CodeTTL: time.Minute, AccessTokenTTL: 5 * time.Minute, IDTokenTTL: 5 * time.Minute, RefreshTokenTTL: 12 * time.Hour},
		Clock:         clk,
	})
	if err != nil {
		f.Fatal(err)
	}
	h := p.Handler()
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest(http.MethodGet, "https://idp.example/authorize", nil)
		r.URL.RawQuery = query
		// The web layer binds each request to its browser (binding.go).
		r = r.WithContext(WithBrowser(r.Context(), "fuzz-browser-binding-token-0123456789abcdef"))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("GET /authorize?%s: %d %s", query, w.Code, w.Body)
		}
		loc := w.Header().Get("Location")
		if loc == "" {
			return
		}
		if strings.ContainsAny(loc, "\r\n") {
			t.Fatalf("GET /authorize?%s: Location %q", query, loc)
		}
		if id, ok := strings.CutPrefix(loc, "/login?authRequestID="); ok {
			id, _ = url.QueryUnescape(id)
			ar, err := state.GetAuthRequest(t.Context(), id)
			if err != nil {
				t.Fatalf("GET /authorize?%s: sent to sign in for %q: %v", query, id, err)
			}
			checkStored(t, query, ar, clients)
			return
		}
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("GET /authorize?%s: Location %q: %v", query, loc, err)
		}
		u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
		for _, c := range clients {
			if slices.Contains(c.RedirectURIs, u.String()) {
				return
			}
		}
		t.Fatalf("GET /authorize?%s: redirected to %q, not a registered redirect URI", query, loc)
	})
}

// checkStored fails t unless ar, stored for /authorize?query, is for a
// registered client and redirect URI with the parameters as sent.
func checkStored(t *testing.T, query string, ar authstate.AuthRequest, clients []config.Client) {
	t.Helper()
	i := slices.IndexFunc(clients, func(c config.Client) bool { return c.ID == ar.ClientID })
	if i < 0 {
		t.Fatalf("/authorize?%s stored a request for client %q", query, ar.ClientID)
	}
	c := clients[i]
	q, _ := url.ParseQuery(query)
	switch {
	case !slices.Contains(c.RedirectURIs, ar.RedirectURI):
		t.Fatalf("/authorize?%s stored redirect URI %q for %s", query, ar.RedirectURI, c.ID)
	case ar.ResponseType != "code":
		t.Fatalf("/authorize?%s stored response type %q", query, ar.ResponseType)
	case c.Public && ar.CodeChallenge == "", ar.CodeChallenge != "" && ar.CodeChallengeMethod != "S256":
		t.Fatalf("/authorize?%s stored challenge %q, method %q for %s", query, ar.CodeChallenge, ar.CodeChallengeMethod, c.ID)
	case q.Get("request") == "" && (ar.State != q.Get("state") || ar.Nonce != q.Get("nonce")):
		t.Fatalf("/authorize?%s stored state %q, nonce %q", query, ar.State, ar.Nonce)
	}
	for _, s := range ar.Scopes {
		if !slices.Contains(c.Scopes, s) {
			t.Fatalf("/authorize?%s stored scope %q, not allowed for %s", query, s, c.ID)
		}
	}
}

var errNone = errors.New("oidcop fuzz: not used by /authorize")

type noUsers struct{}

func (noUsers) GetUser(context.Context, string) (store.User, error) {
	return store.User{}, store.ErrNotFound
}

type noRefreshTokens struct{}

func (noRefreshTokens) CreateRefreshToken(context.Context, store.RefreshToken, ...store.AuditEvent) error {
	return errNone
}
func (noRefreshTokens) GetRefreshToken(context.Context, string) (store.RefreshToken, error) {
	return store.RefreshToken{}, store.ErrNotFound
}
func (noRefreshTokens) GetRefreshTokenWithUser(context.Context, string) (store.RefreshToken, store.User, error) {
	return store.RefreshToken{}, store.User{}, store.ErrNotFound
}
func (noRefreshTokens) RotateRefreshToken(context.Context, string, store.RefreshToken, time.Time) error {
	return errNone
}
func (noRefreshTokens) RevokeRefreshToken(context.Context, string, time.Time) error  { return errNone }
func (noRefreshTokens) RevokeRefreshFamily(context.Context, string, time.Time) error { return errNone }
func (noRefreshTokens) RetryRefreshRotation(context.Context, string, store.RefreshToken, time.Time, time.Time) error {
	return errNone
}
