package config

import "time"

// applyDefaults fills every unset field that has a default. It is the one
// place defaults live; types.go documents each beside its field.
func applyDefaults(c *Config) {
	setDefault(&c.HTTP.Addr, ":8080")
	setDefault(&c.HTTP.MaxBodyBytes, 65536)
	setDefault(&c.HTTP.ReadHeaderTimeout, 5*time.Second)
	setDefault(&c.HTTP.ReadTimeout, 15*time.Second)
	setDefault(&c.HTTP.WriteTimeout, 30*time.Second)
	setDefault(&c.HTTP.IdleTimeout, 120*time.Second)
	setDefault(&c.HTTP.ShutdownTimeout, 20*time.Second)

	setDefault(&c.Postgres.Migrate, "manual")
	setDefault(&c.Postgres.MaxConns, 20)
	setDefault(&c.Postgres.ConnectTimeout, 5*time.Second)
	setDefault(&c.Postgres.QueryTimeout, 5*time.Second)

	setDefault(&c.Redis.KeyPrefix, "carekey:")
	setDefault(&c.Redis.DialTimeout, 2*time.Second)
	setDefault(&c.Redis.ReadTimeout, time.Second)
	setDefault(&c.Redis.WriteTimeout, time.Second)

	setDefault(&c.Keys.Algorithm, "ES256")
	setDefault(&c.Keys.RotationPeriod, 720*time.Hour)

	for i := range c.Clients {
		cl := &c.Clients[i]
		if cl.Public {
			setDefault(&cl.AuthMethod, "none")
		} else {
			setDefault(&cl.AuthMethod, "client_secret_basic")
		}
	}

	setDefault(&c.Tokens.AuthRequestTTL, 30*time.Minute)
	setDefault(&c.Tokens.CodeTTL, 60*time.Second)
	setDefault(&c.Tokens.AccessTokenTTL, 5*time.Minute)
	setDefault(&c.Tokens.IDTokenTTL, 5*time.Minute)
	setDefault(&c.Tokens.RefreshTokenTTL, 12*time.Hour)
	setDefault(&c.Tokens.RefreshRetryGrace, 30*time.Second)
	setDefault(&c.Tokens.ACR, "https://refeds.org/profile/mfa")

	setDefault(&c.Sessions.IdleTimeout, 15*time.Minute)
	setDefault(&c.Sessions.AbsoluteTimeout, 12*time.Hour)

	setDefault(&c.Branding.CouncilName, "Norfolk County Council")
	setDefault(&c.Branding.ServiceName, "Children's Services Portal")
	setDefault(&c.Branding.PrimaryColor, DefaultPrimaryColor)
	setDefault(&c.Branding.PrimaryTextColor, "#ffffff")
	if isColor(c.Branding.PrimaryColor) { // else validate reports primary_color alone
		setDefault(&c.Branding.LinkColor, c.Branding.PrimaryColor)
	}

	setDefault(&c.Log.Level, "info")
	setDefault(&c.Log.Format, "json")
	applyEmailDefaults(c) // email.go

	applyPhoneDefaults(c)         // mfa, lockout, rate_limits (phone.go)
	applyObservabilityDefaults(c) // metrics, tracing (observability.go)
	applyB2CDefaults(c)           // b2c.go
}

func setDefault[T comparable](field *T, value T) {
	var zero T
	if *field == zero {
		*field = value
	}
}
