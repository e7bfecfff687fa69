package storetest

import (
	"testing"
	"time"

	"github.com/carekey/carekey/internal/store"
)

func testAudit(t *testing.T, s store.Store) {
	ctx := t.Context()
	if err := s.AppendAudit(ctx); err != nil {
		t.Fatalf("AppendAudit(): %v", err)
	}
	evs := []store.AuditEvent{
		{Time: base, Type: "user.created", UserID: "u1", Actor: "user", IP: "192.0.2.1",
			Detail: map[string]string{"client": "portal", "journey": "registration"}},
		{Time: base.Add(time.Second + 999), Type: "signin.password_failed", UserID: "u1", ClientID: "portal", Actor: "user", IP: "2001:db8::1"},
		{Time: base.Add(2 * time.Second), Type: "user.created", UserID: "u2", Actor: "admin:console"},
		{Time: base.Add(3 * time.Second), Type: "keys.rotated", Actor: "system"},
	}
	if err := s.AppendAudit(ctx, evs[:2]...); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	if err := s.AppendAudit(ctx, evs[2:]...); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	all := auditEvents(t, s, store.AuditFilter{})
	checkEvents(t, all, evs)
	for i := 1; i < len(all); i++ {
		if all[i].ID <= all[i-1].ID {
			t.Errorf("IDs not increasing: %d then %d", all[i-1].ID, all[i].ID)
		}
	}
	if all[0].ID == 0 {
		t.Errorf("first event has ID 0: the store must assign IDs")
	}
	for _, tc := range []struct {
		name string
		have store.AuditFilter
		want []store.AuditEvent
	}{
		{"user", store.AuditFilter{UserID: "u1"}, evs[:2]},
		{"type", store.AuditFilter{Type: "user.created"}, []store.AuditEvent{evs[0], evs[2]}},
		{"user and type", store.AuditFilter{UserID: "u2", Type: "user.created"}, evs[2:3]},
		{"limit keeps the oldest", store.AuditFilter{Limit: 3}, evs[:3]},
		{"limit with filter", store.AuditFilter{Type: "user.created", Limit: 1}, evs[:1]},
		{"no match", store.AuditFilter{UserID: "nobody"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEvents(t, auditEvents(t, s, tc.have), tc.want)
		})
	}
	// Later events get higher IDs than earlier ones.
	if err := s.AppendAudit(ctx, store.AuditEvent{Time: base, Type: "late"}); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}
	late := auditEvents(t, s, store.AuditFilter{Type: "late"})
	if len(late) != 1 || late[0].ID <= all[len(all)-1].ID {
		t.Errorf("late event = %+v, want an ID above %d", late, all[len(all)-1].ID)
	}
}
