package store_test

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/store"
)

// The canonical content is pinned: rows already in a database were hashed
// with it (and migration 0005 computes the same bytes in SQL), so changing it
// would break every existing chain.
func TestAuditContentIsPinned(t *testing.T) {
	for _, tc := range []struct {
		name string
		have store.AuditEvent
		want string
	}{
		{"empty", store.AuditEvent{}, "1:00:0:0:0:0:0:1:0"},
		{"full", store.AuditEvent{ID: 42, Time: time.Date(2025, 3, 3, 9, 0, 0, 123456000, time.FixedZone("CET", 3600)),
			Type: "user.created", UserID: "u1", ClientID: "portal", Actor: "user", IP: "2001:db8::1",
			Detail: map[string]string{"b": "2", "B": "ü", "a": ""}},
			"2:4216:174098880012345612:user.created2:u16:portal4:user11:2001:db8::11:31:B2:ü1:a0:1:b1:2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(store.AuditContent(tc.have)); got != tc.want {
				t.Errorf("AuditContent = %q\nwant           %q", got, tc.want)
			}
		})
	}
	zero := make([]byte, store.AuditHashSize)
	got := hex.EncodeToString(store.AuditHash(zero, store.AuditEvent{ID: 1, Type: "t"}))
	// (head -c 32 /dev/zero; printf '1:10:1:t0:0:0:0:1:0') | sha256sum
	const want = "867a78fd0bab8abfffb300c9b682a100150a742151042b7d3ce1ed151f59d249"
	if got != want {
		t.Errorf("AuditHash = %s, want %s", got, want)
	}
}
