package app

import (
	"context"
	"errors"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/ratelimit"
	"github.com/carekey/carekey/internal/ratelimit/memlimit"
	"github.com/carekey/carekey/internal/ratelimit/redislimit"
	"github.com/carekey/carekey/internal/signin"
)

// errNoProvider is what a send returns when the config names no provider for
// the channel: the user sees "something went wrong" and the log says why.
var errNoProvider = errors.New("no provider configured for this channel (sms / voice sections)")

type unconfigured struct{}

func (unconfigured) SendSMS(context.Context, notify.SMS) error    { return errNoProvider }
func (unconfigured) PlaceCall(context.Context, notify.Call) error { return errNoProvider }

// newPhones builds phone confirmation (design.md §3.3) and registers it as
// the receiver of dev outbox key presses.
func (a *App) newPhones(cfg *config.Config, clk clock.Clock, pepper []byte) *signin.Phones {
	var limiter ratelimit.Limiter = memlimit.New(clk)
	if a.backends.Redis != nil {
		limiter = redislimit.New(a.backends.Redis, cfg.Redis.KeyPrefix+"rl:", clk)
	}
	sms, voice := a.senders.SMS, a.senders.Voice
	if sms == nil {
		sms = unconfigured{}
	}
	if voice == nil {
		voice = unconfigured{}
	}
	p := &signin.Phones{
		Flows:     a.backends.Flows,
		SMS:       sms,
		Voice:     voice,
		Templates: notify.Templates{ServiceName: cfg.Branding.ServiceName, CouncilName: cfg.Branding.CouncilName},
		Limiter:   limiter,
		Limits:    ratelimit.Defaults(),
		Pepper:    pepper,
		Clock:     clk,
	}
	a.pressHash = func(ctx context.Context, ref string) error { return p.CallAnswered(ctx, ref, true) }
	return p
}
