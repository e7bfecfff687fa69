package config

import (
	"net/mail"
	"runtime"
	"strings"
)

// Email is the email section: how carekey sends its emails (codes, "you
// already have an account", "your password has been changed"). `idp serve`
// requires a provider; in dev mode the dev outbox is used instead.
type Email struct {
	Provider    string      `yaml:"provider"` // smtp | govuknotify
	From        string      `yaml:"from"`     // "Children's Services Portal <no-reply@council.gov.uk>" (smtp)
	SMTP        EmailSMTP   `yaml:"smtp"`
	GOVUKNotify EmailNotify `yaml:"govuknotify"`
}

// EmailSMTP is an SMTP relay.
type EmailSMTP struct {
	Host         string `yaml:"host"`
	Port         int    `yaml:"port"` // default 587, or 465 with tls "tls"
	Username     string `yaml:"username"`
	Password     string `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	TLS          string `yaml:"tls"` // starttls (default) | tls | none (dev only)
}

// EmailNotify is GOV.UK Notify for email.
type EmailNotify struct {
	APIKey     string `yaml:"api_key"`
	APIKeyFile string `yaml:"api_key_file"`
	BaseURL    string `yaml:"base_url"` // default https://api.notifications.service.gov.uk
	// Templates maps each kind of email to its Notify template ID: verify_email,
	// already_registered, password_reset_code, password_changed,
	// phone_changed, phone_enrol_code, phone_enrolled, account_locked; and,
	// with mfa.app, app_added and app_removed (AppEmailTemplates). A kind's
	// Welsh template, for users who chose Welsh, goes under "<kind>.cy"
	// (verify_email.cy); without one, they get the English template.
	Templates map[string]string `yaml:"templates"`
}

// PasswordPolicy is the password_policy section (design.md §3.2). Every field
// defaults to the council's policy; the booleans default to true.
type PasswordPolicy struct {
	MinLength   int    `yaml:"min_length"`   // default 14
	HistorySize int    `yaml:"history_size"` // previous passwords refused; default 8 (0 means the default)
	Specials    string `yaml:"specials"`     // default: all printable ASCII punctuation
	// The composition rules, each on unless set to false.
	RequireLetter    *bool `yaml:"require_letter"`
	OnlyAllowedChars *bool `yaml:"only_letters_digits_specials"`
	StartWithLetter  *bool `yaml:"start_with_letter"`
	RequireUpper     *bool `yaml:"require_upper"`
	RequireDigit     *bool `yaml:"require_digit"`
	RequireSpecial   *bool `yaml:"require_special"`
	// HashConcurrency is how many argon2id hashes run at once (default
	// DefaultHashConcurrency); HashQueue how many requests may wait for one
	// (default 8 × the CPUs, GOMAXPROCS). Beyond that a request is answered
	// 503 with Retry-After at once.
	HashConcurrency int `yaml:"hash_concurrency"`
	HashQueue       int `yaml:"hash_queue"`
}

// DefaultHashConcurrency is how many argon2id hashes run at once on cpus
// CPUs when the config does not say: one fewer than the CPUs, and at least
// one. A hash never blocks, so hashes on every CPU leave every other request
// (pages, the token endpoint, refreshes) waiting for Go's 10 ms preemption;
// on 2 CPUs, two hashes at once made 7–15 % more logins a second than one,
// but the pages' p99 at 8 concurrent sign-ins was 54–168 ms rather than
// 12–24 ms (docs/performance.md, "Hashing concurrency").
func DefaultHashConcurrency(cpus int) int { return max(1, cpus-1) }

// EmailTemplates are the kinds of email a GOV.UK Notify deployment needs a
// template for.
func EmailTemplates() []string {
	return []string{"verify_email", "already_registered", "password_reset_code", "password_changed", "phone_changed",
		"phone_enrol_code", "phone_enrolled", "account_locked"}
}

// AppEmailTemplates are the kinds of email the authenticator app (mfa.app)
// adds: a Notify deployment that turns it on needs a template for each.
func AppEmailTemplates() []string { return []string{"app_added", "app_removed"} }

// asciiPunctuation is the default set of special characters.
const asciiPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// applyEmailDefaults fills the email and password_policy defaults.
func applyEmailDefaults(c *Config) {
	if c.Email.Provider == "smtp" {
		setDefault(&c.Email.SMTP.TLS, "starttls")
		if c.Email.SMTP.Port == 0 {
			c.Email.SMTP.Port = 587
			if c.Email.SMTP.TLS == "tls" {
				c.Email.SMTP.Port = 465
			}
		}
	}
	if c.Email.Provider == "govuknotify" {
		setDefault(&c.Email.GOVUKNotify.BaseURL, "https://api.notifications.service.gov.uk")
	}
	p := &c.PasswordPolicy
	setDefault(&p.MinLength, 14)
	setDefault(&p.HistorySize, 8)
	setDefault(&p.Specials, asciiPunctuation)
	setDefault(&p.HashConcurrency, DefaultHashConcurrency(runtime.GOMAXPROCS(0)))
	setDefault(&p.HashQueue, 8*runtime.GOMAXPROCS(0))
	for _, b := range []**bool{&p.RequireLetter, &p.OnlyAllowedChars, &p.StartWithLetter, &p.RequireUpper, &p.RequireDigit, &p.RequireSpecial} {
		if *b == nil {
			t := true
			*b = &t
		}
	}
}

// emailSecretRefs are the email section's secrets with their *_file.
func emailSecretRefs(c *Config) []secretRef {
	return []secretRef{
		{"email.smtp.password", &c.Email.SMTP.Password, &c.Email.SMTP.PasswordFile},
		{"email.govuknotify.api_key", &c.Email.GOVUKNotify.APIKey, &c.Email.GOVUKNotify.APIKeyFile},
	}
}

// validateEmail checks the email and password_policy sections.
func (v *validator) validateEmail(c *Config) {
	e := &c.Email
	switch e.Provider {
	case "":
		if v.serve() {
			v.add("email.provider", "required: smtp or govuknotify")
		}
	case "smtp":
		s := &e.SMTP
		if s.Host == "" {
			v.add("email.smtp.host", msgRequired)
		}
		if s.Port < 1 || s.Port > 65535 {
			v.add("email.smtp.port", "must be a port number (1-65535)")
		}
		v.oneOf("email.smtp.tls", s.TLS, []string{"starttls", "tls", "none"})
		if s.TLS == "none" && v.serve() {
			v.add("email.smtp.tls", "none is dev-only: use starttls or tls")
		}
		if e.From == "" {
			v.add("email.from", msgRequired)
		} else if _, err := mail.ParseAddress(e.From); err != nil || strings.ContainsAny(e.From, "\r\n") {
			v.add("email.from", "must be an address such as Children's Services Portal <no-reply@council.gov.uk>")
		}
		if s.Username != "" && s.Password == "" && !v.unchecked["email.smtp.password"] {
			v.add("email.smtp.password", "required with email.smtp.username")
		}
	case "govuknotify":
		n := &e.GOVUKNotify
		if n.APIKey == "" && !v.unchecked["email.govuknotify.api_key"] {
			v.add("email.govuknotify.api_key", msgRequired)
		}
		if !isWebURL(n.BaseURL, "https") {
			v.add("email.govuknotify.base_url", "must be an https URL")
		}
		needed, known := EmailTemplates(), append(EmailTemplates(), AppEmailTemplates()...)
		if c.MFA.App {
			needed = known
		}
		for _, k := range needed {
			if n.Templates[k] == "" {
				v.add("email.govuknotify.templates."+k, "required: the Notify template ID for this email")
			}
		}
		for k := range n.Templates {
			if !contains(known, strings.TrimSuffix(k, ".cy")) {
				v.add("email.govuknotify.templates."+k, "unknown template; allowed: %s, each also with .cy for its Welsh template", strings.Join(known, ", "))
			}
		}
	default:
		v.add("email.provider", "%q is not one of smtp, govuknotify", e.Provider)
	}

	p := &c.PasswordPolicy
	if p.MinLength < 1 || p.MinLength > 256 {
		v.add("password_policy.min_length", "must be between 1 and 256")
	}
	if p.HistorySize < 0 || p.HistorySize > 24 {
		v.add("password_policy.history_size", "must be between 0 and 24")
	}
	if p.HashConcurrency < 1 || p.HashConcurrency > 1024 {
		v.add("password_policy.hash_concurrency", "must be between 1 and 1024")
	}
	if p.HashQueue < 1 || p.HashQueue > 100000 {
		v.add("password_policy.hash_queue", "must be between 1 and 100000")
	}
	for _, r := range p.Specials {
		if !strings.ContainsRune(asciiPunctuation, r) {
			v.add("password_policy.specials", "may hold only printable ASCII punctuation, not %q", r)
			break
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
