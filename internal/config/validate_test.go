package config

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// baseYAML is a config valid in ModeServe; each case replaces whole
// top-level sections of it with its own.
const baseYAML = `
issuer: https://signin.council.gov.uk
postgres:
  url: postgres://carekey@db.internal:5432/carekey
redis:
  addrs: [redis.internal:6379]
keys:
  encryption_key: 1m79MvEHBTvlEXOkGsZuFeoxqFWBZJHN9h64AmV+idg=
  pepper: 4ICRjR42iMfjuLfbO9yx1rKGHsNvIYFmwNR1JBtFRBeNA3XG89bLCw==
clients:
  - id: portal
    secret_hash: sha256:7fe08f4742add8f4667ff7f24ec13c223adb6af0bd400700cb070e8e9b864854
    redirect_uris: [https://portal.council.gov.uk/callback]
    scopes: [openid, profile]
    grant_types: [authorization_code, refresh_token]
email: # email_test.go
  provider: smtp
  from: "Children's Services Portal <no-reply@council.gov.uk>"
  smtp: {host: smtp.council.gov.uk}
sms: # phone_test.go
  provider: govuknotify
  govuknotify:
    api_key: carekey-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0
    sign_in_code_template: f33517ff-2a88-4f6e-b855-c550268ce08a
    phone_changed_template: 0e4a2bd4-8d8a-4c9b-9d54-2fb3b9d1f5a7
`

// withSections returns baseYAML with the top-level sections in have
// replacing its own.
func withSections(t *testing.T, have string) []byte {
	t.Helper()
	var base, over map[string]any
	if err := yaml.Unmarshal([]byte(baseYAML), &base); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(have), &over); err != nil {
		t.Fatalf("case YAML: %v", err)
	}
	for k, v := range over {
		base[k] = v
	}
	out, err := yaml.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// problemPaths returns the sorted key paths of err, which must be nil or a
// *ValidationError whose problems all have a message.
func problemPaths(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error is %T, not *ValidationError: %v", err, err)
	}
	var paths []string
	for _, p := range ve.Problems {
		if p.Path == "" || p.Message == "" {
			t.Errorf("problem without path or message: %+v", p)
		}
		paths = append(paths, p.Path)
	}
	slices.Sort(paths)
	return paths
}

