package memauth

import (
	"fmt"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/authstate"
	"github.com/carekey/carekey/internal/clock/clocktest"
)

// TestSweep proves that expired records do not pile up in memory.
func TestSweep(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	m := New(clk)
	ctx := t.Context()
	for i := range 1000 {
		id, end := fmt.Sprint(i), clk.Now().Add(time.Minute)
		if err := m.CreateAuthRequest(ctx, authstate.AuthRequest{ID: id, ExpiresAt: end}); err != nil {
			t.Fatalf("CreateAuthRequest: %v", err)
		}
		if err := m.SaveCode(ctx, id, id, end); err != nil {
			t.Fatalf("SaveCode: %v", err)
		}
		if err := m.CreateAccessToken(ctx, authstate.AccessToken{ID: id, ExpiresAt: end}); err != nil {
			t.Fatalf("CreateAccessToken: %v", err)
		}
		clk.Advance(time.Minute)
	}
	if n := len(m.requests) + len(m.codes) + len(m.tokens); n > 192 {
		t.Errorf("%d records held after 3000 that each expired, want at most 192", n)
	}
}
