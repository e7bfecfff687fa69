package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/notify/outbox"
)

// Senders are the channels carekey sends messages by. In dev mode (dev.outbox)
// all three are the dev outbox; in production they come from the email, sms
// and voice sections of the config.
type Senders struct {
	Email  notify.EmailSender
	SMS    notify.SMSSender
	Voice  notify.VoiceCaller
	Outbox *outbox.Outbox // dev only; nil in production
}

// errNoCallPending answers a press-hash for a call no journey is waiting for.
var errNoCallPending = errors.New("app: no sign-in is waiting for this call")

// openSenders builds the senders. The voice journey registers itself as the
// receiver of outbox key presses through a.pressHash.
func (a *App) openSenders(cfg *config.Config, clk clock.Clock) error {
	if cfg.Dev.Outbox {
		o := outbox.New(clk, func(ctx context.Context, ref string) error {
			if a.pressHash == nil {
				return errNoCallPending
			}
			return a.pressHash(ctx, ref)
		})
		a.senders = Senders{Email: o, SMS: o, Voice: o, Outbox: o}
		return nil
	}
	// Production senders are configured by the email, sms and voice sections.
	return a.openProductionSenders(cfg, clk)
}

// Senders returns the senders in use (tests read the dev outbox through it).
func (a *App) Senders() Senders { return a.senders }

// mounts are the extra routes web serves: the dev outbox in dev mode.
func (a *App) mounts() map[string]http.Handler {
	m := map[string]http.Handler{}
	if o := a.senders.Outbox; o != nil {
		m["/dev/"] = o.Handler()
	}
	return m
}
