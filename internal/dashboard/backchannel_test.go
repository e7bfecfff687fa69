package dashboard

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// fakeIssuer serves a discovery document and a JWKS with one ES256 key, and
// signs logout tokens with it (or with another key, to test forgeries).
type fakeIssuer struct {
	srv *httptest.Server
	key *ecdsa.PrivateKey
	mux *http.ServeMux // a test may add the endpoints it needs
}

func newFakeIssuer(t *testing.T) *fakeIssuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	fi := &fakeIssuer{key: key, mux: mux}
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                fi.srv.URL,
			"authorization_endpoint":                fi.srv.URL + "/authorize",
			"token_endpoint":                        fi.srv.URL + "/oauth/token",
			"jwks_uri":                              fi.srv.URL + "/keys",
			"end_session_endpoint":                  fi.srv.URL + "/end_session",
			"userinfo_endpoint":                     fi.srv.URL + "/userinfo",
			"id_token_signing_alg_values_supported": []string{"ES256"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
			{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"},
		}})
	})
	fi.srv = httptest.NewServer(mux)
	t.Cleanup(fi.srv.Close)
	return fi
}

// sign returns a compact JWS of claims signed by key with header typ.
func sign(t *testing.T, key *ecdsa.PrivateKey, typ string, claims map[string]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestBackchannelLogout(t *testing.T) {
	fi := newFakeIssuer(t)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	good := func() map[string]any {
		return map[string]any{
			"iss": fi.srv.URL, "aud": "dashboard", "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
			"jti": "j1", "sub": "usr_penny", "sid": "sess_1",
			"events": map[string]any{backchannelEvent: map[string]any{}},
		}
	}
	with := func(k string, v any) map[string]any {
		c := good()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	for _, tc := range []struct {
		name       string
		key        *ecdsa.PrivateKey
		typ        string
		claims     map[string]any
		raw        string // instead of a signed token
		wantStatus int
		wantEnded  []string // sessions ended, of "penny1" (sess_1), "penny2" (sess_2), "sam" (sess_3)
	}{
		{name: "valid: ends the sessions of that sid", typ: "logout+jwt", claims: good(), wantStatus: 200, wantEnded: []string{"penny1", "penny1b"}},
		{name: "valid without typ", claims: good(), wantStatus: 200, wantEnded: []string{"penny1", "penny1b"}},
		{name: "aud as an array", typ: "logout+jwt", claims: with("aud", []string{"other", "dashboard"}), wantStatus: 200, wantEnded: []string{"penny1", "penny1b"}},
		{name: "sub only: every session of the user", typ: "logout+jwt", claims: with("sid", nil), wantStatus: 200, wantEnded: []string{"penny1", "penny1b", "penny2"}},
		{name: "signed by another key", key: other, typ: "logout+jwt", claims: good(), wantStatus: 400},
		{name: "wrong typ", typ: "JWT", claims: good(), wantStatus: 400},
		{name: "wrong iss", claims: with("iss", "https://evil.example"), wantStatus: 400},
		{name: "wrong aud", claims: with("aud", "someone-else"), wantStatus: 400},
		{name: "no iat", claims: with("iat", nil), wantStatus: 400},
		{name: "iat in the future", claims: with("iat", now.Add(10*time.Minute).Unix()), wantStatus: 400},
		{name: "iat long ago", claims: with("iat", now.Add(-time.Hour).Unix()), wantStatus: 400},
		{name: "no exp", claims: with("exp", nil), wantStatus: 400},
		{name: "expired", claims: with("exp", now.Add(-2*time.Minute).Unix()), wantStatus: 400},
		{name: "no events", claims: with("events", nil), wantStatus: 400},
		{name: "other event", claims: with("events", map[string]any{"http://example.com/x": map[string]any{}}), wantStatus: 400},
		{name: "neither sid nor sub", claims: func() map[string]any { c := with("sid", nil); delete(c, "sub"); return c }(), wantStatus: 400},
		{name: "has a nonce", claims: with("nonce", "n"), wantStatus: 400},
		{name: "no jti", claims: with("jti", nil), wantStatus: 400},
		{name: "unsigned", raw: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c3JfcGVubnkifQ.", wantStatus: 400},
		{name: "missing", raw: "", wantStatus: 400},
		{name: "garbage", raw: "a.b.c", wantStatus: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			td := newTest(t, func(c *Config) { c.Issuer = fi.srv.URL; c.HTTPClient = fi.srv.Client() })
			cookies := map[string]*http.Cookie{
				"penny1":  td.signIn(t, pennyClaims),
				"penny1b": td.signIn(t, pennyClaims), // a second browser tab's sign-in of the same IdP session
				"penny2":  td.signIn(t, strings.Replace(pennyClaims, `"sess_1"`, `"sess_2"`, 1)),
				"sam":     td.signIn(t, `{"sub": "usr_sam", "name": "Sam", "sid": "sess_3"}`),
			}
			raw := tc.raw
			if tc.claims != nil {
				key := fi.key
				if tc.key != nil {
					key = tc.key
				}
				raw = sign(t, key, tc.typ, tc.claims)
			}
			w := td.post("/backchannel-logout", url.Values{"logout_token": {raw}}, nil)
			if w.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", w.Code, tc.wantStatus, w.Body)
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			for _, name := range slices.Sorted(maps.Keys(cookies)) {
				_, found := td.sessions.get(cookies[name].Value, now)
				ended := found != lookupFound
				want := false
				for _, e := range tc.wantEnded {
					want = want || e == name
				}
				if ended != want {
					t.Errorf("session %s ended = %v, want %v", name, ended, want)
				}
			}
		})
	}
}

// A logout token accepted once is refused when it comes again (a replay),
// even after the sessions it ended are back; another jti is accepted.
func TestBackchannelLogoutReplayRefused(t *testing.T) {
	fi := newFakeIssuer(t)
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	token := func(jti string) string {
		return sign(t, fi.key, "logout+jwt", map[string]any{
			"iss": fi.srv.URL, "aud": "dashboard", "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
			"jti": jti, "sub": "usr_penny", "events": map[string]any{backchannelEvent: map[string]any{}},
		})
	}
	td := newTest(t, func(c *Config) { c.Issuer = fi.srv.URL; c.HTTPClient = fi.srv.Client() })
	td.signIn(t, pennyClaims)
	raw := token("j-once")
	if w := td.post("/backchannel-logout", url.Values{"logout_token": {raw}}, nil); w.Code != http.StatusOK {
		t.Fatalf("first delivery: %d %s", w.Code, w.Body)
	}
	again := td.signIn(t, pennyClaims) // Penny signs in again
	if w := td.post("/backchannel-logout", url.Values{"logout_token": {raw}}, nil); w.Code != http.StatusBadRequest {
		t.Fatalf("replay: %d, want 400", w.Code)
	}
	if _, found := td.sessions.get(again.Value, now); found != lookupFound {
		t.Fatal("the replayed token ended Penny's new session")
	}
	if w := td.post("/backchannel-logout", url.Values{"logout_token": {token("j-next")}}, nil); w.Code != http.StatusOK {
		t.Fatalf("a new token: %d %s", w.Code, w.Body)
	}
}

func TestKeepAlive(t *testing.T) {
	td := newTest(t, nil)
	c := td.signIn(t, pennyClaims)
	csrf := td.csrfOf(t, c)

	td.clk.Advance(14 * time.Minute)
	if w := td.post("/keep-alive", url.Values{"csrf_token": {"wrong"}}, nil, c); w.Code != http.StatusForbidden {
		t.Errorf("keep-alive with a wrong CSRF token: %d, want 403", w.Code)
	}
	td.clk.Advance(14 * time.Minute) // 28 minutes since sign-in, 14 since the last request
	if w := td.post("/keep-alive", url.Values{"csrf_token": {csrf}}, nil, c); w.Code != http.StatusNoContent {
		t.Fatalf("keep-alive: %d, want 204", w.Code)
	}
	td.clk.Advance(14 * time.Minute)
	if body := td.get("/", c).Body.String(); !strings.Contains(body, "Select an account to manage") {
		t.Error("keep-alive did not extend the session")
	}
	td.clk.Advance(15 * time.Minute)
	if w := td.post("/keep-alive", url.Values{"csrf_token": {csrf}}, nil, c); w.Code != http.StatusUnauthorized {
		t.Errorf("keep-alive after 15 idle minutes: %d, want 401", w.Code)
	}
}

// The signed-in pages carry the idle timings for static/idle.js, and the
// warning dialog, closed; the script comes from /static/. The signed-out
// page carries neither, only the script and the mark it reads.
func TestIdleWarningMarkup(t *testing.T) {
	td := newTest(t, func(c *Config) { c.IdleTimeout = 6 * time.Second; c.WarnAfter = 2 * time.Second })
	c := td.signIn(t, pennyClaims)
	body := td.get("/", c).Body.String()
	assertInOrder(t, body,
		`<body class="govuk-template__body" data-idle-timeout="6" data-warn-after="2">`,
		`<dialog id="idle-dialog" class="idle-dialog" role="alertdialog" aria-modal="true" aria-labelledby="idle-title" aria-describedby="idle-desc">`,
		`<span id="idle-countdown" class="idle-dialog__time">00:04</span>`,
		`aria-live="polite"`, `>Stay signed in</button>`,
		`<script src="/static/idle.js" defer></script>`)
	// The signed-out page has no warning, only the script (which tells the
	// browser's other tabs that the session is over) and its marker.
	out := td.get("/").Body.String()
	if strings.Contains(out, "idle-dialog") || strings.Contains(out, "data-idle-timeout") {
		t.Error("signed-out page carries the idle warning")
	}
	assertInOrder(t, out, `<span id="signed-out" hidden></span>`, `<script src="/static/idle.js" defer></script>`)
	w := td.get("/static/idle.js")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "/keep-alive") {
		t.Errorf("GET /static/idle.js: %d", w.Code)
	}
}
