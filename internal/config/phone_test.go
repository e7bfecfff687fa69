package config

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestPhoneDefaults(t *testing.T) {
	var c Config
	applyDefaults(&c)
	if c.MFA != (MFA{CodeTTL: 10 * time.Minute, MaxAttempts: 5, MaxSends: 5, ResendCooldown: 30 * time.Second, CallTimeout: 2 * time.Minute}) {
		t.Errorf("mfa = %+v", c.MFA)
	}
	if c.Lockout != (Lockout{Threshold: 10, Base: 15 * time.Minute, Max: 24 * time.Hour,
		SourceBackoff: RateLimit{Max: 5, Window: 15 * time.Minute}}) {
		t.Errorf("lockout = %+v", c.Lockout)
	}
	for _, tc := range []struct {
		name string
		have RateLimit
		want RateLimit
	}{
		{"signin_per_ip", c.RateLimits.SigninPerIP, RateLimit{30, 5 * time.Minute}},
		{"signin_per_account", c.RateLimits.SigninPerAccount, RateLimit{20, 15 * time.Minute}},
		{"codes_per_phone", c.RateLimits.CodesPerPhone, RateLimit{5, 15 * time.Minute}},
		{"calls_per_phone", c.RateLimits.CallsPerPhone, RateLimit{3, 15 * time.Minute}},
	} {
		if tc.have != tc.want {
			t.Errorf("rate_limits.%s = %+v, want %+v", tc.name, tc.have, tc.want)
		}
	}
}

const goodTwilio = `{account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, auth_token: 0123456789abcdef0123456789abcdef, from: "+441632960000",
  webhook_url: "https://signin.council.gov.uk/webhooks/twilio/voice"}`

