package app

import (
	"fmt"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
)

// openProductionSenders builds the real senders from the email, sms and voice
// sections of the config.
func (a *App) openProductionSenders(cfg *config.Config, clk clock.Clock) error {
	email, err := openEmailSender(cfg, clk)
	if err != nil {
		return fmt.Errorf("email sender: %w", err)
	}
	sms, voice, err := openPhoneSenders(cfg, clk)
	if err != nil {
		return fmt.Errorf("phone senders: %w", err)
	}
	a.senders = Senders{Email: email, SMS: sms, Voice: voice}
	return nil
}
