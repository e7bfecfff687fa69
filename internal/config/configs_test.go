package config

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

const configsDir = "../../configs"

// TestConfigsDir loads and validates every file in configs/. A new file
// fails until it is given a case here.
func TestConfigsDir(t *testing.T) {
	for _, tc := range []struct {
		file string
		opts Options
		// valid and invalid list the modes the file must pass and fail.
		valid, invalid []Mode
	}{
		{file: "dev.yaml", valid: []Mode{ModeDev}, invalid: []Mode{ModeServe}},
		{file: "example.yaml", opts: Options{SkipMissingSecretFiles: true}, valid: []Mode{ModeServe}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join(configsDir, tc.file)
			for _, m := range tc.valid {
				if _, err := Check(path, tc.opts, m); err != nil {
					t.Errorf("Check(%s, %s):\n%v", tc.file, m, err)
				}
			}
			for _, m := range tc.invalid {
				if _, err := Check(path, tc.opts, m); err == nil {
					t.Errorf("Check(%s, %s) passed, want problems", tc.file, m)
				}
			}
		})
	}

	files, err := filepath.Glob(filepath.Join(configsDir, "*.y*ml"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if want := []string{"dev.yaml", "example.yaml"}; !slices.Equal(names, want) {
		t.Errorf("configs/ holds %q; give each file a case in TestConfigsDir (have %q)", names, want)
	}
}

// TestDevConfig checks what design.md §6 and the dashboard rely on.
func TestDevConfig(t *testing.T) {
	cfg, err := Check(filepath.Join(configsDir, "dev.yaml"), Options{}, ModeDev)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Issuer != "http://localhost:8080" || cfg.Dev.DashboardURL != "http://localhost:8081" {
		t.Errorf("issuer %q, dashboard %q", cfg.Issuer, cfg.Dev.DashboardURL)
	}
	dash, ok := cfg.Client("dashboard")
	if !ok {
		t.Fatal("no dashboard client")
	}
	sum := sha256.Sum256([]byte(cfg.Dev.DashboardSecret))
	if want := "sha256:" + hex.EncodeToString(sum[:]); dash.SecretHash != want {
		t.Errorf("dashboard secret_hash = %s, want the hash of dev.dashboard_secret, %s", dash.SecretHash, want)
	}
	if !slices.Contains(dash.RedirectURIs, cfg.Dev.DashboardURL+"/callback") {
		t.Errorf("dashboard redirect_uris %q lack %s/callback", dash.RedirectURIs, cfg.Dev.DashboardURL)
	}
	pub, ok := cfg.Client("dev-public")
	if !ok {
		t.Fatal("no dev-public client")
	}
	want := []string{"http://localhost:9999/callback", "http://127.0.0.1:9999/callback"}
	if !pub.Public || pub.AuthMethod != "none" || !slices.Equal(pub.RedirectURIs, want) {
		t.Errorf("dev-public = %+v", pub)
	}
	for _, k := range []string{cfg.Keys.EncryptionKey, cfg.Keys.Pepper} {
		if _, err := DecodeKey(k); err != nil {
			t.Errorf("dev key %q: %v", k, err)
		}
	}
}

// TestExampleConfigWithSecrets gives example.yaml real secrets through
// IDP_*_FILE overrides, except the clients' (not overridable), which come
// from a copy next to secret files: then serve accepts it without skipping.
func TestExampleConfigWithSecrets(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(configsDir, "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "example.yaml", string(data))
	l, err := loadBytes(data, dir, Options{SkipMissingSecretFiles: true}, readSecretFile)
	if err != nil {
		t.Fatal(err)
	}
	// Every secret in example.yaml comes from a file.
	for _, r := range secretRefs(l.cfg) {
		if *r.value != "" {
			t.Errorf("example.yaml sets %s inline", r.key)
		}
	}
	env := map[string]string{
		"IDP_POSTGRES_URL_FILE":        writeFile(t, dir, "s/pg", "postgres://carekey:Zq8Jw1@db.internal/carekey"),
		"IDP_REDIS_PASSWORD_FILE":      writeFile(t, dir, "s/redis", "Hb3kQ9vLx2"),
		"IDP_KEYS_ENCRYPTION_KEY_FILE": writeFile(t, dir, "s/key", goodKey),
		"IDP_KEYS_PEPPER_FILE":         writeFile(t, dir, "s/pepper", goodPepper),
		// sms and voice (phone.go)
		"IDP_SMS_GOVUKNOTIFY_API_KEY_FILE": writeFile(t, dir, "s/notify", "carekey-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"),
		"IDP_VOICE_TWILIO_AUTH_TOKEN_FILE": writeFile(t, dir, "s/twilio", "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c"),
		// email (email.go)
		"IDP_EMAIL_SMTP_PASSWORD_FILE": writeFile(t, dir, "s/smtp", "Qm7rT2vX9kLp"),
	}
	var missing []string
	_, err = Check(path, Options{
		Env:                    mapEnv(env),
		SkipMissingSecretFiles: true,
		MissingSecretFile:      func(key, _ string) { missing = append(missing, key) },
	}, ModeServe)
	if err != nil {
		t.Fatalf("Check with secrets: %v", err)
	}
	if want := []string{"clients[0].secret_hash_file", "clients[1].secret_hash_file"}; !slices.Equal(missing, want) {
		t.Errorf("missing secret files = %q, want only the clients' %q", missing, want)
	}
}

// TestDeployConfig checks deploy/carekey.yaml in serve mode, and that
// deploy/compose.yaml mounts every secret file it names into both the
// migrate job and the replicas.
func TestDeployConfig(t *testing.T) {
	var files []string
	opts := Options{SkipMissingSecretFiles: true, MissingSecretFile: func(_, file string) { files = append(files, file) }}
	if _, err := Check("../../deploy/carekey.yaml", opts, ModeServe); err != nil {
		t.Fatalf("deploy/carekey.yaml:\n%v", err)
	}
	if len(files) == 0 {
		t.Fatal("deploy/carekey.yaml names no secret files")
	}
	raw, err := os.ReadFile("../../deploy/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Secrets []struct {
				Source string `yaml:"source"`
				Target string `yaml:"target"`
			} `yaml:"secrets"`
		} `yaml:"services"`
		Secrets map[string]struct {
			File string `yaml:"file"`
		} `yaml:"secrets"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatalf("deploy/compose.yaml: %v", err)
	}
	for _, svc := range []string{"migrate", "carekey"} {
		var targets []string
		for _, s := range compose.Services[svc].Secrets {
			if _, ok := compose.Secrets[s.Source]; !ok {
				t.Errorf("compose service %s mounts undeclared secret %q", svc, s.Source)
			}
			targets = append(targets, s.Target)
		}
		for _, f := range files {
			if !slices.Contains(targets, f) {
				t.Errorf("compose service %s does not mount %s, which carekey.yaml reads", svc, f)
			}
		}
	}
}

// TestDevPortMovesEverythingTogether: `idp dev --port 18080` serves the
// provider on loopback 18080 and the dashboard on 18081, and the dashboard
// client's URIs follow, so the config still validates and sign-in works.
func TestDevPortMovesEverythingTogether(t *testing.T) {
	cfg, err := Check(filepath.Join(configsDir, "dev.yaml"), Options{DevPort: 18080}, ModeDev)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Issuer != "http://localhost:18080" || cfg.HTTP.Addr != "127.0.0.1:18080" {
		t.Errorf("issuer %q, addr %q", cfg.Issuer, cfg.HTTP.Addr)
	}
	if cfg.Dev.DashboardURL != "http://localhost:18081" || cfg.Dev.DashboardAddr != "127.0.0.1:18081" {
		t.Errorf("dashboard %q at %q", cfg.Dev.DashboardURL, cfg.Dev.DashboardAddr)
	}
	if cfg.Metrics.Addr != "127.0.0.1:18082" {
		t.Errorf("metrics at %q, want 127.0.0.1:18082", cfg.Metrics.Addr)
	}
	dash, _ := cfg.Client(DashboardClientID)
	if !slices.Equal(dash.RedirectURIs, []string{"http://localhost:18081/callback"}) ||
		!slices.Equal(dash.PostLogoutURIs, []string{"http://localhost:18081/"}) ||
		dash.BackchannelLogoutURI != "http://localhost:18081/backchannel-logout" {
		t.Errorf("dashboard client did not move: %+v", dash)
	}
	pub, _ := cfg.Client("dev-public")
	if !slices.Contains(pub.RedirectURIs, "http://localhost:9999/callback") {
		t.Errorf("dev-public moved: %q", pub.RedirectURIs)
	}
	for _, bad := range []int{-1, 65535, 70000} {
		if _, err := Check(filepath.Join(configsDir, "dev.yaml"), Options{DevPort: bad}, ModeDev); err == nil {
			t.Errorf("dev port %d accepted", bad)
		}
	}
	if _, err := Check(filepath.Join(configsDir, "example.yaml"), Options{DevPort: 18080, SkipMissingSecretFiles: true}, ModeServe); err == nil {
		t.Error("a dev port was accepted for serve")
	}
}

// The default dev config listens on loopback only: its secrets are published.
func TestDevListensOnLoopback(t *testing.T) {
	cfg, err := Check(filepath.Join(configsDir, "dev.yaml"), Options{}, ModeDev)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{cfg.HTTP.Addr, cfg.Dev.DashboardAddr, cfg.Metrics.Addr} {
		if host, _, _ := net.SplitHostPort(addr); host != "127.0.0.1" {
			t.Errorf("dev listens on %q, want 127.0.0.1", addr)
		}
	}
}