const (
	key32Raw       = "1m79MvEHBTvlEXOkGsZuFeoxqFWBZJHN9h64AmV-idg" // raw URL alphabet, 32 bytes
	key16          = "AAECAwQFBgcICQoLDA0ODw=="                    // 16 bytes
	keyZero32      = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	pepperDoc      = "dGhpcyBpcyBhbiBleGFtcGxlIHBlcHBlciB2YWx1ZSwgNDAgYnl0ZXM=" // "this is an example pepper value, 40 bytes"
	goodPepper     = "4ICRjR42iMfjuLfbO9yx1rKGHsNvIYFmwNR1JBtFRBeNA3XG89bLCw=="
	goodKey        = "1m79MvEHBTvlEXOkGsZuFeoxqFWBZJHN9h64AmV+idg="
	goodHash       = "sha256:7fe08f4742add8f4667ff7f24ec13c223adb6af0bd400700cb070e8e9b864854"
	hashOfChangeme = "sha256:057ba03d6c44104863dc7361fe4578965d1887360f90a0895882e58a6248fc86"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		have     string // top-level sections replacing baseYAML's
		mode     Mode
		wantErrs []string
	}{
		{name: "base is valid", have: ``},
		{name: "base is valid in dev", have: ``, mode: ModeDev},

		// issuer
		{name: "issuer missing", have: `issuer: ""`, wantErrs: []string{"issuer"}},
		{name: "issuer relative", have: `issuer: signin.council.gov.uk`, wantErrs: []string{"issuer"}},
		{name: "issuer http", have: `issuer: http://signin.council.gov.uk`, wantErrs: []string{"issuer"}},
		{name: "issuer http localhost", have: `issuer: http://localhost:8080`},
		{name: "issuer http 127.0.0.1", have: `issuer: http://127.0.0.1:8080`},
		{name: "issuer query", have: `issuer: https://signin.council.gov.uk?x=1`, wantErrs: []string{"issuer"}},
		{name: "issuer fragment", have: `issuer: https://signin.council.gov.uk#x`, wantErrs: []string{"issuer"}},
		{name: "issuer trailing slash", have: `issuer: https://signin.council.gov.uk/`, wantErrs: []string{"issuer"}},
		{name: "issuer with path", have: `issuer: https://council.gov.uk/signin`},
		{name: "issuer user info", have: `issuer: https://a:b@signin.council.gov.uk`, wantErrs: []string{"issuer"}},

		// http
		{name: "http addr without port", have: `http: {addr: "8080"}`, wantErrs: []string{"http.addr"}},
		{name: "http addr with host", have: `http: {addr: "127.0.0.1:8080"}`},
		{name: "http negative timeout", have: `http: {read_timeout: -1s}`, wantErrs: []string{"http.read_timeout"}},
		{name: "http negative body limit", have: `http: {max_body_bytes: -1}`, wantErrs: []string{"http.max_body_bytes"}},
		{
			name:     "http trusted proxies",
			have:     `http: {trusted_proxies: [10.0.0.0/8, 192.168.1.1, "::1", nope, 10.0.0.0/99]}`,
			wantErrs: []string{"http.trusted_proxies[3]", "http.trusted_proxies[4]"},
		},

		// postgres
		{name: "postgres url missing", have: `postgres: {}`, wantErrs: []string{"postgres.url"}},
		{name: "postgres url missing in dev", have: `postgres: {}`, mode: ModeDev},
		{
			name:     "postgres url placeholder",
			have:     `postgres: {url: "postgres://carekey:changeme@db/carekey"}`,
			wantErrs: []string{"postgres.url"},
		},
		{name: "postgres url placeholder in dev", have: `postgres: {url: "postgres://carekey:changeme@db/carekey"}`, mode: ModeDev},
		{name: "postgres migrate auto", have: `postgres: {url: "postgres://db/x", migrate: auto}`},
		{name: "postgres migrate unknown", have: `postgres: {url: "postgres://db/x", migrate: sometimes}`, wantErrs: []string{"postgres.migrate"}},
		{name: "postgres max_conns negative", have: `postgres: {url: "postgres://db/x", max_conns: -1}`, wantErrs: []string{"postgres.max_conns"}},

		// redis
		{name: "redis addrs missing", have: `redis: {}`, wantErrs: []string{"redis.addrs"}},
		{name: "redis addrs missing in dev", have: `redis: {}`, mode: ModeDev},
		{name: "redis addr without port", have: `redis: {addrs: [a:6379, redis]}`, wantErrs: []string{"redis.addrs[1]"}},
		{name: "redis password placeholder", have: `redis: {addrs: [a:1], password: CHANGE_ME}`, wantErrs: []string{"redis.password"}},
		{name: "redis password", have: `redis: {addrs: [a:1], password: "k2j3h4k2j3h4"}`},
		{name: "redis cluster db", have: `redis: {addrs: [a:1, b:1], db: 2}`, wantErrs: []string{"redis.db"}},
		{name: "redis cluster endpoint db", have: `redis: {addrs: [a:1], cluster: true, db: 2}`, wantErrs: []string{"redis.db"}},
		{name: "redis key prefix hash tag", have: `redis: {addrs: [a:1], key_prefix: "{carekey}:"}`, wantErrs: []string{"redis.key_prefix"}},
		{name: "redis cluster and sentinel", have: `redis: {addrs: [a:1], cluster: true, master_name: m}`, wantErrs: []string{"redis.cluster"}},
		{name: "redis sentinel password without sentinel", have: `redis: {addrs: [a:1], sentinel_password: hunter2-but-long}`, wantErrs: []string{"redis.sentinel_password"}},
		{name: "redis sentinel password placeholder", have: `redis: {addrs: [a:1], master_name: m, sentinel_password: CHANGE_ME}`, wantErrs: []string{"redis.sentinel_password"}},
		{name: "redis sentinel", have: `redis: {addrs: [s1:26379, s2:26379], master_name: m, sentinel_password: hunter2-but-long}`},
		{name: "redis sentinel db", have: `redis: {addrs: [a:1, b:1], db: 2, master_name: m}`},
		{name: "redis negative db", have: `redis: {addrs: [a:1], db: -1}`, wantErrs: []string{"redis.db"}},

		// keys
		{name: "keys missing", have: `keys: {}`, wantErrs: []string{"keys.encryption_key", "keys.pepper"}},
		{name: "keys missing in dev", have: `keys: {}`, mode: ModeDev},
		{name: "keys raw url base64", have: `keys: {encryption_key: ` + key32Raw + `, pepper: ` + goodPepper + `}`},
		{name: "key not base64", have: `keys: {encryption_key: "not base64!", pepper: ` + goodPepper + `}`, wantErrs: []string{"keys.encryption_key"}},
		{name: "key not base64 in dev", have: `keys: {encryption_key: "not base64!"}`, mode: ModeDev, wantErrs: []string{"keys.encryption_key"}},
		{name: "key too short", have: `keys: {encryption_key: ` + key16 + `, pepper: ` + goodPepper + `}`, wantErrs: []string{"keys.encryption_key"}},
		{name: "key too long", have: `keys: {encryption_key: ` + goodPepper + `, pepper: ` + goodPepper + `}`, wantErrs: []string{"keys.encryption_key"}},
		{name: "key all zero", have: `keys: {encryption_key: ` + keyZero32 + `, pepper: ` + goodPepper + `}`, wantErrs: []string{"keys.encryption_key"}},
		{name: "key all zero in dev", have: `keys: {encryption_key: ` + keyZero32 + `}`, mode: ModeDev},
		{name: "pepper too short", have: `keys: {encryption_key: ` + goodKey + `, pepper: ` + key16 + `}`, wantErrs: []string{"keys.pepper"}},
		{name: "pepper placeholder", have: `keys: {encryption_key: ` + goodKey + `, pepper: ` + pepperDoc + `}`, wantErrs: []string{"keys.pepper"}},
		{name: "pepper literal placeholder", have: `keys: {encryption_key: ` + goodKey + `, pepper: changeme}`, wantErrs: []string{"keys.pepper"}},
		{name: "keys RS256", have: `keys: {encryption_key: ` + goodKey + `, pepper: ` + goodPepper + `, algorithm: RS256}`},
		{name: "keys HS256", have: `keys: {encryption_key: ` + goodKey + `, pepper: ` + goodPepper + `, algorithm: HS256}`, wantErrs: []string{"keys.algorithm"}},
		{name: "previous encryption key", have: `keys: {encryption_key: ` + goodKey + `, previous_encryption_key: bmV3IGVuY3J5cHRpb24ga2V5IGZvciB0aGUgdGVzdCE=, pepper: ` + goodPepper + `}`},
		{name: "previous encryption key too short", have: `keys: {encryption_key: ` + goodKey + `, previous_encryption_key: ` + key16 + `, pepper: ` + goodPepper + `}`, wantErrs: []string{"keys.previous_encryption_key"}},
		{name: "previous encryption key is the current", have: `keys: {encryption_key: ` + goodKey + `, previous_encryption_key: ` + goodKey + `, pepper: ` + goodPepper + `}`, wantErrs: []string{"keys.previous_encryption_key"}},
		{name: "previous pepper", have: `keys: {encryption_key: ` + goodKey + `, pepper: ` + goodPepper + `, previous_pepper: bmV3IGVuY3J5cHRpb24ga2V5IGZvciB0aGUgdGVzdCE=}`},
		{name: "previous pepper too short", have: `keys: {encryption_key: ` + goodKey + `, pepper: ` + goodPepper + `, previous_pepper: ` + key16 + `}`, wantErrs: []string{"keys.previous_pepper"}},
		{name: "previous pepper is the current", have: `keys: {encryption_key: ` + goodKey + `, pepper: ` + goodPepper + `, previous_pepper: ` + goodPepper + `}`, wantErrs: []string{"keys.previous_pepper"}},
		{name: "keys rotation negative", have: `keys: {encryption_key: ` + goodKey + `, pepper: ` + goodPepper + `, rotation_period: -1h}`, wantErrs: []string{"keys.rotation_period"}},

		// clients
		{name: "no clients", have: `clients: []`},
		{
			name: "client id missing and duplicate",
			have: `clients:
- {secret_hash: ` + goodHash + `, grant_types: [client_credentials]}
- {id: a, secret_hash: ` + goodHash + `, grant_types: [client_credentials]}
- {id: a, secret_hash: ` + goodHash + `, grant_types: [client_credentials]}`,
			wantErrs: []string{"clients[0].id", "clients[2].id"},
		},
		{
			name:     "client code flow without redirect",
			have:     `clients: [{id: a, secret_hash: ` + goodHash + `, grant_types: [authorization_code]}]`,
			wantErrs: []string{"clients[0].redirect_uris"},
		},
		{
			name: "client redirect rules",
			have: `clients: [{id: a, secret_hash: ` + goodHash + `, grant_types: [authorization_code], redirect_uris: [
  "https://ok.gov.uk/cb", "http://app.gov.uk/cb", "http://localhost/cb", "https://ok.gov.uk/cb#x", "/cb", "app.gov.uk/cb", "com.council.app:/cb"]}]`,
			wantErrs: []string{
				"clients[0].redirect_uris[1]", "clients[0].redirect_uris[2]", "clients[0].redirect_uris[3]",
				"clients[0].redirect_uris[4]", "clients[0].redirect_uris[5]", "clients[0].redirect_uris[6]",
			},
		},
		{
			// carekey matches exactly: a wildcard would never match, and
			// looks like a promise it does not keep.
			name: "client wildcard redirects",
			have: `clients: [{id: a, secret_hash: ` + goodHash + `, grant_types: [authorization_code], redirect_uris: ["https://*.example.gov.uk/cb", "https://app.example.gov.uk/*"],
  post_logout_redirect_uris: ["https://*.example.gov.uk/"]}]`,
			wantErrs: []string{"clients[0].post_logout_redirect_uris[0]", "clients[0].redirect_uris[0]", "clients[0].redirect_uris[1]"},
		},
		{
			name: "client insecure redirects in dev",
			have: `clients: [{id: a, secret_hash: ` + goodHash + `, grant_types: [authorization_code], allow_insecure_redirects: true,
  redirect_uris: ["http://localhost:9999/cb", "http://127.0.0.1/cb", "http://app.gov.uk/cb", "http://[::2]/cb"],
  post_logout_redirect_uris: ["http://localhost/", "http://app.gov.uk/"],
  backchannel_logout_uri: "http://localhost:8081/bc"}]`,
			mode: ModeDev,
			wantErrs: []string{
				"clients[0].post_logout_redirect_uris[1]", "clients[0].redirect_uris[2]", "clients[0].redirect_uris[3]",
			},
		},
		{
			name: "client insecure redirects in serve",
			have: `clients: [{id: a, secret_hash: ` + goodHash + `, grant_types: [authorization_code], allow_insecure_redirects: true,
  redirect_uris: ["http://localhost:9999/cb"]}]`,
			wantErrs: []string{"clients[0].allow_insecure_redirects"},
		},
		{
			name: "client post logout and backchannel",
			have: `clients: [{id: a, secret_hash: ` + goodHash + `, grant_types: [authorization_code], redirect_uris: ["https://a.gov.uk/cb"],
  post_logout_redirect_uris: ["https://a.gov.uk/", "http://a.gov.uk/", "https://a.gov.uk/#top"],
  backchannel_logout_uri: "http://a.gov.uk/bc"}]`,
			wantErrs: []string{
				"clients[0].backchannel_logout_uri",
				"clients[0].post_logout_redirect_uris[1]", "clients[0].post_logout_redirect_uris[2]",
			},
		},
		{
			name:     "client backchannel relative",
			have:     `clients: [{id: a, secret_hash: ` + goodHash + `, grant_types: [client_credentials], backchannel_logout_uri: /bc}]`,
			wantErrs: []string{"clients[0].backchannel_logout_uri"},
		},
		{
			name: "public client",
			have: `clients: [{id: a, public: true, grant_types: [authorization_code, refresh_token], redirect_uris: ["https://a.gov.uk/cb"]}]`,
		},
		{
			name: "refresh absolute timeout",
			have: `clients: [{id: a, public: true, grant_types: [authorization_code, refresh_token], redirect_uris: ["https://a.gov.uk/cb"],
  refresh_absolute_timeout: 720h}]`,
		},
		{
			name: "refresh absolute timeout negative or without refresh tokens",
			have: `clients:
  - {id: a, public: true, grant_types: [authorization_code, refresh_token], redirect_uris: ["https://a.gov.uk/cb"], refresh_absolute_timeout: -1h}
  - {id: b, public: true, grant_types: [authorization_code], redirect_uris: ["https://a.gov.uk/cb"], refresh_absolute_timeout: 1h}`,
			wantErrs: []string{"clients[0].refresh_absolute_timeout", "clients[1].refresh_absolute_timeout"},
		},
		{
			name:     "acr with a space",
			have:     `tokens: {acr: "two factors"}`,
			wantErrs: []string{"tokens.acr"},
		},
		{
			name: "acr a URI",
			have: `tokens: {acr: "urn:example:loa:2"}`,
		},
		{
			name: "accounts in the ID token",
			have: `clients: [{id: a, public: true, grant_types: [authorization_code], scopes: [openid, accounts], redirect_uris: ["https://a.gov.uk/cb"],
  accounts_in_id_token: true}]`,
		},
		{
			name: "accounts in the ID token without the accounts scope or ID tokens",
			have: `clients:
  - {id: a, public: true, grant_types: [authorization_code], scopes: [openid], redirect_uris: ["https://a.gov.uk/cb"], accounts_in_id_token: true}
  - {id: b, secret_hash: ` + goodHash + `, grant_types: [client_credentials], scopes: [accounts], accounts_in_id_token: true}`,
			wantErrs: []string{"clients[0].accounts_in_id_token", "clients[1].accounts_in_id_token"},
		},
		{
			name: "public client with secret and wrong method",
			have: `clients: [{id: a, public: true, secret_hash: ` + goodHash + `, auth_method: client_secret_basic,
  grant_types: [authorization_code, client_credentials], redirect_uris: ["https://a.gov.uk/cb"]}]`,
			wantErrs: []string{"clients[0].auth_method", "clients[0].grant_types", "clients[0].secret_hash"},
		},
		{
			name:     "confidential client without secret",
			have:     `clients: [{id: a, grant_types: [client_credentials]}]`,
			wantErrs: []string{"clients[0].secret_hash"},
		},
		{
			// The dev config publishes these secrets: a production config
			// that copied a dev client must not accept them.
			name: "published dev client secrets in serve",
			have: `clients: [
  {id: a, secret_hash: "sha256:a3a1069a49a0204a0ec598a682b79082a6ab3812cc0a8e135c4eb3598b03788f", grant_types: [client_credentials]},
  {id: b, secret_hash: "sha256:caac52fc483bf5edebe05fc9d262d320281af7e73b8506a8dc79a59a0eafaf3b", grant_types: [client_credentials]}]`,
			wantErrs: []string{"clients[0].secret_hash", "clients[1].secret_hash"},
		},
		{
			name:     "confidential client without secret in dev",
			have:     `clients: [{id: a, grant_types: [client_credentials]}]`,
			mode:     ModeDev,
			wantErrs: []string{"clients[0].secret_hash"},
		},
		{
			name: "confidential client secret hash forms",
			have: `clients:
- {id: a, secret_hash: "md5:00112233", grant_types: [client_credentials]}
- {id: b, secret_hash: "sha256:7fe08f", grant_types: [client_credentials]}
- {id: c, secret_hash: "sha256:zfe08f4742add8f4667ff7f24ec13c223adb6af0bd400700cb070e8e9b864854", grant_types: [client_credentials]}
- {id: d, secret_hash: "7fe08f4742add8f4667ff7f24ec13c223adb6af0bd400700cb070e8e9b864854", grant_types: [client_credentials]}
- {id: e, secret_hash: "sha256:7FE08F4742ADD8F4667FF7F24EC13C223ADB6AF0BD400700CB070E8E9B864854", grant_types: [client_credentials]}`,
			wantErrs: []string{"clients[0].secret_hash", "clients[1].secret_hash", "clients[2].secret_hash", "clients[3].secret_hash"},
		},
		{
			name: "confidential client placeholder secret",
			have: `clients:
- {id: a, secret_hash: ` + hashOfChangeme + `, grant_types: [client_credentials]}
- {id: b, secret_hash: "sha256:0000000000000000000000000000000000000000000000000000000000000000", grant_types: [client_credentials]}`,
			wantErrs: []string{"clients[0].secret_hash", "clients[1].secret_hash"},
		},
		{
			name: "confidential client placeholder secret in dev",
			have: `clients: [{id: a, secret_hash: ` + hashOfChangeme + `, grant_types: [client_credentials]}]`,
			mode: ModeDev,
		},
		{
			name: "confidential client auth methods",
			have: `clients:
- {id: a, secret_hash: ` + goodHash + `, auth_method: client_secret_post, grant_types: [client_credentials]}
- {id: b, secret_hash: ` + goodHash + `, auth_method: none, grant_types: [client_credentials]}
- {id: c, secret_hash: ` + goodHash + `, auth_method: client_secret_jwt, grant_types: [client_credentials]}`,
			wantErrs: []string{"clients[1].auth_method", "clients[2].auth_method"},
		},
		{
			name:     "client grant types",
			have:     `clients: [{id: a, secret_hash: ` + goodHash + `, grant_types: [client_credentials, implicit, password]}]`,
			wantErrs: []string{"clients[0].grant_types[1]", "clients[0].grant_types[2]"},
		},
		{
			name:     "client without grant types",
			have:     `clients: [{id: a, secret_hash: ` + goodHash + `}]`,
			wantErrs: []string{"clients[0].grant_types"},
		},
		{
			name: "client scopes",
			have: `clients: [{id: a, secret_hash: ` + goodHash + `, grant_types: [client_credentials],
  scopes: [openid, profile, email, phone, accounts, offline_access, "carekey:admin", address, "carekey:root"]}]`,
			wantErrs: []string{"clients[0].scopes[7]", "clients[0].scopes[8]"},
		},
		{
			name: "client id token alg",
			have: `clients:
- {id: a, secret_hash: ` + goodHash + `, grant_types: [client_credentials], id_token_signing_alg: RS256}
- {id: b, secret_hash: ` + goodHash + `, grant_types: [client_credentials], id_token_signing_alg: none}`,
			wantErrs: []string{"clients[1].id_token_signing_alg"},
		},

		// tokens and sessions
		{name: "tokens negative", have: `tokens: {code_ttl: -1s, refresh_token_ttl: -5m}`, wantErrs: []string{"tokens.code_ttl", "tokens.refresh_token_ttl"}},
		{name: "sessions idle equals absolute", have: `sessions: {idle_timeout: 1h, absolute_timeout: 1h}`},
		{name: "sessions idle above absolute", have: `sessions: {idle_timeout: 2h, absolute_timeout: 1h}`, wantErrs: []string{"sessions.idle_timeout"}},
		{name: "sessions idle above default absolute", have: `sessions: {idle_timeout: 13h}`, wantErrs: []string{"sessions.idle_timeout"}},
		{
			name:     "sessions negative absolute",
			have:     `sessions: {absolute_timeout: -1h}`,
			wantErrs: []string{"sessions.absolute_timeout", "sessions.idle_timeout"},
		},

		// branding
		{name: "branding valid", have: `branding: {primary_color: "#1d70B8", logo_url: /static/logo.svg, help_url: "https://council.gov.uk/help"}`},
		{name: "branding colour name", have: `branding: {primary_color: blue}`, wantErrs: []string{"branding.primary_color"}},
		{name: "branding colour short", have: `branding: {primary_color: "#fff"}`, wantErrs: []string{"branding.primary_color"}},
		{name: "branding colour not hex", have: `branding: {primary_color: "#gggggg"}`, wantErrs: []string{"branding.primary_color"}},
		{name: "branding logo http", have: `branding: {logo_url: "http://council.gov.uk/logo.svg"}`, wantErrs: []string{"branding.logo_url"}},
		{name: "branding help relative", have: `branding: {help_url: "help"}`, wantErrs: []string{"branding.help_url"}},
		{name: "branding footer links", have: `branding: {accessibility_url: "https://council.gov.uk/a11y", privacy_url: "https://council.gov.uk/privacy",
  cookies_url: "https://council.gov.uk/cookies", contact_url: "https://council.gov.uk/contact"}`},
		{name: "branding phase banner", have: `branding: {phase_banner: beta, feedback_url: "https://council.gov.uk/feedback"}`},
		{name: "branding phase banner unknown", have: `branding: {phase_banner: gamma, feedback_url: "https://council.gov.uk/feedback"}`,
			wantErrs: []string{"branding.phase_banner"}},
		{name: "branding phase banner without feedback", have: `branding: {phase_banner: alpha}`, wantErrs: []string{"branding.feedback_url"}},
		{name: "branding feedback relative", have: `branding: {feedback_url: /feedback}`, wantErrs: []string{"branding.feedback_url"}},
		{name: "branding footer links relative", have: `branding: {accessibility_url: a11y, privacy_url: /privacy, cookies_url: "ftp://x", contact_url: "mailto:a@b"}`,
			wantErrs: []string{"branding.accessibility_url", "branding.contact_url", "branding.cookies_url", "branding.privacy_url"}},
		{name: "branding dark theme", have: `branding: {primary_color: "#0b0c0c", primary_text_color: "#ffffff", link_color: "#003078"}`},
		{name: "branding light header, dark text", have: `branding: {primary_color: "#ffdd00", primary_text_color: "#0b0c0c", link_color: "#1d70b8"}`},
		// Yellow is the default link colour too: it vanishes on white.
		{name: "branding light header, default links", have: `branding: {primary_color: "#ffdd00", primary_text_color: "#0b0c0c"}`, wantErrs: []string{"branding.link_color"}},
		{name: "branding white on light header", have: `branding: {primary_color: "#5694ca", link_color: "#1d70b8"}`, wantErrs: []string{"branding.primary_text_color"}},
		{name: "branding pale links", have: `branding: {link_color: "#959595"}`, wantErrs: []string{"branding.link_color"}},
		{name: "branding text colour malformed", have: `branding: {primary_text_color: white}`, wantErrs: []string{"branding.primary_text_color"}},

		// log
		{name: "log valid", have: `log: {level: warn, format: text}`},
		{name: "log unknown", have: `log: {level: verbose, format: xml}`, wantErrs: []string{"log.format", "log.level"}},
		{name: "metrics off", have: `metrics: {addr: "off"}`},
		{name: "metrics private", have: `metrics: {addr: "10.0.3.7:9090"}`},
		{name: "metrics malformed", have: `metrics: {addr: "9090"}`, wantErrs: []string{"metrics.addr"}},
		{name: "metrics on the public listener", have: `{http: {addr: ":8080"}, metrics: {addr: ":8080"}}`, wantErrs: []string{"metrics.addr"}},
		{name: "profiler on the metrics listener", have: `metrics: {addr: "127.0.0.1:9090", pprof: true}`},
		{name: "profiler without metrics", have: `metrics: {addr: "off", pprof: true}`, wantErrs: []string{"metrics.pprof"}},
		{name: "tracing on", have: `tracing: {otlp_endpoint: "http://otel-collector:4318", sample_percent: 10}`},
		{name: "tracing bad", have: `tracing: {otlp_endpoint: "otel-collector:4318", sample_percent: 101}`, wantErrs: []string{"tracing.otlp_endpoint", "tracing.sample_percent"}},
		{name: "tracing credentials", have: `tracing: {otlp_endpoint: "https://u:p@collector.example/v1"}`, wantErrs: []string{"tracing.otlp_endpoint"}},

		// dev
		{
			name: "dev settings in serve",
			have: `dev: {enabled: true, outbox: true, insecure_cookies: true, dashboard_addr: ":8081",
  dashboard_url: "http://localhost:8081", dashboard_secret: s, seed_password: p}`,
			wantErrs: []string{
				"dev.dashboard_addr", "dev.dashboard_secret", "dev.dashboard_url", "dev.enabled",
				"dev.insecure_cookies", "dev.outbox", "dev.seed_password",
			},
		},
		{
			name: "dev settings in dev",
			have: `dev: {enabled: true, outbox: true, insecure_cookies: true, dashboard_addr: ":8081",
  dashboard_url: "http://localhost:8081", dashboard_secret: s, seed_password: p}
clients: [{id: dashboard, auth_method: client_secret_basic, secret_hash: "sha256:` + strings.Repeat("a", 64) + `",
  redirect_uris: ["http://localhost:8081/callback"], allow_insecure_redirects: true, grant_types: [authorization_code]}]`,
			mode: ModeDev,
		},
		{
			// Sign-in would fail later with "redirect_uri is missing in the
			// client configuration": refused at start instead.
			name: "dev dashboard URL no client allows",
			have: `dev: {dashboard_addr: ":18081", dashboard_url: "http://localhost:18081", dashboard_secret: s}
clients: [{id: dashboard, auth_method: client_secret_basic, secret_hash: "sha256:` + strings.Repeat("a", 64) + `",
  redirect_uris: ["http://localhost:8081/callback"], allow_insecure_redirects: true, grant_types: [authorization_code]}]`,
			mode:     ModeDev,
			wantErrs: []string{"clients[0].redirect_uris"},
		},
		{
			name:     "dev dashboard without its client",
			have:     `dev: {dashboard_addr: ":8081", dashboard_url: "http://localhost:8081", dashboard_secret: s}`,
			mode:     ModeDev,
			wantErrs: []string{"dev.dashboard_url"},
		},
		{name: "dev false in serve", have: `dev: {enabled: false, outbox: false}`},
		{
			name:     "dev dashboard malformed",
			have:     `dev: {dashboard_addr: "8081", dashboard_url: "localhost:8081"}`,
			mode:     ModeDev,
			wantErrs: []string{"dev.dashboard_addr", "dev.dashboard_url"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := loadBytes(withSections(t, tc.have), t.TempDir(), Options{}, readSecretFile)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if len(l.problems) > 0 {
				t.Fatalf("load problems: %v", l.problems)
			}
			err = l.cfg.Validate(tc.mode)
			got := problemPaths(t, err)
			want := slices.Sorted(slices.Values(tc.wantErrs))
			if !slices.Equal(got, want) {
				t.Errorf("problem paths:\n got %q\nwant %q\nerror:\n%v", got, want, err)
			}
		})
	}
}

