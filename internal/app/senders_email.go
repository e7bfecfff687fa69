package app

import (
	"fmt"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/notify"
	"github.com/carekey/carekey/internal/notify/govuknotify"
	"github.com/carekey/carekey/internal/notify/smtp"
)

// openEmailSender builds the email sender from the email section: an SMTP
// relay or GOV.UK Notify. With no provider it returns nil (dev mode uses the
// outbox; serve's config validation requires a provider).
func openEmailSender(cfg *config.Config, clk clock.Clock) (notify.EmailSender, error) {
	e := cfg.Email
	switch e.Provider {
	case "":
		return nil, nil
	case "smtp":
		s, err := smtp.New(smtp.Config{
			Host:     e.SMTP.Host,
			Port:     e.SMTP.Port,
			Username: e.SMTP.Username,
			Password: e.SMTP.Password,
			From:     e.From,
			TLS:      e.SMTP.TLS,
			Clock:    clk,
		})
		if err != nil {
			return nil, fmt.Errorf("email.smtp: %w", err)
		}
		return s, nil
	case "govuknotify":
		c, err := govuknotify.New(govuknotify.Config{
			BaseURL:        e.GOVUKNotify.BaseURL,
			APIKey:         e.GOVUKNotify.APIKey,
			EmailTemplates: e.GOVUKNotify.Templates,
			Clock:          clk,
		})
		if err != nil {
			return nil, fmt.Errorf("email.govuknotify: %w", err)
		}
		return c, nil
	default:
		return nil, fmt.Errorf("email.provider: unknown provider %q", e.Provider)
	}
}
