package app

import (
	"context"
	"errors"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/recovery"
	"github.com/carekey/carekey/internal/registration"
	"github.com/carekey/carekey/internal/secret"
)

// passwordPolicy turns the password_policy section (defaults filled by
// config) into a password.Policy.
func passwordPolicy(c config.PasswordPolicy) password.Policy {
	on := func(b *bool) bool { return b == nil || *b }
	return password.Policy{
		MinLength:                 c.MinLength,
		RequireLetter:             on(c.RequireLetter),
		OnlyLettersDigitsSpecials: on(c.OnlyAllowedChars),
		StartWithLetter:           on(c.StartWithLetter),
		RequireUpper:              on(c.RequireUpper),
		RequireDigit:              on(c.RequireDigit),
		RequireSpecial:            on(c.RequireSpecial),
		Specials:                  c.Specials,
		HistorySize:               c.HistorySize,
	}
}

// hashLimits bounds the argon2id work (password_policy.hash_concurrency and
// hash_queue): beyond them a request is answered 503 with Retry-After.
func hashLimits(c config.PasswordPolicy) password.Limits {
	return password.Limits{Concurrency: c.HashConcurrency, Queue: c.HashQueue}
}

// emailSender is the email sender, or one that fails every send (logged at
// start-up) when no provider is configured.
func (a *App) emailSender() notify.EmailSender {
	if a.senders.Email != nil {
		return a.senders.Email
	}
	a.logger.Warn("no email provider (email.provider): registration and password reset emails will fail")
	return unconfiguredEmail{}
}

// errNoEmailProvider is what a send returns when the config names no email provider.
var errNoEmailProvider = errors.New("no email provider configured (email section)")

type unconfiguredEmail struct{}

func (unconfiguredEmail) SendEmail(context.Context, notify.Email) error { return errNoEmailProvider }

// newRegistration builds the registration journey (design.md §3.1).
func (a *App) newRegistration(cfg *config.Config, clk clock.Clock, hasher *password.Hasher, pepper secret.Pepper) *registration.Service {
	return &registration.Service{
		Flows:     a.backends.Flows,
		Users:     a.backends.Store,
		Hasher:    hasher,
		Policy:    passwordPolicy(cfg.PasswordPolicy),
		Email:     a.emailSender(),
		Templates: notify.Templates{ServiceName: cfg.Branding.ServiceName, CouncilName: cfg.Branding.CouncilName},
		Pepper:    pepper,
		Clock:     clk,
		BaseURL:   cfg.Issuer,
		Limiter:   a.newLimiter(clk),
		Limits:    limits(cfg.RateLimits),
		Logger:    a.logger,
	}
}

// recoveryWorkers and recoveryQueue size forgot password's background jobs:
// each looks an address up and hands a code to the sender, so a few workers
// keep up; a burst beyond the queue is dropped (logged), never waited for.
const recoveryWorkers, recoveryQueue = 4, 1024

// newRecovery builds the forgotten-password journey (design.md §3.4).
// Every address's lookup, rendering and sending run in one background job
// (notify.Jobs), so that the answer takes the same time for an address with
// an account (a code is emailed) and one without (nothing is); a real email
// provider also sends with retries (notify.Background). The dev outbox
// waits for the jobs before it lists messages. Sessions a reset ends get
// back-channel logout.
func (a *App) newRecovery(cfg *config.Config, clk clock.Clock, hasher *password.Hasher, pepper secret.Pepper, logout recovery.LogoutNotifier) *recovery.Service {
	email := a.emailSender()
	if a.senders.Outbox == nil {
		bg := notify.NewBackground(email, a.logger, 0)
		a.closers = append(a.closers, bg.Close)
		email = bg
	}
	jobs := notify.NewJobs(a.logger, recoveryWorkers, recoveryQueue)
	a.closers = append(a.closers, jobs.Close) // closed before bg: its last jobs may still send
	if o := a.senders.Outbox; o != nil {
		o.Settle(jobs.Wait)
	}
	return &recovery.Service{
		Jobs:      jobs,
		Logout:    logout,
		Flows:     a.backends.Flows,
		Users:     a.backends.Store,
		Sessions:  a.backends.Sessions,
		Hasher:    hasher,
		Policy:    passwordPolicy(cfg.PasswordPolicy),
		Email:     email,
		Templates: notify.Templates{ServiceName: cfg.Branding.ServiceName, CouncilName: cfg.Branding.CouncilName},
		Pepper:    pepper,
		Clock:     clk,
		Limiter:   a.newLimiter(clk),
		Limits:    limits(cfg.RateLimits),
		Logger:    a.logger,
	}
}
