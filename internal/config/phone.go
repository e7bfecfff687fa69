package config

import (
	"net"
	"net/url"
	"strings"
	"time"
)

// The sections of phone confirmation at sign-in (design.md §3.3): mfa,
// lockout, rate_limits, sms and voice. Their defaults and checks live here
// and are called from applyDefaults and validate.

// MFA is the second factor at sign-in.
type MFA struct {
	CodeTTL        time.Duration `yaml:"code_ttl"`        // default 10m
	MaxAttempts    int           `yaml:"max_attempts"`    // wrong codes before the code is dead; default 5
	MaxSends       int           `yaml:"max_sends"`       // codes per sign-in; default 5
	ResendCooldown time.Duration `yaml:"resend_cooldown"` // default 30s
	CallTimeout    time.Duration `yaml:"call_timeout"`    // a call with no outcome by then has failed; default 2m
	// App offers an authenticator app (TOTP, issue 16) as another way to
	// confirm identity, set up from /account/app. Default off.
	App bool `yaml:"app"`
}

// Lockout locks an account after wrong passwords (or phone codes) in a row.
// The lock is progressive: one source (IP address) that keeps getting an
// account's password wrong meets SourceBackoff (HTTP 429 for that account
// from that source) before the account itself can lock.
type Lockout struct {
	Threshold int           `yaml:"threshold"` // default 10
	Base      time.Duration `yaml:"base"`      // first lock; default 15m, doubling
	Max       time.Duration `yaml:"max"`       // longest lock; default 24h
	// SourceBackoff allows Max attempts at one account from one source per
	// Window (a right password starts again); default 5 per 15m.
	SourceBackoff RateLimit `yaml:"source_backoff"`
}

// RateLimit allows Max events per Window for one key.
type RateLimit struct {
	Max    int           `yaml:"max"`
	Window time.Duration `yaml:"window"`
}

// RateLimits are the per-key limits (kept in Redis in production).
type RateLimits struct {
	SigninPerIP          RateLimit `yaml:"signin_per_ip"`           // default 30 per 5m
	SigninPerAccount     RateLimit `yaml:"signin_per_account"`      // default 20 per 15m
	CodesPerPhone        RateLimit `yaml:"codes_per_phone"`         // default 5 per 15m
	CallsPerPhone        RateLimit `yaml:"calls_per_phone"`         // default 3 per 15m
	EmailCodesPerAddress RateLimit `yaml:"email_codes_per_address"` // default 10 per 1h
	RegistrationsPerIP   RateLimit `yaml:"registrations_per_ip"`    // default 20 per 1h
}

// SMS sends sign-in codes by text message.
type SMS struct {
	// Provider is "govuknotify", "twilio" or "http"; empty in dev mode
	// (the dev outbox). serve needs this or voice.provider; without it Send
	// Code fails and the app warns at start.
	Provider    string      `yaml:"provider"`
	GovUKNotify NotifySMS   `yaml:"govuknotify"`
	Twilio      TwilioPhone `yaml:"twilio"`
	HTTP        HTTPSMS     `yaml:"http"`
}

// HTTPSMS is a generic HTTP SMS gateway (internal/notify/httpsms): each
// message is POSTed as JSON to URL with "Authorization: Bearer <secret>".
type HTTPSMS struct {
	// URL is https, or http to a loopback address (a gateway on this
	// machine, such as the load tool's).
	URL        string        `yaml:"url"`
	Secret     string        `yaml:"secret"`
	SecretFile string        `yaml:"secret_file"`
	Timeout    time.Duration `yaml:"timeout"` // default 10s
}

// NotifySMS is GOV.UK Notify for text messages.
type NotifySMS struct {
	BaseURL    string `yaml:"base_url"` // default https://api.notifications.service.gov.uk
	APIKey     string `yaml:"api_key"`
	APIKeyFile string `yaml:"api_key_file"`
	// SignInCodeTemplate is the ID of the Notify SMS template with the
	// ((code)) placeholder.
	SignInCodeTemplate string `yaml:"sign_in_code_template"`
	// PhoneChangedTemplate is the ID of the Notify SMS template sent to the
	// old number when a user changes their phone (personalisation
	// ((service_name)), ((council_name))).
	PhoneChangedTemplate string `yaml:"phone_changed_template"`
	// SignInCodeTemplateCy and PhoneChangedTemplateCy are the same
	// templates in Welsh, for users reading carekey in Welsh; without them,
	// those users get the English templates.
	SignInCodeTemplateCy   string `yaml:"sign_in_code_template_cy"`
	PhoneChangedTemplateCy string `yaml:"phone_changed_template_cy"`
}

