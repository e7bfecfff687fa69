package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/dashboard"
)

func TestParseConfig(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyFile := filepath.Join(dir, "empty")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name       string
		args       []string
		env        map[string]string
		wantIssuer string
		wantID     string
		wantSecret string
		wantBase   string
		wantAddr   string
		wantSecure bool
		wantBrand  dashboard.Branding
		wantErr    string
	}{
		{
			name:       "defaults",
			env:        map[string]string{"DASHBOARD_CLIENT_ID": "dashboard"},
			wantIssuer: "http://localhost:8080", wantID: "dashboard",
			wantBase: "http://localhost:8081", wantAddr: ":8081",
		},
		{
			name: "environment",
			env: map[string]string{
				"DASHBOARD_ISSUER": "https://idp.example", "DASHBOARD_CLIENT_ID": "dash",
				"DASHBOARD_CLIENT_SECRET": "s", "DASHBOARD_BASE_URL": "https://dash.example",
				"DASHBOARD_ADDR": ":9000",
			},
			wantIssuer: "https://idp.example", wantID: "dash", wantSecret: "s",
			wantBase: "https://dash.example", wantAddr: ":9000", wantSecure: true,
		},
		{
			name:       "flags beat environment",
			args:       []string{"-issuer", "https://flag.example", "-addr", "127.0.0.1:1", "-client-id", "f"},
			env:        map[string]string{"DASHBOARD_ISSUER": "https://env.example", "DASHBOARD_CLIENT_ID": "e"},
			wantIssuer: "https://flag.example", wantID: "f",
			wantBase: "http://localhost:8081", wantAddr: "127.0.0.1:1",
		},
		{
			name:       "secret file",
			env:        map[string]string{"DASHBOARD_CLIENT_SECRET_FILE": secretFile},
			wantIssuer: "http://localhost:8080", wantSecret: "from-file",
			wantBase: "http://localhost:8081", wantAddr: ":8081",
		},
		{
			name:    "secret twice",
			env:     map[string]string{"DASHBOARD_CLIENT_SECRET": "s", "DASHBOARD_CLIENT_SECRET_FILE": secretFile},
			wantErr: "not both",
		},
		{name: "missing secret file", args: []string{"-client-secret-file", filepath.Join(dir, "nope")}, wantErr: "read client secret"},
		{name: "empty secret file", args: []string{"-client-secret-file", emptyFile}, wantErr: "is empty"},
		{name: "unknown flag", args: []string{"-client-secret", "x"}, wantErr: "parse flags"},
		{name: "stray argument", args: []string{"serve"}, wantErr: "unexpected arguments"},
		{
			name:       "branding",
			args:       []string{"-service-name", "Family Help Online", "-primary-color", "#4b0d4b"},
			env:        map[string]string{"DASHBOARD_COUNCIL_NAME": "Broadland District Council", "DASHBOARD_LINK_COLOR": "#003078"},
			wantIssuer: "http://localhost:8080", wantBase: "http://localhost:8081", wantAddr: ":8081",
			wantBrand: dashboard.Branding{CouncilName: "Broadland District Council", ServiceName: "Family Help Online",
				PrimaryColor: "#4b0d4b", LinkColor: "#003078"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, addr, err := parseConfig(tc.args, func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseConfig() error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig() error = %v", err)
			}
			if cfg.Issuer != tc.wantIssuer || cfg.ClientID != tc.wantID || cfg.ClientSecret != tc.wantSecret ||
				cfg.BaseURL != tc.wantBase || addr != tc.wantAddr || cfg.SecureCookies != tc.wantSecure || cfg.Branding != tc.wantBrand {
				t.Errorf("parseConfig() = %+v, %q", cfg, addr)
			}
		})
	}
}

func TestRunServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	env := map[string]string{"DASHBOARD_CLIENT_ID": "dashboard", "DASHBOARD_ADDR": "127.0.0.1:0"}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, logger, ready) }()

	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run() returned early: %v", err)
	}
	// The signed-out page needs no issuer.
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Sign in") {
		t.Errorf("GET / = %d\n%s", resp.StatusCode, body)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("run() after cancel = %v, want nil", err)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	err := run(t.Context(), nil, func(string) string { return "" }, logger, nil)
	if err == nil || !strings.Contains(err.Error(), "client_id: required") {
		t.Errorf("run() without a client ID = %v", err)
	}
}
