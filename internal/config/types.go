package config

import "time"

// Config is the whole configuration file. YAML keys are the snake_case names in
// the tags; every scalar can be overridden by an IDP_* environment variable
// named by its key path (IDP_POSTGRES_URL, IDP_KEYS_ENCRYPTION_KEY, ...), and
// every field ending in _file names a file whose trimmed contents replace the
// field it belongs to.
type Config struct {
	Issuer     string     `yaml:"issuer"`
	HTTP       HTTP       `yaml:"http"`
	Postgres   Postgres   `yaml:"postgres"`
	Redis      Redis      `yaml:"redis"`
	Keys       Keys       `yaml:"keys"`
	Clients    []Client   `yaml:"clients"`
	Tokens     Tokens     `yaml:"tokens"`
	Sessions   Sessions   `yaml:"sessions"`
	Branding   Branding   `yaml:"branding"`
	Log        Log        `yaml:"log"`
	Dev        Dev        `yaml:"dev"`
	MFA        MFA        `yaml:"mfa"`
	Lockout    Lockout    `yaml:"lockout"`
	RateLimits RateLimits `yaml:"rate_limits"`
	SMS        SMS        `yaml:"sms"`
	Voice      Voice      `yaml:"voice"`
	Audit      Audit      `yaml:"audit"`   // audit.go
	Metrics    Metrics    `yaml:"metrics"` // observability.go
	Tracing    Tracing    `yaml:"tracing"` // observability.go

	// Issue 4 (email.go).
	Email          Email          `yaml:"email"`
	PasswordPolicy PasswordPolicy `yaml:"password_policy"`

	// Issue 15 (b2c.go).
	B2C B2C `yaml:"b2c"`
}

// HTTP is the listener.
type HTTP struct {
	Addr              string        `yaml:"addr"`                // default ":8080"
	MaxBodyBytes      int64         `yaml:"max_body_bytes"`      // default 65536
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"` // default 5s
	ReadTimeout       time.Duration `yaml:"read_timeout"`        // default 15s
	WriteTimeout      time.Duration `yaml:"write_timeout"`       // default 30s
	IdleTimeout       time.Duration `yaml:"idle_timeout"`        // default 120s
	ShutdownTimeout   time.Duration `yaml:"shutdown_timeout"`    // default 20s
	TrustedProxies    []string      `yaml:"trusted_proxies"`     // CIDRs whose X-Forwarded-For is believed
}

// Postgres is the system of record.
type Postgres struct {
	URL      string `yaml:"url"`
	URLFile  string `yaml:"url_file"`
	Migrate  string `yaml:"migrate"`   // "auto" (serve applies migrations) or "manual" (default)
	MaxConns int32  `yaml:"max_conns"` // default 20
	// ConnectTimeout bounds a new connection, and the ping at start-up.
	ConnectTimeout time.Duration `yaml:"connect_timeout"` // default 5s
	// QueryTimeout bounds every statement, so a database that stops
	// answering turns into a 503 rather than a hung request.
	QueryTimeout time.Duration `yaml:"query_timeout"` // default 5s
}

// Redis holds sessions and short-lived state. One address: a single node;
// several, or one with Cluster: Cluster; with MasterName: Sentinel (Addrs
// are then the sentinels').
type Redis struct {
	Addrs        []string `yaml:"addrs"`
	Username     string   `yaml:"username"`
	Password     string   `yaml:"password"`
	PasswordFile string   `yaml:"password_file"`
	DB           int      `yaml:"db"`
	MasterName   string   `yaml:"master_name"`
	TLS          bool     `yaml:"tls"`
	KeyPrefix    string   `yaml:"key_prefix"` // default "carekey:"
	// Deadlines of a connection attempt and of each command's read and write.
	DialTimeout  time.Duration `yaml:"dial_timeout"`  // default 2s
	ReadTimeout  time.Duration `yaml:"read_timeout"`  // default 1s
	WriteTimeout time.Duration `yaml:"write_timeout"` // default 1s
	// Cluster: the one address is a Cluster's configuration endpoint (as
	// managed services give one), not a single node.
	Cluster bool `yaml:"cluster"`
	// SentinelPassword: the sentinels' own password (Sentinel's
	// requirepass), if they ask for one; Password is the master's.
	SentinelPassword     string `yaml:"sentinel_password"`
	SentinelPasswordFile string `yaml:"sentinel_password_file"`
}

