package backchannel_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/carekey/carekey/internal/backchannel"
	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/keys"
	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/store/memstore"
)

const issuer = "https://id.example"

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// receiver is an RP's back-channel endpoint answering with the statuses in
// order (then 200), recording each logout token.
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	statuses []int
	tokens   []string
	types    []string
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.types = append(rc.types, r.Header.Get("Content-Type"))
		rc.tokens = append(rc.tokens, r.PostFormValue("logout_token"))
		status := http.StatusOK
		if len(rc.statuses) > 0 {
			status, rc.statuses = rc.statuses[0], rc.statuses[1:]
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) got() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.tokens...)
}

// fixture is a Sender over a real key manager, with sleeps recorded, not slept.
type fixture struct {
	sender *backchannel.Sender
	keys   *keys.Manager
	mu     sync.Mutex
	slept  []time.Duration
}

func newFixture(t *testing.T, clients ...config.Client) *fixture {
	t.Helper()
	clk := clocktest.New(t0)
	c, err := keys.NewCipher(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{keys: keys.NewManager(keys.Config{Store: memstore.New(), Cipher: c, Clock: clk})}
	f.sender, err = backchannel.New(backchannel.Config{
		Issuer: issuer, Clients: clients, Keys: f.keys, Algorithm: keys.ES256, Clock: clk,
		Sleep: func(ctx context.Context, d time.Duration) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.slept = append(f.slept, d)
			return ctx.Err()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.sender.Close)
	return f
}

// verify checks the token's signature against the published keys (as a
// JWKS, the way an RP sees them) and returns its header and claims.
func (f *fixture) verify(t *testing.T, raw string) (jose.Header, map[string]any) {
	t.Helper()
	pub, err := f.keys.Public(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	for _, k := range pub {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Public, KeyID: k.ID, Algorithm: k.Algorithm, Use: "sig"})
	}
	js, err := json.Marshal(set) // round-trip through JSON like a real JWKS
	if err != nil {
		t.Fatal(err)
	}
	var jwks jose.JSONWebKeySet
	if err := json.Unmarshal(js, &jwks); err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil {
		t.Fatalf("parse logout token: %v", err)
	}
	h := jws.Signatures[0].Protected
	ks := jwks.Key(h.KeyID)
	if len(ks) != 1 {
		t.Fatalf("kid %q not in JWKS", h.KeyID)
	}
	payload, err := jws.Verify(ks[0])
	if err != nil {
		t.Fatalf("verify signature: %v", err)
	}
	var cl map[string]any
	if err := json.Unmarshal(payload, &cl); err != nil {
		t.Fatal(err)
	}
	return h, cl
}

func TestTokenShape(t *testing.T) {
	f := newFixture(t)
	raw, err := f.sender.Token(t.Context(), "dashboard", "usr_penny", "sid-1")
	if err != nil {
		t.Fatal(err)
	}
	h, cl := f.verify(t, raw)
	if h.ExtraHeaders["typ"] != backchannel.TokenType {
		t.Errorf("typ = %v, want %s", h.ExtraHeaders["typ"], backchannel.TokenType)
	}
	want := map[string]any{
		"iss": issuer, "aud": "dashboard", "sub": "usr_penny", "sid": "sid-1",
		"iat": float64(t0.Unix()), "exp": float64(t0.Add(2 * time.Minute).Unix()),
	}
	for k, v := range want {
		if cl[k] != v {
			t.Errorf("claim %s = %v, want %v", k, cl[k], v)
		}
	}
	if jti, _ := cl["jti"].(string); len(jti) < 16 {
		t.Errorf("jti = %q, want a random ID", jti)
	}
	if _, ok := cl["nonce"]; ok {
		t.Error("logout token has a nonce")
	}
	ev, _ := cl["events"].(map[string]any)
	if e, ok := ev[backchannel.EventURI].(map[string]any); !ok || len(e) != 0 {
		t.Errorf("events = %v, want {%q: {}}", cl["events"], backchannel.EventURI)
	}
	other, _ := f.sender.Token(t.Context(), "dashboard", "usr_penny", "sid-1")
	if _, cl2 := f.verify(t, other); cl2["jti"] == cl["jti"] {
		t.Error("two tokens share a jti")
	}
}

func TestDelivery(t *testing.T) {
	for _, tc := range []struct {
		name      string
		have      []int // the RP's answers, in order
		wantPosts int
		wantSlept []time.Duration
	}{
		{"accepted with 200", []int{200}, 1, []time.Duration{0}},
		{"accepted with 204", []int{204}, 1, []time.Duration{0}},
		{"retried after errors", []int{500, 503, 200}, 3, []time.Duration{0, time.Second, 4 * time.Second}},
		{"gives up after three", []int{500, 400, 302, 200}, 3, []time.Duration{0, time.Second, 4 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, tc.have...)
			f := newFixture(t, config.Client{ID: "dashboard", BackchannelLogoutURI: rc.srv.URL + "/backchannel-logout"})
			f.sender.SessionEnded(t.Context(), session.Session{ID: "sid-1", UserID: "usr_penny", Clients: []string{"dashboard"}})
			f.sender.Wait()
			got := rc.got()
			if len(got) != tc.wantPosts {
				t.Fatalf("posts = %d, want %d", len(got), tc.wantPosts)
			}
			for i, raw := range got {
				if _, cl := f.verify(t, raw); cl["sid"] != session.PublicID("sid-1") || cl["aud"] != "dashboard" {
					t.Errorf("post %d: claims %v", i, cl)
				}
				if rc.types[i] != "application/x-www-form-urlencoded" {
					t.Errorf("post %d: content type %q", i, rc.types[i])
				}
			}
			if len(f.slept) != len(tc.wantSlept) {
				t.Fatalf("waits = %v, want %v", f.slept, tc.wantSlept)
			}
			for i := range f.slept {
				if f.slept[i] != tc.wantSlept[i] {
					t.Errorf("waits = %v, want %v", f.slept, tc.wantSlept)
				}
			}
		})
	}
}

func TestOnlyClientsWithURIAndInSession(t *testing.T) {
	withURI := newReceiver(t)
	notInSession := newReceiver(t)
	f := newFixture(t,
		config.Client{ID: "dashboard", BackchannelLogoutURI: withURI.srv.URL},
		config.Client{ID: "no-uri"},
		config.Client{ID: "other", BackchannelLogoutURI: notInSession.srv.URL},
	)
	f.sender.SessionEnded(t.Context(), session.Session{ID: "s", UserID: "u", Clients: []string{"no-uri", "dashboard", "unknown"}})
	f.sender.Wait()
	if n := len(withURI.got()); n != 1 {
		t.Errorf("client with URI got %d tokens, want 1", n)
	}
	if n := len(notInSession.got()); n != 0 {
		t.Errorf("client not in the session got %d tokens, want 0", n)
	}
}

// The user's request does not wait for a slow RP: SessionEnded returns while
// the RP is still answering.
func TestSessionEndedDoesNotBlock(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	t.Cleanup(srv.Close)
	f := newFixture(t, config.Client{ID: "dashboard", BackchannelLogoutURI: srv.URL})
	done := make(chan struct{})
	go func() {
		f.sender.SessionEnded(t.Context(), session.Session{ID: "s", UserID: "u", Clients: []string{"dashboard"}})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("SessionEnded blocked on the RP")
	}
	close(release)
	f.sender.Wait()
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	if _, err := backchannel.New(backchannel.Config{Issuer: issuer}); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Errorf("New = %v, want incomplete config", err)
	}
}
