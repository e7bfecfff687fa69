package app_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/password"
)

// Benchmarks of the provider's hot endpoints, in-process on memory backends
// (handler cost without network or TLS). Figures: docs/performance.md.
//
//	go test -run '^$' -bench . -benchmem ./internal/app/

type benchEnv struct {
	h      http.Handler
	issuer string
	tok    *oauth2.Token
}

// newBench signs in once through the real flow and returns the handler and a
// token set for the dashboard client.
func newBench(b *testing.B) *benchEnv {
	e := start(b, false)
	r := e.rp("dashboard", dashSecret, dashRedirect, "profile", "email", "offline_access")
	ctx := oidc.ClientContext(b.Context(), r.http)
	verifier := oauth2.GenerateVerifier()
	code := e.login(e.browser(), r, verifier, "n")
	tok, err := r.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		b.Fatal(err)
	}
	return &benchEnv{h: e.app.Handler(), issuer: e.issuer, tok: tok}
}

func (be *benchEnv) do(b *testing.B, req *http.Request, want int) []byte {
	rec := httptest.NewRecorder()
	be.h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: %d, want %d: %s", req.Method, req.URL.Path, rec.Code, want, rec.Body.String())
	}
	return rec.Body.Bytes()
}

func BenchmarkDiscovery(b *testing.B) {
	be := newBench(b)
	b.ReportAllocs()
	for b.Loop() {
		be.do(b, httptest.NewRequest(http.MethodGet, be.issuer+"/.well-known/openid-configuration", nil), http.StatusOK)
	}
}

func BenchmarkJWKS(b *testing.B) {
	be := newBench(b)
	b.ReportAllocs()
	for b.Loop() {
		be.do(b, httptest.NewRequest(http.MethodGet, be.issuer+"/keys", nil), http.StatusOK)
	}
}

func BenchmarkUserinfo(b *testing.B) {
	be := newBench(b)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, be.issuer+"/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+be.tok.AccessToken)
		be.do(b, req, http.StatusOK)
	}
}

func BenchmarkIntrospect(b *testing.B) {
	be := newBench(b)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, be.issuer+"/oauth/introspect", strings.NewReader(url.Values{"token": {be.tok.AccessToken}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("dashboard", dashSecret)
		be.do(b, req, http.StatusOK)
	}
}

// BenchmarkRefresh rotates a refresh token each iteration (new ID token,
// access token and refresh token, old one marked used).
func BenchmarkRefresh(b *testing.B) {
	be := newBench(b)
	rt := be.tok.RefreshToken
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, be.issuer+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("dashboard", dashSecret)
		var out struct {
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.Unmarshal(be.do(b, req, http.StatusOK), &out); err != nil {
			b.Fatal(err)
		}
		rt = out.RefreshToken
	}
}

// BenchmarkArgon2Parallel is the machine's argon2id rate with carekey's
// parameters and concurrency bound: the ceiling for logins per second.
func BenchmarkArgon2Parallel(b *testing.B) {
	h := password.NewHasher(password.DefaultParams(), 4)
	before := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Hash(b.Context(), testPassword); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(cpuTime()-before)/float64(b.N)/1e6, "cpu-ms/hash")
}
