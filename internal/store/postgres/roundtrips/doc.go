// Package roundtrips counts the round trips a pgx connection pool makes to
// PostgreSQL, for tests that hold a journey to a budget (issue 13).
//
//	c := roundtrips.New()
//	s, err := postgres.Open(ctx, postgres.Config{URL: url, Tracer: c})
//	c.Step("password")
//	… one request …
//	if n := c.Count("password"); n > 1 { t.Errorf("%d round trips:\n%s", n, c) }
//
// A Counter is a pgx tracer. Each statement sent on its own (Query, QueryRow,
// Exec, and so BEGIN and COMMIT) is one round trip; a batch (SendBatch, a
// pipeline ended by one Sync) is one; preparing a statement the connection
// had not prepared yet is one more (the statement cache makes that happen
// once per connection and statement), and so is opening a connection.
// What pgx does without a tracer hook is not seen: the pool's liveness ping
// of a connection idle for more than a second, and the preparation of a
// batch's new statements inside the batch's own pipeline (one more round
// trip, once per connection and statement).
package roundtrips
