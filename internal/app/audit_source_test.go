package app_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/store"
)

// TestSecurityEventsCarryTheirSource (issue 10, point 16): a whole life of a
// sign-in — password, phone, token issue, a stolen refresh token replayed,
// sign-out — and an admin's read are each in the audit trail, with the
// client's address as a trusted proxy reported it.
func TestSecurityEventsCarryTheirSource(t *testing.T) {
	const client = "203.0.113.9"
	backendsWith(t, func(c *config.Config) {
		c.HTTP.TrustedProxies = []string{"127.0.0.0/8", "::1/128"}
		replayAfterGrace(c)
	}, func(t *testing.T, e *env) {
		before, err := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		hc := e.srv.Client()
		hc.Transport = forwardedFor{next: hc.Transport, ip: client} // proxy_test.go
		browser := e.browser()
		tok := e.offlineTokens(t, browser)
		next := e.refresh(t, "dashboard", dashSecret, tok.RefreshToken, http.StatusOK)
		e.refresh(t, "dashboard", dashSecret, tok.RefreshToken, http.StatusBadRequest) // replayed: the family dies
		if next["refresh_token"] == nil {
			t.Fatal("no rotated refresh token")
		}
		e.signOut(t, browser)
		e.admin(t, http.MethodGet, "/admin/v1/users?email="+testEmail, "", http.StatusOK)

		events, err := e.app.Backends().Store.ListAudit(t.Context(), store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, ev := range events[len(before):] { // not the seed data's
			types = append(types, ev.Type)
			if ev.IP != client {
				t.Errorf("%s recorded from %q, want %q", ev.Type, ev.IP, client)
			}
		}
		for _, want := range []string{"token.issued", "token.refresh_reuse", "session.ended", "admin.read"} {
			if !slices.Contains(types, want) {
				t.Errorf("no %s event in the audit trail: %v", want, types)
			}
		}
	})
}
