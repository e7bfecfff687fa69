package memauth_test

import (
	"testing"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/authstate/authstatetest"
	"github.com/carekey/carekey/internal/authstate/memauth"
	"github.com/carekey/carekey/internal/clock/clocktest"
)

func TestConformance(t *testing.T) {
	authstatetest.Run(t, func(t *testing.T, clk *clocktest.Clock) authstate.Store {
		return memauth.New(clk)
	})
}