// Keys are the provider's secrets.
type Keys struct {
	// EncryptionKey: base64 of 32 random bytes. Encrypts signing keys at rest
	// and opaque access tokens.
	EncryptionKey     string `yaml:"encryption_key"`
	EncryptionKeyFile string `yaml:"encryption_key_file"`
	// PreviousEncryptionKey: the encryption key before the current one, while
	// it is being replaced. It only decrypts (signing keys sealed under it,
	// access tokens and codes made with it); `idp keys reencrypt` reseals the
	// stored keys under the current one, then it can be removed.
	PreviousEncryptionKey     string `yaml:"previous_encryption_key"`
	PreviousEncryptionKeyFile string `yaml:"previous_encryption_key_file"`
	// Pepper: base64 of at least 32 random bytes; the HMAC key for one-time codes.
	Pepper     string `yaml:"pepper"`
	PepperFile string `yaml:"pepper_file"`
	// PreviousPepper: the pepper before the current one, while it is being
	// replaced: codes and CSRF tokens made under it still verify (remove it
	// once the longest code life, 30 minutes, has passed).
	PreviousPepper     string `yaml:"previous_pepper"`
	PreviousPepperFile string `yaml:"previous_pepper_file"`
	// Algorithm signs ID tokens: "ES256" (default) or "RS256".
	Algorithm      string        `yaml:"algorithm"`
	RotationPeriod time.Duration `yaml:"rotation_period"` // default 720h
}

// Client is a relying party.
type Client struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Public clients (no secret) must use PKCE S256.
	Public bool `yaml:"public"`
	// SecretHash: "sha256:<hex>" of the client secret. Confidential clients only.
	SecretHash     string `yaml:"secret_hash"`
	SecretHashFile string `yaml:"secret_hash_file"`
	AuthMethod     string `yaml:"auth_method"` // client_secret_basic (default for confidential) | client_secret_post | private_key_jwt | none (public)
	// JWKS (inline JSON, or from JWKSFile) or JWKSURI (https) holds the public
	// keys of a private_key_jwt client (RFC 7523 client assertions).
	JWKS           string   `yaml:"jwks"`
	JWKSFile       string   `yaml:"jwks_file"`
	JWKSURI        string   `yaml:"jwks_uri"`
	RedirectURIs   []string `yaml:"redirect_uris"`
	PostLogoutURIs []string `yaml:"post_logout_redirect_uris"`
	Scopes         []string `yaml:"scopes"`      // scopes the client may request
	GrantTypes     []string `yaml:"grant_types"` // authorization_code, refresh_token, client_credentials
	IDTokenAlg     string   `yaml:"id_token_signing_alg"`
	// BackchannelLogoutURI receives logout tokens (OpenID Back-Channel Logout 1.0).
	BackchannelLogoutURI string `yaml:"backchannel_logout_uri"`
	// AllowInsecureRedirects permits http://localhost and http://127.0.0.1
	// redirect URIs. Dev only.
	AllowInsecureRedirects bool `yaml:"allow_insecure_redirects"`
	// RefreshAbsoluteTimeout ends the client's refresh token families this
	// long after the sign-in they came from, however often they are rotated.
	// Zero: sessions.absolute_timeout.
	RefreshAbsoluteTimeout time.Duration `yaml:"refresh_absolute_timeout"`
	// AccountsInIDToken puts the accounts claim in the client's ID tokens as
	// well as in userinfo. Set it only for a client that never puts an ID
	// token in a URL (it sends id_token_hint to end_session by POST, as the
	// dashboard does): the claim holds children's names and birth dates.
	// Needs the accounts scope.
	AccountsInIDToken bool `yaml:"accounts_in_id_token"`
}

