package adminclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// AuditOptions filter and page audit events; zero fields match everything.
type AuditOptions struct {
	UserID string
	Type   string
	Since  time.Time // at or after
	Until  time.Time // before
	After  string
	Limit  int // 0: the server's default (100)
}

// ListAudit returns one page of audit events, oldest first.
func (c *Client) ListAudit(ctx context.Context, o AuditOptions) (AuditPage, error) {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("user", o.UserID)
	set("type", o.Type)
	set("after", o.After)
	if !o.Since.IsZero() {
		q.Set("since", o.Since.UTC().Format(time.RFC3339Nano))
	}
	if !o.Until.IsZero() {
		q.Set("until", o.Until.UTC().Format(time.RFC3339Nano))
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	path := "/audit"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var page AuditPage
	_, err := c.do(ctx, http.MethodGet, path, nil, &page)
	return page, err
}
