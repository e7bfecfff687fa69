package app

import (
	"context"
	"strings"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/ratelimit/memlimit"
	"github.com/carekey/carekey/internal/ratelimit/redislimit"
	"github.com/carekey/carekey/internal/secret"
	"github.com/carekey/carekey/internal/signin"
	"github.com/carekey/carekey/internal/totp"
)

// newLimiter counts rate limits in Redis (production, under the configured
// key prefix, shared by every replica) or in memory (dev mode).
func (a *App) newLimiter(clk clock.Clock) ratelimit.Limiter {
	if a.backends.Redis != nil {
		return redislimit.New(a.backends.Redis, a.cfg.Redis.KeyPrefix+"rl:", clk)
	}
	return memlimit.New(clk)
}

// limits turns the rate_limits section into ratelimit.Limits.
func limits(c config.RateLimits) ratelimit.Limits {
	ls := ratelimit.Defaults()
	set := func(l *ratelimit.Limit, r config.RateLimit) { l.Max, l.Window = r.Max, r.Window }
	set(&ls.SigninPerIP, c.SigninPerIP)
	set(&ls.SigninPerAccount, c.SigninPerAccount)
	set(&ls.CodesPerPhone, c.CodesPerPhone)
	set(&ls.CallsPerPhone, c.CallsPerPhone)
	set(&ls.EmailCodesPerAddress, c.EmailCodesPerAddress)
	set(&ls.RegistrationsPerIP, c.RegistrationsPerIP)
	return ls
}

// newSignin builds the password step with the lockout and rate limits, and
// the saving of confirmed phones with the notices of a change.
func (a *App) newSignin(clk clock.Clock, hasher signin.Hasher) *signin.Service {
	cfg := a.cfg
	old, cutoff := oldPasswords(cfg.B2C) // b2c.go
	return &signin.Service{
		Users:     a.backends.Store,
		Hasher:    hasher,
		Clock:     clk,
		Logger:    a.logger,
		Lockout:   lockout(cfg.Lockout),
		Limiter:   a.newLimiter(clk),
		Limits:    limits(cfg.RateLimits),
		SMS:       a.senders.SMS,   // nil without a provider: the notice is audited as not sent
		Email:     a.senders.Email, // likewise
		Templates: brandedTemplates(cfg),
		// The lock notice goes in the background (a real provider), so the
		// wrong password that locks answers as fast as any other.
		LockNotices: a.backgroundEmail(),
		ResetURL:    strings.TrimSuffix(cfg.Issuer, "/") + "/forgot-password",
		// Users imported from Azure AD B2C: their first password is checked
		// at the old tenant until the cut-off (issue 15).
		OldPasswords:    old,
		MigrationCutoff: cutoff,
	}
}

// lockout turns the lockout section into the progressive policy.
func lockout(c config.Lockout) ratelimit.Lockout {
	l := ratelimit.DefaultLockout()
	l.Threshold, l.Base, l.Max = c.Threshold, c.Base, c.Max
	l.SourceBackoff.Max, l.SourceBackoff.Window = c.SourceBackoff.Max, c.SourceBackoff.Window
	return l
}

// backgroundEmail is the email sender for notices whose sending must not
// show in the answer's timing: in the background with a real provider; the
// dev outbox is immediate and needs no cover.
func (a *App) backgroundEmail() notify.EmailSender {
	email := a.emailSender()
	if a.senders.Outbox == nil {
		bg := notify.NewBackground(email, a.logger, 0)
		a.closers = append(a.closers, bg.Close)
		email = bg
	}
	return email
}

// brandedTemplates words messages with the deployment's branding.
func brandedTemplates(cfg *config.Config) notify.Templates {
	return notify.Templates{ServiceName: cfg.Branding.ServiceName, CouncilName: cfg.Branding.CouncilName}
}

// newJourney builds the sign-in journey (design.md §3.3): the password step
// with the lockout and rate limits, phone confirmation, and the session at
// the end; and registers it as the receiver of dev outbox key presses.
// Codes emailed before enrolment go to the account's address; wrong SMS
// codes are counted on the user (strikes, the accounts service).
// Authenticator app secrets are sealed with appCipher, the keyring of the
// signing keys (issue 16); the app is offered only with mfa.app.
func (a *App) newJourney(cfg *config.Config, clk clock.Clock, hasher signin.Hasher, pepper secret.Pepper, appCipher totp.Sealer) *signin.Journey {
	// Without a provider the channel is not offered (nil sender).
	sms, voice := a.senders.SMS, a.senders.Voice
	if sms == nil {
		a.logger.Warn("no SMS provider (sms.provider): Send Code is not offered")
	}
	if voice == nil {
		a.logger.Warn("no voice provider (voice.provider): Call Me is not offered")
	}
	accounts := a.newSignin(clk, hasher)
	accounts.AppCipher, accounts.AppIssuer = appCipher, cfg.Branding.ServiceName
	p := &signin.Journey{
		Accounts:        accounts,
		Sessions:        a.backends.Sessions,
		SessionIdle:     cfg.Sessions.IdleTimeout,
		SessionAbsolute: cfg.Sessions.AbsoluteTimeout,
		Flows:           a.backends.Flows,
		SMS:             sms,
		Voice:           voice,
		Templates:       brandedTemplates(cfg),
		Limiter:         a.newLimiter(clk),
		Limits:          limits(cfg.RateLimits),
		Pepper:          pepper,
		Clock:           clk,
		Audit:           a.backends.Store,
		Logger:          a.logger,
		Email:           a.emailSender(),
		Strikes:         accounts,
		ReadAhead:       a.readAheadAuthRequest,
		ClientOf:        a.clientOf,
		CodeTTL:         cfg.MFA.CodeTTL,
		MaxAttempts:     cfg.MFA.MaxAttempts,
		MaxSends:        cfg.MFA.MaxSends,
		Cooldown:        cfg.MFA.ResendCooldown,
		CallTimeout:     cfg.MFA.CallTimeout,
		App:             cfg.MFA.App,
	}
	a.pressHash = func(ctx context.Context, ref string) error {
		_, err := p.CallAnswered(ctx, ref, true)
		return err
	}
	return p
}

// readAheadAuthRequest has the auth request store read auth request id with
// the request's next Redis round trip, when it can (redisauth).
func (a *App) readAheadAuthRequest(ctx context.Context, id string) {
	if ra, ok := a.backends.State.(interface {
		ReadAheadAuthRequest(ctx context.Context, id string)
	}); ok {
		ra.ReadAheadAuthRequest(ctx, id)
	}
}

// clientOf names the client of auth request id ("" if it cannot be read):
// the request has usually read it ahead already.
func (a *App) clientOf(ctx context.Context, id string) string {
	r, err := a.backends.State.GetAuthRequest(ctx, id)
	if err != nil {
		return ""
	}
	return r.ClientID
}
