package config

import (
	"net/url"
	"regexp"
	"strings"
	"time"
)

// B2C is the move off Azure AD B2C (issue 15; docs/migrating-from-b2c.md):
// how `idp import b2c` maps the export's attributes, and how sign-in checks
// a not-yet-migrated password against the old tenant until the cut-off.
// Unset (no ropc.token_url): imported users whose password is pending are
// sent to forgot password.
type B2C struct {
	Attributes B2CAttributes `yaml:"attributes"`
	ROPC       B2CROPC       `yaml:"ropc"`
	// Cutoff is the date (2027-03-31, midnight UTC) or RFC 3339 time after
	// which passwords are no longer checked against the old tenant: users
	// whose password is still pending are sent to forgot password. Empty:
	// no cut-off while ropc is set.
	Cutoff string `yaml:"cutoff"`
}

// B2CAttributes names, for each profile field, the property of the Graph
// user object that holds it: an extension attribute
// (extension_<app ID without hyphens>_<Name>) or a built-in property
// (jobTitle, companyName, department, streetAddress, city, postalCode).
// Empty: the field is not imported.
type B2CAttributes struct {
	Role         string `yaml:"role"`
	Organisation string `yaml:"organisation"`
	// Professional holds a boolean, or "yes"/"no", "true"/"false".
	Professional string `yaml:"professional"`
	Street       string `yaml:"street"`
	Town         string `yaml:"town"`
	Postcode     string `yaml:"postcode"`
}

// B2CROPC is the old tenant's resource owner password credentials user flow
// (B2C_1_ROPC…): sign-in posts a pending user's email and password to
// TokenURL once, and stores the password's argon2id hash if it is right.
type B2CROPC struct {
	// TokenURL: https://<tenant>.b2clogin.com/<tenant>.onmicrosoft.com/<B2C_1_ROPC policy>/oauth2/v2.0/token
	TokenURL string `yaml:"token_url"`
	ClientID string `yaml:"client_id"` // the application registered for ROPC (a public client)
	Scope    string `yaml:"scope"`     // default "openid <client_id> offline_access"
	// Timeout bounds one check; past it the user is asked to try again
	// later, and nothing is counted.
	Timeout time.Duration `yaml:"timeout"` // default 5s
}

// Enabled reports whether sign-in checks pending passwords against the old tenant.
func (r B2CROPC) Enabled() bool { return r.TokenURL != "" }

// CutoffTime is Cutoff parsed (zero: none), and whether it parsed.
func (b B2C) CutoffTime() (time.Time, bool) {
	if b.Cutoff == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(time.DateOnly, b.Cutoff); err == nil {
		return t.UTC(), true
	}
	t, err := time.Parse(time.RFC3339, b.Cutoff)
	return t.UTC(), err == nil
}

func applyB2CDefaults(c *Config) {
	r := &c.B2C.ROPC
	if r.ClientID != "" {
		setDefault(&r.Scope, "openid "+r.ClientID+" offline_access")
	}
	setDefault(&r.Timeout, 5*time.Second)
}

// b2cAttributeRE is a property name an attribute may be mapped from: an
// extension attribute, or a built-in string property of a Graph user.
var b2cAttributeRE = regexp.MustCompile(`^(extension_[0-9a-fA-F]{32}_[A-Za-z0-9_]+|jobTitle|companyName|department|streetAddress|city|postalCode|state|officeLocation)$`)

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (v *validator) b2c(b *B2C) {
	a := b.Attributes
	for _, f := range []struct{ key, value string }{
		{"role", a.Role}, {"organisation", a.Organisation}, {"professional", a.Professional},
		{"street", a.Street}, {"town", a.Town}, {"postcode", a.Postcode},
	} {
		if f.value != "" && !b2cAttributeRE.MatchString(f.value) {
			v.add("b2c.attributes."+f.key, "must be extension_<application ID without hyphens>_<Name> or a built-in property (jobTitle, companyName, department, streetAddress, city, postalCode, state, officeLocation)")
		}
	}
	r := b.ROPC
	if r.Enabled() {
		u, err := url.Parse(r.TokenURL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))):
			v.add("b2c.ropc.token_url", "must be an https URL (http only on localhost), such as https://council.b2clogin.com/council.onmicrosoft.com/B2C_1_ROPC/oauth2/v2.0/token")
		case u.User != nil || u.Fragment != "":
			v.add("b2c.ropc.token_url", "must not carry credentials or a fragment")
		}
		if !guidRE.MatchString(r.ClientID) {
			v.add("b2c.ropc.client_id", "must be the application (client) ID of the ROPC application, a GUID")
		}
		if !strings.Contains(" "+r.Scope+" ", " openid ") {
			v.add("b2c.ropc.scope", "must include openid")
		}
	} else if r.ClientID != "" {
		v.add("b2c.ropc.token_url", "is required when b2c.ropc.client_id is set")
	}
	if r.Timeout <= 0 || r.Timeout > 30*time.Second {
		v.add("b2c.ropc.timeout", "must be more than 0 and at most 30s: a user waits for it at sign-in")
	}
	if _, ok := b.CutoffTime(); !ok {
		v.add("b2c.cutoff", "must be a date (2027-03-31) or an RFC 3339 time (2027-03-31T18:00:00Z)")
	}
}
