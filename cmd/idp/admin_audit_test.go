package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAdminAuditList(t *testing.T) {
	issuer := startDev(t)
	// The dev seed writes user.seeded for each demo user.
	code, out := idp(t, issuer, "audit", "list", "--user", "penny.plumber.portal@example.com")
	if code != 0 || !strings.Contains(out, "user.seeded") || !strings.Contains(out, "usr_penny") || strings.Contains(out, "usr_sam") {
		t.Fatalf("audit list --user: exit %d:\n%s", code, out)
	}
	// One page at a time, in JSON, following next.
	var page struct {
		Events []struct {
			ID     int64
			Type   string
			UserID string `json:"user_id"`
		}
		Next string
	}
	code, out = idp(t, issuer, "audit", "list", "--type", "user.seeded", "--limit", "1", "--output", "json")
	if err := json.Unmarshal([]byte(out), &page); code != 0 || err != nil || len(page.Events) != 1 || page.Next == "" {
		t.Fatalf("first page: exit %d, %v:\n%s", code, err, out)
	}
	first := page.Events[0]
	code, out = idp(t, issuer, "audit", "list", "--type", "user.seeded", "--limit", "1", "--after", page.Next, "--output", "json")
	page.Next = ""
	if err := json.Unmarshal([]byte(out), &page); code != 0 || err != nil || len(page.Events) != 1 || page.Events[0].ID <= first.ID || page.Events[0].UserID == first.UserID {
		t.Fatalf("second page after %d: exit %d, %v:\n%s", first.ID, code, err, out)
	}
	if code, _ := idp(t, issuer, "audit", "list", "--since", "yesterday"); code != 1 {
		t.Errorf("bad --since: exit %d, want 1", code)
	}
}
