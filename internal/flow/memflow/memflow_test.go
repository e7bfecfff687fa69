package memflow_test

import (
	"testing"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/flow"
	"github.com/carekey/carekey/internal/flow/flowtest"
	"github.com/carekey/carekey/internal/flow/memflow"
)

func TestConformance(t *testing.T) {
	flowtest.Run(t, func(t *testing.T, clk *clocktest.Clock) flow.Store {
		return memflow.New(clk)
	})
}
