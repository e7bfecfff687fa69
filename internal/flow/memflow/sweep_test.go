package memflow

import (
	"fmt"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/flow"
)

// TestSweep proves that flows past their grace period do not pile up in memory.
func TestSweep(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	m := New(clk)
	for i := range 1000 {
		if err := m.Create(t.Context(), flow.Flow{ID: fmt.Sprint(i), ExpiresAt: clk.Now()}); err != nil {
			t.Fatalf("Create: %v", err)
		}
		clk.Advance(GracePeriod)
	}
	if n := len(m.flows); n > 128 {
		t.Errorf("%d flows held after 1000 that each expired, want at most 128", n)
	}
}
