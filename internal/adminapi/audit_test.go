package adminapi_test

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/carekey/carekey/internal/store"
)

// eventIDs returns the ids of a page's events and its next cursor.
func eventIDs(t *testing.T, r result) ([]string, string) {
	t.Helper()
	evs, _ := r.body["events"].([]any)
	ids := []string{}
	for _, e := range evs {
		m := e.(map[string]any)
		ids = append(ids, strconv.FormatFloat(m["id"].(float64), 'f', -1, 64))
		if h, _ := m["hash"].(string); len(h) != 64 {
			t.Errorf("event %v: hash %q, want 64 hex digits", m["id"], h)
		}
	}
	next, _ := r.body["next"].(string)
	return ids, next
}

func TestListAudit(t *testing.T) {
	// Each query gets a fresh fixture with the same six events: every read is
	// itself audited (TestReadsAreAudited), after it is answered.
	seeded := func(t *testing.T) *fixture {
		t.Helper()
		f := newFixture(t)
		seedAudit(t, f)
		return f
	}
	f := seeded(t)
	all, err := f.st.ListAudit(t.Context(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	id := func(i int) string { return strconv.FormatInt(all[i].ID, 10) }
	for _, tc := range []struct {
		name     string
		query    string
		want     []string
		wantNext string
	}{
		{"everything", "", []string{id(0), id(1), id(2), id(3), id(4), id(5)}, ""},
		{"first page", "?limit=2", []string{id(0), id(1)}, id(1)},
		{"next page", "?limit=2&after=" + id(1), []string{id(2), id(3)}, id(3)},
		{"last page", "?limit=2&after=" + id(3), []string{id(4), id(5)}, ""},
		{"user", "?user=usr_penny", []string{id(0), id(2), id(4), id(5)}, ""},
		{"user paged", "?user=usr_penny&limit=1&after=" + id(0), []string{id(2)}, id(2)},
		{"type", "?type=user.locked", []string{id(5)}, ""},
		{"time range", "?since=" + now.Add(time.Hour).Format(time.RFC3339) + "&until=" + now.Add(3*time.Hour).Format(time.RFC3339), []string{id(1), id(2)}, ""},
		{"no match", "?user=nobody", []string{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := seeded(t)
			r := f.do(t, "admin", http.MethodGet, "/admin/v1/audit"+tc.query, "")
			expect(t, r, http.StatusOK)
			got, next := eventIDs(t, r)
			if !slices.Equal(got, tc.want) || next != tc.wantNext {
				t.Errorf("ids %v next %q, want %v next %q", got, next, tc.want, tc.wantNext)
			}
		})
	}
	listAuditRefusals(t, f)
}

// seedAudit appends the six events TestListAudit pages through.
func seedAudit(t *testing.T, f *fixture) {
	t.Helper()
	for i := range 5 {
		user := "usr_penny"
		if i%2 == 1 {
			user = "usr_other"
		}
		if err := f.st.AppendAudit(t.Context(), store.AuditEvent{Time: now.Add(time.Duration(i) * time.Hour),
			Type: "signin.password_failed", UserID: user, IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.st.AppendAudit(t.Context(), store.AuditEvent{Time: now.Add(5 * time.Hour), Type: "user.locked", UserID: "usr_penny"}); err != nil {
		t.Fatal(err)
	}
}

// listAuditRefusals: bad paging and filters are 400, and only admin clients read.
func listAuditRefusals(t *testing.T, f *fixture) {
	t.Helper()
	for _, tc := range []struct{ query, field string }{
		{"?limit=0", "limit"}, {"?limit=501", "limit"}, {"?after=x", "after"}, {"?since=yesterday", "since"}, {"?until=2025-03-03", "until"},
	} {
		expect(t, f.do(t, "admin", http.MethodGet, "/admin/v1/audit"+tc.query, ""), http.StatusBadRequest, tc.field)
	}
	expect(t, f.do(t, "", http.MethodGet, "/admin/v1/audit", ""), http.StatusUnauthorized)
	expect(t, f.do(t, "user", http.MethodGet, "/admin/v1/audit", ""), http.StatusForbidden)
}
