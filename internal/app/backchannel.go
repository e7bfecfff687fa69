package app

import (
	"log/slog"

	"github.com/carekey/carekey/internal/backchannel"
	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/keys"
)

// newBackchannel builds the sender of back-channel logout tokens; App.Close
// stops its retries.
func (a *App) newBackchannel(cfg *config.Config, km *keys.Manager, clk clock.Clock, logger *slog.Logger) (*backchannel.Sender, error) {
	s, err := backchannel.New(backchannel.Config{
		Issuer:    cfg.Issuer,
		Clients:   cfg.Clients,
		Keys:      km,
		Algorithm: cfg.Keys.Algorithm,
		Clock:     clk,
		Logger:    logger,
	})
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, s.Close)
	return s, nil
}