// Voice places "Call Me" calls.
type Voice struct {
	// Provider is "twilio"; empty in dev mode (the dev outbox). serve
	// needs this or sms.provider; without it Call Me fails and the app
	// warns at start.
	Provider string      `yaml:"provider"`
	Twilio   TwilioPhone `yaml:"twilio"`
}

// TwilioPhone is a Twilio account for SMS or voice.
type TwilioPhone struct {
	BaseURL       string `yaml:"base_url"` // default https://api.twilio.com
	AccountSID    string `yaml:"account_sid"`
	AuthToken     string `yaml:"auth_token"`
	AuthTokenFile string `yaml:"auth_token_file"`
	From          string `yaml:"from"` // E.164 number calls and texts come from
	// WebhookURL is the public URL of carekey's voice webhook:
	// <issuer>/webhooks/twilio/voice (voice only).
	WebhookURL string `yaml:"webhook_url"`
}

// phoneSecretRefs are the *_file secrets of the sms and voice sections.
func phoneSecretRefs(c *Config) []secretRef {
	return []secretRef{
		{"sms.govuknotify.api_key", &c.SMS.GovUKNotify.APIKey, &c.SMS.GovUKNotify.APIKeyFile},
		{"sms.twilio.auth_token", &c.SMS.Twilio.AuthToken, &c.SMS.Twilio.AuthTokenFile},
		{"sms.http.secret", &c.SMS.HTTP.Secret, &c.SMS.HTTP.SecretFile},
		{"voice.twilio.auth_token", &c.Voice.Twilio.AuthToken, &c.Voice.Twilio.AuthTokenFile},
	}
}

// applyPhoneDefaults fills the defaults of mfa, lockout and rate_limits.
func applyPhoneDefaults(c *Config) {
	setDefault(&c.MFA.CodeTTL, 10*time.Minute)
	setDefault(&c.MFA.MaxAttempts, 5)
	setDefault(&c.MFA.MaxSends, 5)
	setDefault(&c.MFA.ResendCooldown, 30*time.Second)
	setDefault(&c.MFA.CallTimeout, 2*time.Minute)
	if c.SMS.Provider == "http" {
		setDefault(&c.SMS.HTTP.Timeout, 10*time.Second)
	}

	setDefault(&c.Lockout.Threshold, 10)
	setDefault(&c.Lockout.Base, 15*time.Minute)
	setDefault(&c.Lockout.Max, 24*time.Hour)
	setDefault(&c.Lockout.SourceBackoff.Max, 5)
	setDefault(&c.Lockout.SourceBackoff.Window, 15*time.Minute)

	rl := &c.RateLimits
	for _, d := range []struct {
		l      *RateLimit
		max    int
		window time.Duration
	}{
		{&rl.SigninPerIP, 30, 5 * time.Minute},
		{&rl.SigninPerAccount, 20, 15 * time.Minute},
		{&rl.CodesPerPhone, 5, 15 * time.Minute},
		{&rl.CallsPerPhone, 3, 15 * time.Minute},
		{&rl.EmailCodesPerAddress, 10, time.Hour},
		{&rl.RegistrationsPerIP, 20, time.Hour},
	} {
		setDefault(&d.l.Max, d.max)
		setDefault(&d.l.Window, d.window)
	}
}

// phone checks mfa, lockout, rate_limits, sms and voice.
func (v *validator) phone(c *Config) {
	m := &c.MFA
	v.positive("mfa.code_ttl", m.CodeTTL)
	v.positive("mfa.resend_cooldown", m.ResendCooldown)
	v.positive("mfa.call_timeout", m.CallTimeout)
	if m.MaxAttempts < 1 || m.MaxAttempts > 10 {
		v.add("mfa.max_attempts", "must be between 1 and 10")
	}
	if m.MaxSends < 1 {
		v.add("mfa.max_sends", "must be at least 1")
	}

	l := &c.Lockout
	if l.Threshold < 1 {
		v.add("lockout.threshold", "must be at least 1")
	}
	v.positive("lockout.base", l.Base)
	if l.Max < l.Base {
		v.add("lockout.max", "must not be below lockout.base (%s)", l.Base)
	}
	if l.SourceBackoff.Max < 1 {
		v.add("lockout.source_backoff.max", "must be at least 1")
	}
	if l.SourceBackoff.Window < time.Second {
		v.add("lockout.source_backoff.window", "must be at least 1s")
	}

	rl := &c.RateLimits
	for _, r := range []struct {
		path string
		l    RateLimit
	}{
		{"rate_limits.signin_per_ip", rl.SigninPerIP},
		{"rate_limits.signin_per_account", rl.SigninPerAccount},
		{"rate_limits.codes_per_phone", rl.CodesPerPhone},
		{"rate_limits.calls_per_phone", rl.CallsPerPhone},
		{"rate_limits.email_codes_per_address", rl.EmailCodesPerAddress},
		{"rate_limits.registrations_per_ip", rl.RegistrationsPerIP},
	} {
		if r.l.Max < 1 {
			v.add(r.path+".max", "must be at least 1")
		}
		if r.l.Window < time.Second {
			v.add(r.path+".window", "must be at least 1s")
		}
	}

	v.sms(&c.SMS)
	v.voice(&c.Voice)
	if v.serve() && c.SMS.Provider == "" && c.Voice.Provider == "" {
		// Every sign-in confirms the phone: with neither, nobody can sign in.
		v.add("sms.provider", "required (or voice.provider): every sign-in sends a code by SMS or places a call; govuknotify, twilio or http")
	}
}