// Tokens are token and code lifetimes.
type Tokens struct {
	AuthRequestTTL  time.Duration `yaml:"auth_request_ttl"`  // default 30m
	CodeTTL         time.Duration `yaml:"code_ttl"`          // default 60s
	AccessTokenTTL  time.Duration `yaml:"access_token_ttl"`  // default 5m
	IDTokenTTL      time.Duration `yaml:"id_token_ttl"`      // default 5m
	RefreshTokenTTL time.Duration `yaml:"refresh_token_ttl"` // default 12h
	// RefreshRetryGrace: a refresh token presented again this long after its
	// rotation, whose successor was never used, is a retry of a lost answer
	// (served again), not a replay (family revoked). Default 30s.
	RefreshRetryGrace time.Duration `yaml:"refresh_retry_grace"`
	// ACR is the acr claim of ID tokens from a sign-in with a password and
	// a second factor (every sign-in carekey completes). Default
	// https://refeds.org/profile/mfa.
	ACR string `yaml:"acr"`
}

// Sessions are browser sessions at the provider.
type Sessions struct {
	IdleTimeout     time.Duration `yaml:"idle_timeout"`     // default 15m
	AbsoluteTimeout time.Duration `yaml:"absolute_timeout"` // default 12h
}

// Branding is what users see.
type Branding struct {
	CouncilName string `yaml:"council_name"` // default "Norfolk County Council"
	ServiceName string `yaml:"service_name"` // default "Children's Services Portal", the guides' spelling
	// LogoURL is an https URL of the council's logo; LogoFile a logo
	// (.svg, .png, .jpg, .gif or .webp, at most 64 KiB) carekey reads at
	// start-up and serves at /brand/logo. Set at most one; with neither, the
	// pages show the council's name beside an embedded neutral mark.
	LogoURL  string `yaml:"logo_url"`
	LogoFile string `yaml:"logo_file"`
	// FaviconFile is the browser tab icon (.ico, .png or .svg, at most 64
	// KiB), served at /favicon.ico; default an embedded neutral mark.
	FaviconFile string `yaml:"favicon_file"`
	// Colours, "#rrggbb". PrimaryColor fills the header and buttons, with
	// PrimaryTextColor on it; LinkColor is for links on the white page.
	// Each pair must reach WCAG's 4.5:1 contrast.
	PrimaryColor     string `yaml:"primary_color"`      // default "#1d70b8"
	PrimaryTextColor string `yaml:"primary_text_color"` // default "#ffffff"
	LinkColor        string `yaml:"link_color"`         // default "#1d70b8"
	// Footer links (absolute http(s) URLs); each is shown only if set.
	HelpURL          string `yaml:"help_url"`
	AccessibilityURL string `yaml:"accessibility_url"` // the accessibility statement
	PrivacyURL       string `yaml:"privacy_url"`
	CookiesURL       string `yaml:"cookies_url"`
	ContactURL       string `yaml:"contact_url"`

	// PhaseBanner, "alpha" or "beta", shows GOV.UK's phase banner on every
	// page with a link to FeedbackURL; "" (the default) shows none.
	PhaseBanner string `yaml:"phase_banner"`
	FeedbackURL string `yaml:"feedback_url"`

	// Logo and Favicon hold the files LogoFile and FaviconFile name, read
	// by Load.
	Logo    []byte `yaml:"-"`
	Favicon []byte `yaml:"-"`
}

// Log is logging.
type Log struct {
	Level  string `yaml:"level"`  // debug | info (default) | warn | error
	Format string `yaml:"format"` // json (default) | text
}

// Dev holds dev-only settings; `idp serve` refuses a config that sets any.
type Dev struct {
	Enabled         bool   `yaml:"enabled"`          // memory backends, seeded users
	Outbox          bool   `yaml:"outbox"`           // dev outbox instead of real senders
	InsecureCookies bool   `yaml:"insecure_cookies"` // cookies without Secure, for http://localhost
	DashboardAddr   string `yaml:"dashboard_addr"`   // serve the reference dashboard here, e.g. ":8081"
	DashboardURL    string `yaml:"dashboard_url"`    // its public URL, e.g. "http://localhost:8081"
	DashboardSecret string `yaml:"dashboard_secret"` // the dashboard client's secret (dev only)
	SeedPassword    string `yaml:"seed_password"`    // the seeded users' password; empty: random, printed at start-up
}