func TestValidationErrorFormat(t *testing.T) {
	have := `clients:
- {id: a, secret_hash: ` + goodHash + `, grant_types: [client_credentials]}
- {id: b, secret_hash: ` + goodHash + `, grant_types: [authorization_code], redirect_uris: ["http://b.gov.uk/cb"]}`
	l, err := loadBytes(withSections(t, have), t.TempDir(), Options{}, readSecretFile)
	if err != nil {
		t.Fatal(err)
	}
	err = l.cfg.Validate(ModeServe)
	want := "clients[1].redirect_uris[0]: must be https (or http://localhost with allow_insecure_redirects)"
	if err == nil || err.Error() != want {
		t.Errorf("Validate = %v\nwant %s", err, want)
	}
}

func TestValidateNeverEchoesSecrets(t *testing.T) {
	const secret = "postgres://carekey:example-password-42@db/carekey"
	have := `postgres: {url: "` + secret + `"}
keys: {encryption_key: "changeme-key-value", pepper: "changeme-pepper-value"}
redis: {addrs: ["a:1"], password: "example-redis-password"}`
	l, err := loadBytes(withSections(t, have), t.TempDir(), Options{}, readSecretFile)
	if err != nil {
		t.Fatal(err)
	}
	err = l.cfg.Validate(ModeServe)
	if got := problemPaths(t, err); len(got) != 4 {
		t.Fatalf("want 4 problems, got %q", got)
	}
	for _, s := range []string{"example-password-42", "changeme-key-value", "changeme-pepper-value", "example-redis-password"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error repeats the secret %q:\n%v", s, err)
		}
	}
}