func (v *validator) sms(s *SMS) {
	switch s.Provider {
	case "": // dev outbox, or none: Send Code then fails (app logs a warning at start)
	case "govuknotify":
		n := &s.GovUKNotify
		v.secret("sms.govuknotify.api_key", n.APIKey)
		if n.SignInCodeTemplate == "" {
			v.add("sms.govuknotify.sign_in_code_template", msgRequired)
		}
		if n.PhoneChangedTemplate == "" {
			v.add("sms.govuknotify.phone_changed_template", msgRequired)
		}
		v.providerURL("sms.govuknotify.base_url", n.BaseURL)
	case "twilio":
		v.twilio("sms.twilio", &s.Twilio, false)
	case "http":
		h := &s.HTTP
		v.secret("sms.http.secret", h.Secret)
		u, err := url.Parse(h.URL)
		switch {
		case h.URL == "":
			v.add("sms.http.url", msgRequired)
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			v.add("sms.http.url", "must be an absolute https URL")
		case u.User != nil || u.Fragment != "":
			v.add("sms.http.url", "must not hold user information or a fragment (the secret goes in sms.http.secret_file)")
		case u.Scheme == "http" && !isLoopbackAddr(u.Hostname()):
			v.add("sms.http.url", "must be https: the secret and the codes would cross the network in clear (http only to a loopback address)")
		}
		if h.Timeout < time.Second || h.Timeout > time.Minute {
			v.add("sms.http.timeout", "must be between 1s and 1m")
		}
	default:
		v.add("sms.provider", "must be govuknotify, twilio or http, not %q", s.Provider)
	}
}

func (v *validator) voice(vc *Voice) {
	switch vc.Provider {
	case "": // dev outbox, or none: Call Me then fails (app logs a warning at start)
	case "twilio":
		v.twilio("voice.twilio", &vc.Twilio, true)
	default:
		v.add("voice.provider", "must be twilio, not %q", vc.Provider)
	}
}

func (v *validator) twilio(p string, t *TwilioPhone, webhook bool) {
	if !strings.HasPrefix(t.AccountSID, "AC") || len(t.AccountSID) != 34 {
		v.add(p+".account_sid", "must be a Twilio account SID (AC followed by 32 characters)")
	}
	v.secret(p+".auth_token", t.AuthToken)
	if !isE164(t.From) {
		v.add(p+".from", "must be an E.164 number such as +441632960000")
	}
	v.providerURL(p+".base_url", t.BaseURL)
	if !webhook {
		return
	}
	u, err := url.Parse(t.WebhookURL)
	switch {
	case t.WebhookURL == "":
		v.add(p+".webhook_url", "required: the public URL of /webhooks/twilio/voice")
	case err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		v.add(p+".webhook_url", "must be an absolute URL without query")
	case u.Scheme != "https" && (v.serve() || u.Scheme != "http"):
		v.add(p+".webhook_url", "must be https")
	case u.Path != "/webhooks/twilio/voice":
		v.add(p+".webhook_url", "must end in /webhooks/twilio/voice (where carekey serves it)")
	}
}

// secret checks a provider credential: required, and in serve no placeholder.
func (v *validator) secret(path, s string) {
	switch {
	case v.unchecked[path]:
	case s == "":
		v.add(path, msgRequired)
	case v.serve() && isPlaceholder(s):
		v.add(path, msgPlaceholder)
	}
}

// providerURL checks an SMS, voice or email provider's API base URL: https,
// since requests carry the API key; in serve mode plain http only to a
// loopback address (a stand-in on the same machine).
func (v *validator) providerURL(path, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		v.add(path, "must be an absolute https URL")
	case u.Scheme == "http" && v.serve() && !isLoopbackAddr(u.Hostname()):
		v.add(path, "must be https: the API key would cross the network in clear (http only to a loopback address)")
	}
}

// isLoopbackAddr reports whether host names this machine.
func isLoopbackAddr(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
