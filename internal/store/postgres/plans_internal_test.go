package postgres

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The store's sessions use one generic plan per statement (genericPlans),
// which cannot rely on a parameter's value to match a partial index's
// predicate. On tables big enough for an index to pay, each statement that
// looks rows up by a column other than the primary key must still use its
// index, not scan the table.
func TestGenericPlansUseTheIndexes(t *testing.T) {
	ctx := t.Context()
	s := openInternal(t)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO users (id, email, external_id)
			SELECT 'usr_' || g, 'u' || g || '@example.com', CASE WHEN g % 2 = 0 THEN 'ext-' || g END
			FROM generate_series(1, 4000) g`,
		`INSERT INTO refresh_tokens (id, family_id, client_id, user_id, session_id, parent_id)
			SELECT 'rt' || g, 'rtf_' || g, 'c', 'usr_' || g, 'ses_' || g, CASE WHEN g % 2 = 0 THEN 'rt' || (g - 1) ELSE '' END
			FROM generate_series(1, 4000) g`,
		`ANALYZE users`,
		`ANALYZE refresh_tokens`,
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	params := regexp.MustCompile(`\$(\d+)`)
	for _, c := range []struct{ name, sql, table string }{
		{"RetryRefreshRotation", retryRotationSQL, "refresh_tokens"},
		{"GetUserByExternalID", userByExternalIDSQL, "users"},
	} {
		n := 0
		for _, m := range params.FindAllStringSubmatch(c.sql, -1) {
			k, _ := strconv.Atoi(m[1])
			n = max(n, k)
		}
		nulls := strings.TrimSuffix(strings.Repeat("NULL, ", n), ", ")
		if _, err := conn.Exec(ctx, "PREPARE plan_check AS "+c.sql); err != nil {
			t.Fatalf("%s: prepare: %v", c.name, err)
		}
		rows, err := conn.Query(ctx, "EXPLAIN EXECUTE plan_check("+nulls+")")
		if err != nil {
			t.Fatalf("%s: explain: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if p := strings.Join(plan, "\n"); strings.Contains(p, "Seq Scan on "+c.table) {
			t.Errorf("%s scans %s:\n%s", c.name, c.table, p)
		}
		if _, err := conn.Exec(ctx, "DEALLOCATE plan_check"); err != nil {
			t.Fatal(err)
		}
	}
}
