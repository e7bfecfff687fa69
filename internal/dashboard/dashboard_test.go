package dashboard

import (
	"encoding/json"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/carekey/carekey/pkg/claims"
)

func TestNewChecksConfig(t *testing.T) {
	valid := func() Config {
		return Config{Issuer: testIssuer, ClientID: "dashboard", ClientSecret: "x", BaseURL: testBase}
	}
	for _, tc := range []struct {
		name    string
		edit    func(*Config)
		wantErr []string
	}{
		{name: "valid", edit: func(*Config) {}},
		{name: "trailing slashes", edit: func(c *Config) { c.Issuer += "/"; c.BaseURL += "/" }},
		{name: "public client", edit: func(c *Config) { c.ClientSecret = "" }},
		{
			name:    "everything missing",
			edit:    func(c *Config) { *c = Config{} },
			wantErr: []string{"issuer: required", "base_url: required", "client_id: required"},
		},
		{name: "relative issuer", edit: func(c *Config) { c.Issuer = "/idp" }, wantErr: []string{"issuer: must be an absolute"}},
		{name: "ftp base", edit: func(c *Config) { c.BaseURL = "ftp://x" }, wantErr: []string{"base_url: must be an absolute"}},
		{name: "base with path", edit: func(c *Config) { c.BaseURL += "/dash" }, wantErr: []string{"base_url: must have no path"}},
		{name: "no openid scope", edit: func(c *Config) { c.Scopes = []string{"profile"} }, wantErr: []string{"scopes: must include openid"}},
		{
			name:    "warning after timeout",
			edit:    func(c *Config) { c.IdleTimeout = time.Minute; c.WarnAfter = 2 * time.Minute },
			wantErr: []string{"warn_after"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid()
			tc.edit(&cfg)
			_, err := New(cfg)
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("New() error = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New() error = nil")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("New() error = %q, want it to contain %q", err, want)
				}
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	d, err := New(Config{Issuer: testIssuer, ClientID: "dashboard", BaseURL: testBase})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(d.cfg.Scopes, " ") != "openid profile email accounts" {
		t.Errorf("Scopes = %v", d.cfg.Scopes)
	}
	if d.cfg.IdleTimeout != 15*time.Minute || d.cfg.WarnAfter != 10*time.Minute {
		t.Errorf("IdleTimeout, WarnAfter = %s, %s; want 15m, 10m", d.cfg.IdleTimeout, d.cfg.WarnAfter)
	}
}

// TestDiscoveryIsLazyAndRetried: New does not contact the issuer; each
// request that needs it tries again until discovery succeeds.
func TestDiscoveryIsLazyAndRetried(t *testing.T) {
	td := newTest(t, nil)
	if n := td.rt.count(); n != 0 {
		t.Fatalf("New made %d requests to the issuer, want none", n)
	}
	if w := td.get("/"); w.Code != http.StatusOK {
		t.Fatalf("signed-out home status = %d, want 200 without the issuer", w.Code)
	}
	if n := td.rt.count(); n != 0 {
		t.Fatalf("home made %d requests to the issuer, want none", n)
	}
	for i := 1; i <= 2; i++ {
		w := td.get("/login")
		if w.Code != http.StatusServiceUnavailable {
			t.Fatalf("GET /login #%d status = %d, want 503", i, w.Code)
		}
		assertInOrder(t, textOf(w.Body.String()), "Sorry, the service is unavailable", "Try again")
		if n := td.rt.count(); n != i {
			t.Fatalf("after GET /login #%d: %d discovery requests, want %d", i, n, i)
		}
	}
	if u := td.rt.requests[0].URL.String(); u != testIssuer+"/.well-known/openid-configuration" {
		t.Errorf("discovery requested %s", u)
	}
}

func TestSessionFromClaims(t *testing.T) {
	for _, tc := range []struct {
		name     string
		have     string
		wantName string
		wantIDs  []string
		wantErr  bool
	}{
		{name: "name", have: `{"name":"Penny QQ Plumber","given_name":"P","family_name":"Q"}`, wantName: "Penny QQ Plumber"},
		{name: "given and family", have: `{"given_name":"Sam","family_name":"Single"}`, wantName: "Sam Single"},
		{name: "given only", have: `{"given_name":"Sam"}`, wantName: "Sam"},
		{name: "email", have: `{"email":"a@example.com"}`, wantName: "a@example.com"},
		{name: "nothing", have: `{"sub":"usr_1"}`, wantName: ""}, // the header says "Portal user"
		{
			name:     "accounts sorted by name",
			have:     `{"name":"P","accounts":[{"id":"b","name":"Zoe"},{"id":"a","name":"Amy"},{"id":"c","name":"Amy"}]}`,
			wantName: "P", wantIDs: []string{"a", "c", "b"},
		},
		{name: "bad accounts", have: `{"name":"P","accounts":"acc_1"}`, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cl map[string]any
			if err := json.Unmarshal([]byte(tc.have), &cl); err != nil {
				t.Fatal(err)
			}
			s, err := sessionFromClaims(cl)
			if tc.wantErr {
				if !errors.Is(err, claims.ErrInvalidAccounts) {
					t.Fatalf("error = %v, want ErrInvalidAccounts", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.name != tc.wantName {
				t.Errorf("name = %q, want %q", s.name, tc.wantName)
			}
			var ids []string
			for _, a := range s.accounts {
				ids = append(ids, a.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tc.wantIDs, ",") {
				t.Errorf("accounts = %v, want %v", ids, tc.wantIDs)
			}
			if len(s.csrf) < 26 {
				t.Errorf("csrf = %q, want a random token", s.csrf)
			}
		})
	}
}

func TestNeedsUserinfo(t *testing.T) {
	td := newTest(t, nil)
	for _, tc := range []struct {
		have string
		want bool
	}{
		{have: `{"sub":"u","name":"P","email":"e","accounts":[]}`, want: false},
		{have: `{"sub":"u","name":"P","email":"e"}`, want: true},
		{have: `{"sub":"u","email":"e","accounts":[]}`, want: true},
		{have: `{"sub":"u"}`, want: true},
	} {
		var cl map[string]any
		if err := json.Unmarshal([]byte(tc.have), &cl); err != nil {
			t.Fatal(err)
		}
		if have := td.needsUserinfo(cl); have != tc.want {
			t.Errorf("needsUserinfo(%s) = %v, want %v", tc.have, have, tc.want)
		}
	}
}

// TestImports keeps the dashboard an ordinary RP: it may use the standard
// library, pkg/claims, an OIDC client and carekey's catalogue of words
// (pkg/text, itself only the standard library), and nothing else of
// carekey.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := map[string]string{
		"github.com/carekey/carekey/pkg/claims": "the accounts claim's types",
		"github.com/coreos/go-oidc/v3/oidc":     "discovery and ID token verification",
		"golang.org/x/oauth2":                   "the code flow with PKCE",
		"github.com/carekey/carekey/pkg/text":   "the pages' words in English and Welsh",
	}
	for _, imp := range strings.Fields(string(out)) {
		if _, ok := allowed[imp]; ok || !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
			continue // allowed, or the standard library
		}
		t.Errorf("dashboard imports %s; it may import only the standard library, pkg/claims, pkg/text, go-oidc and x/oauth2", imp)
	}
}
