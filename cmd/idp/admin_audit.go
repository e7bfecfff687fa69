package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carekey/carekey/pkg/adminclient"
)

// auditFilter holds the flags of `idp admin audit list`.
type auditFilter struct {
	user, typ, since, until, after *string
}

func auditFlags(fs *flag.FlagSet) auditFilter {
	return auditFilter{
		user:  fs.String("user", "", "audit list: only events about this user (ID or email)"),
		typ:   fs.String("type", "", "audit list: only events of this type"),
		since: fs.String("since", "", "audit list: only events at or after this time, RFC 3339"),
		until: fs.String("until", "", "audit list: only events before this time, RFC 3339"),
		after: fs.String("after", "", "audit list: start after this event ID (the next of a previous page)"),
	}
}

// listAudit prints audit events, oldest first: every page, or with --limit
// one page followed by the --after that continues it.
func (c *adminCmd) listAudit(ctx context.Context, f auditFilter, limit int) error {
	opts := adminclient.AuditOptions{Type: *f.typ, After: *f.after, Limit: limit}
	for _, t := range []struct {
		flag string
		s    string
		into *time.Time
	}{{"--since", *f.since, &opts.Since}, {"--until", *f.until, &opts.Until}} {
		if t.s == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.s)
		if err != nil {
			return fmt.Errorf("%s: must be RFC 3339, such as 2026-03-31T23:59:59Z", t.flag)
		}
		*t.into = v
	}
	if *f.user != "" {
		id, err := c.userID(ctx, *f.user)
		if err != nil {
			return err
		}
		opts.UserID = id
	}
	var (
		all  []adminclient.AuditEvent
		next string
	)
	for {
		page, err := c.client.ListAudit(ctx, opts)
		if err != nil {
			return err
		}
		all = append(all, page.Events...)
		next = page.Next
		if next == "" || limit > 0 { // --limit: one page
			break
		}
		opts.After = next
	}
	if c.json {
		return c.printJSON(adminclient.AuditPage{Events: all, Next: next})
	}
	rows := make([][]string, len(all))
	for i, e := range all {
		var detail []string
		for _, k := range slices.Sorted(maps.Keys(e.Detail)) {
			detail = append(detail, k+"="+e.Detail[k])
		}
		rows[i] = []string{strconv.FormatInt(e.ID, 10), timeOrDash(e.Time), e.Type, orDash(e.UserID), orDash(e.Actor), orDash(e.IP), orDash(strings.Join(detail, ","))}
	}
	if err := c.table("ID TIME TYPE USER ACTOR IP DETAIL", rows); err != nil {
		return err
	}
	if next != "" {
		_, err := fmt.Fprintf(c.out, "more: --after %s\n", next)
		return err
	}
	return nil
}