func TestValidatePhoneSections(t *testing.T) {
	for _, tc := range []struct {
		name     string
		have     string
		mode     Mode
		wantErrs []string
	}{
		{name: "defaults", have: `mfa: {code_ttl: 5m}`, mode: ModeServe},
		// Every sign-in confirms the phone: serve without SMS or voice could sign nobody in.
		{name: "serve without sms or voice", have: `sms: {provider: ""}`, mode: ModeServe, wantErrs: []string{"sms.provider"}},
		{name: "voice alone is enough", have: "sms: {provider: \"\"}\nvoice: {provider: twilio, twilio: " + goodTwilio + "}", mode: ModeServe},
		{name: "twilio for both", have: "sms: {provider: twilio, twilio: " + goodTwilio + "}\nvoice: {provider: twilio, twilio: " + goodTwilio + "}", mode: ModeServe},
		{
			name: "notify sms", mode: ModeServe,
			have: `sms: {provider: govuknotify, govuknotify: {api_key: "carekey-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0", sign_in_code_template: "f33517ff-2a88-4f6e-b855-c550268ce08a", phone_changed_template: "0e4a2bd4-8d8a-4c9b-9d54-2fb3b9d1f5a7"}}`,
		},
		{
			// An http provider URL sends the API key in clear: only to
			// this machine (a stand-in), and anywhere in dev.
			name: "provider URLs", mode: ModeServe,
			have: "sms: {provider: twilio, twilio: {account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, auth_token: 0123456789abcdef0123456789abcdef, from: \"+441632960000\", base_url: \"http://sms.example.net\"}}\n" +
				"voice: {provider: twilio, twilio: {account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, auth_token: 0123456789abcdef0123456789abcdef, from: \"+441632960000\", webhook_url: \"https://signin.council.gov.uk/webhooks/twilio/voice\", base_url: \"http://127.0.0.1:9000\"}}",
			wantErrs: []string{"sms.twilio.base_url"},
		},
		{
			name: "provider http URL in dev", mode: ModeDev,
			have: "sms: {provider: twilio, twilio: {account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, auth_token: 0123456789abcdef0123456789abcdef, from: \"+441632960000\", base_url: \"http://sms.example.net\"}}",
		},
		{
			name: "notify without key or template", mode: ModeServe,
			have:     `sms: {provider: govuknotify}`,
			wantErrs: []string{"sms.govuknotify.api_key", "sms.govuknotify.phone_changed_template", "sms.govuknotify.sign_in_code_template"},
		},
		{
			name: "unknown providers", mode: ModeServe,
			have:     "sms: {provider: carrier-pigeon}\nvoice: {provider: govuknotify}",
			wantErrs: []string{"sms.provider", "voice.provider"},
		},
		{
			name: "twilio fields wrong", mode: ModeServe,
			have: `voice: {provider: twilio, twilio: {account_sid: nope, auth_token: changeme, from: "07700900047",
  webhook_url: "http://signin.council.gov.uk/hooks"}}`,
			wantErrs: []string{"voice.twilio.account_sid", "voice.twilio.auth_token", "voice.twilio.from", "voice.twilio.webhook_url"},
		},
		{
			name: "voice webhook elsewhere", mode: ModeServe,
			have:     `voice: {provider: twilio, twilio: {account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, auth_token: t0k3n, from: "+441632960000", webhook_url: "https://signin.council.gov.uk/other"}}`,
			wantErrs: []string{"voice.twilio.webhook_url"},
		},
		{name: "http gateway", mode: ModeServe, have: `sms: {provider: http, http: {url: "https://sms.council.gov.uk/send", secret: "3c1f0e9a7b2d4c6e8f0a1b2c3d4e5f60"}}`},
		// The load tool's gateway: plain http, but only on this machine.
		{name: "http gateway on loopback", mode: ModeServe, have: `sms: {provider: http, http: {url: "http://127.0.0.1:9099/sms", secret: "3c1f0e9a7b2d4c6e8f0a1b2c3d4e5f60", timeout: 2s}}`},
		{
			name: "http gateway wrong", mode: ModeServe,
			have:     `sms: {provider: http, http: {url: "http://sms.council.gov.uk/send", secret: changeme, timeout: 5m}}`,
			wantErrs: []string{"sms.http.secret", "sms.http.timeout", "sms.http.url"},
		},
		{
			name: "http gateway with credentials in the URL", mode: ModeServe,
			have:     `sms: {provider: http, http: {url: "https://user:pw@sms.council.gov.uk/send", secret: "3c1f0e9a7b2d4c6e8f0a1b2c3d4e5f60"}}`,
			wantErrs: []string{"sms.http.url"},
		},
		{name: "http gateway empty", mode: ModeServe, have: `sms: {provider: http}`, wantErrs: []string{"sms.http.secret", "sms.http.url"}},
		{
			name: "limits out of range", mode: ModeServe,
			have: "mfa: {max_attempts: 50, max_sends: -1, code_ttl: -1s}\nlockout: {threshold: -1, base: 1h, max: 30m, source_backoff: {max: -1, window: 10ms}}\n" +
				"rate_limits: {codes_per_phone: {max: -2, window: 10ms}}",
			wantErrs: []string{"lockout.max", "lockout.source_backoff.max", "lockout.source_backoff.window", "lockout.threshold", "mfa.code_ttl", "mfa.max_attempts", "mfa.max_sends",
				"rate_limits.codes_per_phone.max", "rate_limits.codes_per_phone.window"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := loadBytes(withSections(t, tc.have), t.TempDir(), Options{}, readSecretFile)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			err = l.cfg.Validate(tc.mode)
			have := problemPaths(t, err)
			want := slices.Sorted(slices.Values(tc.wantErrs))
			if !slices.Equal(have, want) {
				t.Errorf("problem paths:\n have %q\nwant %q\nerror:\n%v", have, want, err)
			}
		})
	}
}

func TestPhoneSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "token", "s3cr3t-token\n")
	path := writeFile(t, dir, "idp.yaml", `
voice:
  provider: twilio
  twilio: {account_sid: ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, auth_token_file: token, from: "+441632960000",
    webhook_url: "https://signin.council.gov.uk/webhooks/twilio/voice"}
`)
	cfg, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Voice.Twilio.AuthToken != "s3cr3t-token" {
		t.Errorf("auth_token = %q, want the file's trimmed contents", cfg.Voice.Twilio.AuthToken)
	}
	cfg, err = Load(filepath.Join(dir, "idp.yaml"), Options{Env: func(k string) string {
		if k == "IDP_RATE_LIMITS_CODES_PER_PHONE_MAX" {
			return "7"
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RateLimits.CodesPerPhone.Max != 7 {
		t.Errorf("IDP_RATE_LIMITS_CODES_PER_PHONE_MAX: max = %d, want 7", cfg.RateLimits.CodesPerPhone.Max)
	}
}
