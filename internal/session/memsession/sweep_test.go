package memsession

import (
	"fmt"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/clock/clocktest"
	"github.com/carekey/carekey/internal/session"
)

// TestSweep proves that expired sessions do not pile up in memory.
func TestSweep(t *testing.T) {
	clk := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	m := New(clk)
	create := func(id string) {
		now := clk.Now()
		s := session.Session{ID: id, UserID: "u" + id, LastSeen: now, IdleTimeout: time.Minute, ExpiresAt: now.Add(time.Hour)}
		if err := m.Create(t.Context(), s); err != nil {
			t.Fatalf("Create: %v", err)
		}
	}
	for i := range 1000 {
		create(fmt.Sprint(i))
		clk.Advance(time.Minute)
	}
	if n := len(m.sessions); n > 128 {
		t.Errorf("%d sessions held after 1000 that each expired, want at most 128", n)
	}
	if n := len(m.byUser); n > 128 {
		t.Errorf("%d user index entries held, want at most 128", n)
	}
}
