package config

import (
	"runtime"
	"slices"
	"testing"
)

func TestValidateEmail(t *testing.T) {
	const tmpl = `{verify_email: a, already_registered: b, password_reset_code: c, password_changed: d, phone_changed: e, phone_enrol_code: f, phone_enrolled: g, account_locked: h}`
	for _, tc := range []struct {
		name         string
		have         string
		mode         Mode
		expectedErrs []string
	}{
		{"smtp ok", `email: {provider: smtp, from: "S <no-reply@council.gov.uk>", smtp: {host: h, username: u, password: Qm7rT2vX9kLp}}`, ModeServe, nil},
		{"no provider in serve", `email: {}`, ModeServe, []string{"email.provider"}},
		{"no provider in dev", `email: {}`, ModeDev, nil},
		{"unknown provider", `email: {provider: pigeon}`, ModeServe, []string{"email.provider"}},
		{"smtp without host or from", `email: {provider: smtp}`, ModeServe, []string{"email.from", "email.smtp.host"}},
		{"smtp from with CRLF", "email: {provider: smtp, from: \"a@b.gov.uk\\r\\nBcc: x@y.gov.uk\", smtp: {host: h}}", ModeServe, []string{"email.from"}},
		{"smtp tls none in serve", `email: {provider: smtp, from: a@b.gov.uk, smtp: {host: h, tls: none}}`, ModeServe, []string{"email.smtp.tls"}},
		{"smtp bad tls and port", `email: {provider: smtp, from: a@b.gov.uk, smtp: {host: h, tls: ssl, port: 70000}}`, ModeServe, []string{"email.smtp.port", "email.smtp.tls"}},
		{"smtp username without password", `email: {provider: smtp, from: a@b.gov.uk, smtp: {host: h, username: u}}`, ModeServe, []string{"email.smtp.password"}},
		{"notify ok", `email: {provider: govuknotify, govuknotify: {api_key: k, templates: ` + tmpl + `}}`, ModeServe, nil},
		{"notify missing key and templates", `email: {provider: govuknotify, govuknotify: {templates: {verify_email: a, bogus: x}}}`, ModeServe, []string{
			"email.govuknotify.api_key", "email.govuknotify.templates.account_locked", "email.govuknotify.templates.already_registered",
			"email.govuknotify.templates.bogus", "email.govuknotify.templates.password_changed", "email.govuknotify.templates.password_reset_code",
			"email.govuknotify.templates.phone_changed", "email.govuknotify.templates.phone_enrol_code", "email.govuknotify.templates.phone_enrolled"}},
		{"notify with Welsh templates", `email: {provider: govuknotify, govuknotify: {api_key: k, templates: {verify_email: a, already_registered: b, password_reset_code: c, password_changed: d, phone_changed: e, phone_enrol_code: f, phone_enrolled: g, account_locked: h, verify_email.cy: a2, account_locked.cy: h2}}}`, ModeServe, nil},
		{"notify Welsh template of an unknown kind", `email: {provider: govuknotify, govuknotify: {api_key: k, templates: {verify_email: a, already_registered: b, password_reset_code: c, password_changed: d, phone_changed: e, phone_enrol_code: f, phone_enrolled: g, account_locked: h, bogus.cy: x, verify_email.fr: y}}}`, ModeServe, []string{
			"email.govuknotify.templates.bogus.cy", "email.govuknotify.templates.verify_email.fr"}},
		{"notify http base url", `email: {provider: govuknotify, govuknotify: {api_key: k, base_url: "http://x", templates: ` + tmpl + `}}`, ModeServe, []string{"email.govuknotify.base_url"}},
		{"policy out of range", `password_policy: {min_length: 300, history_size: 30, specials: "!é", hash_concurrency: -1, hash_queue: -2}`, ModeDev, []string{
			"password_policy.hash_concurrency", "password_policy.hash_queue", "password_policy.history_size", "password_policy.min_length",
			"password_policy.specials"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := loadBytes(withSections(t, tc.have), t.TempDir(), Options{}, readSecretFile)
			if err != nil {
				t.Fatal(err)
			}
			got := problemPaths(t, l.cfg.Validate(tc.mode))
			if !slices.Equal(got, tc.expectedErrs) {
				t.Errorf("problems %q, want %q", got, tc.expectedErrs)
			}
		})
	}
}

func TestPasswordPolicyDefaults(t *testing.T) {
	l, err := loadBytes(withSections(t, `password_policy: {require_digit: false}`), t.TempDir(), Options{}, readSecretFile)
	if err != nil {
		t.Fatal(err)
	}
	p := l.cfg.PasswordPolicy
	if p.MinLength != 14 || p.HistorySize != 8 || p.Specials != asciiPunctuation || !*p.RequireUpper || *p.RequireDigit {
		t.Fatalf("policy %+v", p)
	}
	if p.HashConcurrency != DefaultHashConcurrency(runtime.GOMAXPROCS(0)) || p.HashQueue != 8*runtime.GOMAXPROCS(0) {
		t.Fatalf("hash limits %d, %d", p.HashConcurrency, p.HashQueue)
	}
	if l.cfg.Email.SMTP.Port != 587 || l.cfg.Email.SMTP.TLS != "starttls" {
		t.Fatalf("smtp defaults %+v", l.cfg.Email.SMTP)
	}
}

// A CPU is left for everything that is not a hash, except on one CPU.
func TestDefaultHashConcurrency(t *testing.T) {
	for _, tc := range []struct{ cpus, want int }{{1, 1}, {2, 1}, {4, 3}, {16, 15}} {
		if got := DefaultHashConcurrency(tc.cpus); got != tc.want {
			t.Errorf("%d CPUs: %d hashes at once, want %d", tc.cpus, got, tc.want)
		}
	}
}
