package adminapi

import (
	"context"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/carekey/carekey/internal/store"
	"github.com/carekey/carekey/pkg/adminclient"
)

// AuditLog reads the audit trail (store.Store).
type AuditLog interface {
	ListAudit(ctx context.Context, f store.AuditFilter) ([]store.AuditEvent, error)
}

// toAudit is an audit row as the API shows it, with its chain hashes in hex so a reader can check the links.
func toAudit(e store.AuditEvent) adminclient.AuditEvent {
	return adminclient.AuditEvent{ID: e.ID, Time: timePtr(e.Time), Type: e.Type, UserID: e.UserID, ClientID: e.ClientID,
		Actor: e.Actor, IP: e.IP, Detail: e.Detail, PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash)}
}

// listAudit: GET /audit?user=&type=&since=&until=&after=&limit=
// Rows come oldest first; next is the after of the following page.
func (a *API) listAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AuditFilter{UserID: q.Get("user"), Type: q.Get("type"), Limit: defaultPage}
	var bad []adminclient.FieldError
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPage {
			bad = append(bad, fieldError("limit", "must be a whole number from 1 to "+strconv.Itoa(maxPage)))
		}
		f.Limit = n
	}
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			bad = append(bad, fieldError("after", "must be the next value of the previous page"))
		}
		f.AfterID = n
	}
	for _, p := range []struct {
		name string
		into *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if s := q.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				bad = append(bad, fieldError(p.name, "must be RFC 3339, such as 2026-03-31T23:59:59Z"))
			}
			*p.into = t
		}
	}
	if len(bad) > 0 {
		writeProblem(w, r, validationProblem(bad...))
		return
	}
	limit := f.Limit
	f.Limit++ // one more tells whether a next page exists
	list, err := a.cfg.Audit.ListAudit(r.Context(), f)
	if err != nil {
		a.fail(w, r, err, "")
		return
	}
	out := adminclient.AuditPage{Events: []adminclient.AuditEvent{}}
	if len(list) > limit {
		list = list[:limit]
		out.Next = strconv.FormatInt(list[limit-1].ID, 10)
	}
	for _, e := range list {
		out.Events = append(out.Events, toAudit(e))
	}
	writeJSON(w, http.StatusOK, out)
}