func TestModeString(t *testing.T) {
	for _, tc := range []struct {
		have Mode
		want string
	}{{ModeServe, "serve"}, {ModeDev, "dev"}, {Mode(7), "Mode(7)"}} {
		if got := tc.have.String(); got != tc.want {
			t.Errorf("Mode(%d).String() = %q, want %q", int(tc.have), got, tc.want)
		}
	}
}

func TestClient(t *testing.T) {
	c := &Config{Clients: []Client{{ID: "a", Name: "A"}, {ID: "b", Name: "B"}}}
	for _, tc := range []struct {
		have     string
		wantName string
		wantOK   bool
	}{{"a", "A", true}, {"b", "B", true}, {"c", "", false}, {"", "", false}} {
		got, ok := c.Client(tc.have)
		if ok != tc.wantOK || got.Name != tc.wantName {
			t.Errorf("Client(%q) = %q, %v; want %q, %v", tc.have, got.Name, ok, tc.wantName, tc.wantOK)
		}
	}
}

func TestDecodeKey(t *testing.T) {
	for _, tc := range []struct {
		name    string
		have    string
		wantLen int
		wantErr bool
	}{
		{name: "std padded", have: goodKey, wantLen: 32},
		{name: "raw url", have: key32Raw, wantLen: 32},
		{name: "std 16", have: key16, wantLen: 16},
		{name: "empty", have: "", wantLen: 0},
		{name: "std unpadded with plus", have: strings.TrimSuffix(goodKey, "="), wantErr: true},
		{name: "garbage", have: "not base64!", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeKey(tc.have)
			if (err != nil) != tc.wantErr {
				t.Fatalf("DecodeKey(%q) error = %v, wantErr %v", tc.have, err, tc.wantErr)
			}
			if err == nil && len(got) != tc.wantLen {
				t.Errorf("DecodeKey(%q) = %d bytes, want %d", tc.have, len(got), tc.wantLen)
			}
		})
	}
}
