package config

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeFile writes content to dir/name and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// mapEnv is an Options.Env over m.
func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadStrict(t *testing.T) {
	for _, tc := range []struct {
		name string
		have string
		// wantErr lists substrings of the error: the key path, the problem
		// and its line.
		wantErr []string
	}{
		{
			name:    "unknown top-level key",
			have:    "issuer: https://a.gov.uk\nissuer_url: https://b.gov.uk\n",
			wantErr: []string{"issuer_url: unknown key (line 2)"},
		},
		{
			name:    "unknown nested key",
			have:    "http:\n  addr: \":8080\"\n  adress: \":9090\"\n",
			wantErr: []string{"http.adress: unknown key (line 3)"},
		},
		{
			name:    "unknown client key",
			have:    "clients:\n  - id: a\n    secret: s3cr3t\n",
			wantErr: []string{"clients[0].secret: unknown key (line 3)"},
		},
		{
			name:    "duplicate top-level key",
			have:    "issuer: https://a.gov.uk\nhttp: {addr: \":1\"}\nissuer: https://b.gov.uk\n",
			wantErr: []string{"issuer: set twice (line 3, and line 1 before)"},
		},
		{
			name:    "duplicate nested key",
			have:    "keys:\n  pepper: a\n  algorithm: ES256\n  pepper: b\n",
			wantErr: []string{"keys.pepper: set twice (line 4, and line 2 before)"},
		},
		{
			name:    "duplicate key in client",
			have:    "clients:\n  - id: a\n    id: b\n",
			wantErr: []string{"clients[0].id: set twice (line 3, and line 2 before)"},
		},
		{
			name:    "wrong type",
			have:    "http:\n  max_body_bytes: lots\n",
			wantErr: []string{`http.max_body_bytes: must be a whole number, not "lots" (line 2)`},
		},
		{
			name:    "duration as integer",
			have:    "sessions:\n  idle_timeout: 15\n",
			wantErr: []string{"line 2"},
		},
		{
			name:    "syntax error",
			have:    "issuer: [https://a.gov.uk\n",
			wantErr: []string{"line"},
		},
		{
			name:    "second document",
			have:    "issuer: https://a.gov.uk\n---\nissuer: https://b.gov.uk\n",
			wantErr: []string{"line 2", "second YAML document"},
		},
		{
			name:    "not a mapping",
			have:    "- issuer\n",
			wantErr: []string{"(the whole file): must be a section of keys, not a list (line 1)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "idp.yaml", tc.have)
			_, err := Load(path, Options{})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestLoadEmptyFileGivesDefaults(t *testing.T) {
	for _, have := range []string{"", "# only a comment\n", "{}\n"} {
		path := writeFile(t, t.TempDir(), "idp.yaml", have)
		cfg, err := Load(path, Options{})
		if err != nil {
			t.Fatalf("Load(%q): %v", have, err)
		}
		if cfg.HTTP.Addr != ":8080" {
			t.Errorf("Load(%q): defaults not applied: http.addr = %q", have, cfg.HTTP.Addr)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file = %v, want os.ErrNotExist", err)
	}
}

func TestDefaults(t *testing.T) {
	path := writeFile(t, t.TempDir(), "idp.yaml", `
clients:
  - {id: conf}
  - {id: pub, public: true}
  - {id: post, auth_method: client_secret_post}
`)
	cfg, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		HTTP: HTTP{
			Addr: ":8080", MaxBodyBytes: 65536, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, ShutdownTimeout: 20 * time.Second,
		},
		Postgres: Postgres{Migrate: "manual", MaxConns: 20, ConnectTimeout: 5 * time.Second, QueryTimeout: 5 * time.Second},
		Redis:    Redis{KeyPrefix: "carekey:", DialTimeout: 2 * time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second},
		Keys:     Keys{Algorithm: "ES256", RotationPeriod: 720 * time.Hour},
		Clients: []Client{
			{ID: "conf", AuthMethod: "client_secret_basic"},
			{ID: "pub", Public: true, AuthMethod: "none"},
			{ID: "post", AuthMethod: "client_secret_post"},
		},
		Tokens: Tokens{
			AuthRequestTTL: 30 * time.Minute, CodeTTL: 60 * time.Second, AccessTokenTTL: 5 * time.Minute,
			IDTokenTTL: 5 * time.Minute, RefreshTokenTTL: 12 * time.Hour, RefreshRetryGrace: 30 * time.Second, ACR: "https://refeds.org/profile/mfa",
		},
		Sessions: Sessions{IdleTimeout: 15 * time.Minute, AbsoluteTimeout: 12 * time.Hour},
		Branding: Branding{CouncilName: "Norfolk County Council", ServiceName: "Children's Services Portal",
			PrimaryColor: "#1d70b8", PrimaryTextColor: "#ffffff", LinkColor: "#1d70b8"},
		Log:     Log{Level: "info", Format: "json"},
		Metrics: Metrics{Addr: "127.0.0.1:9090"},                     // observability.go
		Tracing: Tracing{SamplePercent: 100, ServiceName: "carekey"}, // off: no endpoint
		B2C:     B2C{ROPC: B2CROPC{Timeout: 5 * time.Second}},        // b2c.go: off without token_url
	}
	applyPhoneDefaults(&want) // checked in phone_test.go
	applyEmailDefaults(&want) // checked in email_test.go
	if !reflect.DeepEqual(*cfg, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", *cfg, want)
	}
}

func TestDefaultsKeepSetValues(t *testing.T) {
	path := writeFile(t, t.TempDir(), "idp.yaml", `
http: {addr: ":9000", read_timeout: 3s}
postgres: {migrate: auto, max_conns: 4}
keys: {algorithm: RS256}
sessions: {idle_timeout: 5m}
log: {level: debug}
`)
	cfg, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"http.addr", cfg.HTTP.Addr, ":9000"},
		{"http.read_timeout", cfg.HTTP.ReadTimeout, 3 * time.Second},
		{"http.write_timeout", cfg.HTTP.WriteTimeout, 30 * time.Second},
		{"postgres.migrate", cfg.Postgres.Migrate, "auto"},
		{"postgres.max_conns", cfg.Postgres.MaxConns, int32(4)},
		{"keys.algorithm", cfg.Keys.Algorithm, "RS256"},
		{"sessions.idle_timeout", cfg.Sessions.IdleTimeout, 5 * time.Minute},
		{"sessions.absolute_timeout", cfg.Sessions.AbsoluteTimeout, 12 * time.Hour},
		{"log.level", cfg.Log.Level, "debug"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestEnvOverrides(t *testing.T) {
	path := writeFile(t, t.TempDir(), "idp.yaml", `
issuer: https://from-file.gov.uk
postgres: {url: "postgres://file/db"}
redis: {addrs: ["file:6379"]}
http: {addr: ":8080"}
clients: [{id: a}]
`)
	cfg, err := Load(path, Options{Env: mapEnv(map[string]string{
		"IDP_ISSUER":              "https://from-env.gov.uk",
		"IDP_POSTGRES_URL":        "postgres://env/db",
		"IDP_REDIS_ADDRS":         "a:6379, b:6379,,c:6379 ",
		"IDP_KEYS_ENCRYPTION_KEY": goodKey,
		"IDP_DEV_ENABLED":         "true",
		"IDP_HTTP_READ_TIMEOUT":   "7s",
		"IDP_HTTP_MAX_BODY_BYTES": "1024",
		"IDP_POSTGRES_MAX_CONNS":  "5",
		"IDP_REDIS_DB":            "3",
		"IDP_HTTP_ADDR":           "",  // empty counts as unset
		"IDP_CLIENTS":             "b", // the clients list is not overridable
		"IDP_CLIENTS_0_ID":        "b", // nor are its fields
		"IDP_LOG_LEVEL":           "warn",
	})})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"issuer", cfg.Issuer, "https://from-env.gov.uk"},
		{"postgres.url", cfg.Postgres.URL, "postgres://env/db"},
		{"redis.addrs", cfg.Redis.Addrs, []string{"a:6379", "b:6379", "c:6379"}},
		{"keys.encryption_key", cfg.Keys.EncryptionKey, goodKey},
		{"dev.enabled", cfg.Dev.Enabled, true},
		{"http.read_timeout", cfg.HTTP.ReadTimeout, 7 * time.Second},
		{"http.max_body_bytes", cfg.HTTP.MaxBodyBytes, int64(1024)},
		{"postgres.max_conns", cfg.Postgres.MaxConns, int32(5)},
		{"redis.db", cfg.Redis.DB, 3},
		{"http.addr", cfg.HTTP.Addr, ":8080"},
		{"clients", cfg.Clients, []Client{{ID: "a", AuthMethod: "client_secret_basic"}}},
		{"log.level", cfg.Log.Level, "warn"},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}
}

func TestEnvOverrideErrors(t *testing.T) {
	path := writeFile(t, t.TempDir(), "idp.yaml", "issuer: https://a.gov.uk\n")
	_, err := Load(path, Options{Env: mapEnv(map[string]string{
		"IDP_DEV_ENABLED":        "maybe",
		"IDP_HTTP_READ_TIMEOUT":  "7 seconds",
		"IDP_POSTGRES_MAX_CONNS": "99999999999",
		"IDP_REDIS_DB":           "one",
		"IDP_ISSUER":             "https://fine.gov.uk",
	})})
	got := problemPaths(t, err)
	want := []string{"dev.enabled", "http.read_timeout", "postgres.max_conns", "redis.db"}
	if !slices.Equal(got, want) {
		t.Fatalf("problem paths = %q, want %q\n%v", got, want, err)
	}
	for _, name := range []string{"IDP_DEV_ENABLED", "IDP_HTTP_READ_TIMEOUT", "IDP_POSTGRES_MAX_CONNS", "IDP_REDIS_DB"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
	if strings.Contains(err.Error(), "maybe") || strings.Contains(err.Error(), "7 seconds") {
		t.Errorf("error repeats an environment value:\n%v", err)
	}
}

// TestEnvNames checks that every overridable key has its own variable, that
// the documented names exist, and that the clients list has none.
func TestEnvNames(t *testing.T) {
	names := map[string]string{}
	walkEnv(reflect.ValueOf(&Config{}).Elem(), "", func(key string, _ reflect.Value) {
		name := envName(key)
		if other, dup := names[name]; dup {
			t.Errorf("%s and %s share %s", other, key, name)
		}
		names[name] = key
	})
	for _, want := range []string{
		"IDP_ISSUER", "IDP_POSTGRES_URL", "IDP_POSTGRES_URL_FILE", "IDP_REDIS_ADDRS", "IDP_KEYS_ENCRYPTION_KEY",
		"IDP_KEYS_PEPPER_FILE", "IDP_DEV_ENABLED", "IDP_HTTP_TRUSTED_PROXIES", "IDP_SESSIONS_IDLE_TIMEOUT",
	} {
		if _, ok := names[want]; !ok {
			t.Errorf("no override named %s; have %q", want, slices.Sorted(maps.Keys(names)))
		}
	}
	for name := range names {
		if strings.HasPrefix(name, "IDP_CLIENTS") {
			t.Errorf("clients must not be overridable, found %s", name)
		}
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "secrets/pepper", "  "+goodPepper+"\n\n")
	writeFile(t, dir, "secrets/portal", goodHash+"\n")
	abs := writeFile(t, t.TempDir(), "encryption_key", goodKey+"\n")
	writeFile(t, dir, "pg", "postgres://carekey:pw@db/carekey\n")
	writeFile(t, dir, "redis", "hunter2-but-long\n")
	path := writeFile(t, dir, "idp.yaml", `
postgres: {url_file: pg}
redis: {password_file: ./redis}
keys:
  encryption_key_file: `+abs+`
  pepper_file: secrets/pepper
clients:
  - {id: portal, secret_hash_file: secrets/portal}
`)
	cfg, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		got, want string
	}{
		{"postgres.url", cfg.Postgres.URL, "postgres://carekey:pw@db/carekey"},
		{"redis.password", cfg.Redis.Password, "hunter2-but-long"},
		{"keys.encryption_key", cfg.Keys.EncryptionKey, goodKey},
		{"keys.pepper", cfg.Keys.Pepper, goodPepper},
		{"clients[0].secret_hash", cfg.Clients[0].SecretHash, goodHash},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestSecretFileEnvOverride(t *testing.T) {
	dir := t.TempDir()
	pepper := writeFile(t, dir, "env-pepper", goodPepper)
	path := writeFile(t, dir, "idp.yaml", "keys: {pepper_file: /nonexistent/pepper}\n")
	cfg, err := Load(path, Options{Env: mapEnv(map[string]string{"IDP_KEYS_PEPPER_FILE": pepper})})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Keys.Pepper != goodPepper {
		t.Errorf("keys.pepper = %q, want the contents of IDP_KEYS_PEPPER_FILE", cfg.Keys.Pepper)
	}
}

func TestSecretFileProblems(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "empty", " \n")
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "big", strings.Repeat("x", maxSecretFileBytes+1))
	writeFile(t, dir, "pg", "postgres://db/x")
	path := writeFile(t, dir, "idp.yaml", `
postgres: {url: "postgres://inline/x", url_file: pg}
redis: {password_file: big}
keys: {encryption_key_file: missing, pepper_file: empty}
clients:
  - {id: a, secret_hash_file: adir}
`)
	for _, tc := range []struct {
		name string
		opts Options
		want []string
	}{
		{
			name: "strict",
			want: []string{
				"clients[0].secret_hash_file", "keys.encryption_key_file", "keys.pepper_file",
				"postgres.url_file", "redis.password_file",
			},
		},
		{
			// Only the missing file is forgiven: a directory, an empty or
			// oversized file and a conflict are still problems.
			name: "skip missing",
			opts: Options{SkipMissingSecretFiles: true},
			want: []string{"clients[0].secret_hash_file", "keys.pepper_file", "postgres.url_file", "redis.password_file"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(path, tc.opts)
			if got := problemPaths(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("problem paths = %q, want %q\n%v", got, tc.want, err)
			}
		})
	}
}

func TestSkipMissingSecretFiles(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "idp.yaml", `
issuer: https://signin.council.gov.uk
postgres: {url_file: /nonexistent/carekey/pg}
redis: {addrs: ["r:6379"]}
keys: {encryption_key_file: /nonexistent/carekey/key, pepper_file: missing-pepper}
clients:
  - {id: a, secret_hash_file: /nonexistent/carekey/a, grant_types: [client_credentials]}
email: {provider: smtp, from: "no-reply@council.gov.uk", smtp: {host: smtp.council.gov.uk}}
voice: {provider: twilio, twilio: {account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, auth_token: t0k3n, from: "+441632960000", webhook_url: "https://signin.council.gov.uk/webhooks/twilio/voice"}}
`)
	type skipped struct{ key, file string }
	var got []skipped
	opts := Options{
		SkipMissingSecretFiles: true,
		MissingSecretFile:      func(key, file string) { got = append(got, skipped{key, file}) },
	}
	cfg, err := Check(path, opts, ModeServe)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	want := []skipped{
		{"postgres.url_file", "/nonexistent/carekey/pg"},
		{"keys.encryption_key_file", "/nonexistent/carekey/key"},
		{"keys.pepper_file", filepath.Join(dir, "missing-pepper")},
		{"clients[0].secret_hash_file", "/nonexistent/carekey/a"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("skipped files:\n got %q\nwant %q", got, want)
	}
	if cfg.Keys.Pepper != "" {
		t.Errorf("skipped secret was set: keys.pepper = %q", cfg.Keys.Pepper)
	}

	// Without the option the same file fails, once per missing file.
	_, err = Check(path, Options{}, ModeServe)
	wantPaths := []string{"clients[0].secret_hash_file", "keys.encryption_key_file", "keys.pepper_file", "postgres.url_file"}
	if got := problemPaths(t, err); !slices.Equal(got, wantPaths) {
		t.Errorf("problem paths = %q, want %q\n%v", got, wantPaths, err)
	}
	// Validate on its own knows nothing of skipped files: the secrets are missing.
	cfg, err = Load(path, Options{SkipMissingSecretFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	wantPaths = []string{"clients[0].secret_hash", "keys.encryption_key", "keys.pepper", "postgres.url"}
	if got := problemPaths(t, cfg.Validate(ModeServe)); !slices.Equal(got, wantPaths) {
		t.Errorf("Validate problem paths = %q, want %q", got, wantPaths)
	}
}

func TestCheckThreeMistakes(t *testing.T) {
	path := writeFile(t, t.TempDir(), "idp.yaml", `
issuer: http://signin.council.gov.uk
postgres: {url: "postgres://carekey@db/carekey"}
keys:
  encryption_key: `+goodKey+`
  pepper: `+goodPepper+`
clients:
  - id: portal
    secret_hash: `+goodHash+`
    redirect_uris: [https://portal.council.gov.uk/callback]
    scopes: [openid, profle]
    grant_types: [authorization_code]
email: {provider: smtp, from: "no-reply@council.gov.uk", smtp: {host: smtp.council.gov.uk}}
voice: {provider: twilio, twilio: {account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, auth_token: t0k3n, from: "+441632960000", webhook_url: "https://signin.council.gov.uk/webhooks/twilio/voice"}}
`)
	_, err := Check(path, Options{}, ModeServe)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Check = %v, want a *ValidationError", err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.Path)
	}
	want := []string{"issuer", "redis.addrs", "clients[0].scopes[1]"}
	if !slices.Equal(got, want) {
		t.Errorf("problems in file order:\n got %q\nwant %q\n%v", got, want, err)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 3 {
		t.Errorf("Error() has %d lines, want 3:\n%v", len(lines), err)
	}
}

func TestCheckMergesLoadAndValidateProblems(t *testing.T) {
	path := writeFile(t, t.TempDir(), "idp.yaml", `
issuer: https://signin.council.gov.uk/
keys: {pepper_file: missing}
`)
	_, err := Check(path, Options{Env: mapEnv(map[string]string{"IDP_DEV_ENABLED": "yes please"})}, ModeServe)
	got := problemPaths(t, err)
	want := []string{"dev.enabled", "email.provider", "issuer", "keys.encryption_key", "keys.pepper_file", "postgres.url", "redis.addrs", "sms.provider"}
	if !slices.Equal(got, want) {
		t.Errorf("problem paths = %q, want %q\n%v", got, want, err)
	}
}
