package roundtrips

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// Kind says what a round trip carried.
type Kind string

// The kinds of round trip a Counter tells apart.
const (
	Query   Kind = "query"   // one statement: Query, QueryRow, Exec, BEGIN, COMMIT
	Batch   Kind = "batch"   // a batch of statements in one pipeline
	Prepare Kind = "prepare" // a statement prepared for the statement cache
	Connect Kind = "connect" // a new connection
)

// Trip is one round trip.
type Trip struct {
	Step string   // the label set by Counter.Step when it started
	Kind Kind     // what it carried
	SQL  []string // its statements, whitespace collapsed (none for Connect)
}

// Counter is a pgx tracer (pgx.QueryTracer, BatchTracer, PrepareTracer,
// ConnectTracer) that records every round trip under the current step. It is
// safe for concurrent use.
type Counter struct {
	mu    sync.Mutex
	step  string
	trips []Trip
}

var (
	_ pgx.QueryTracer   = (*Counter)(nil)
	_ pgx.BatchTracer   = (*Counter)(nil)
	_ pgx.PrepareTracer = (*Counter)(nil)
	_ pgx.ConnectTracer = (*Counter)(nil)
)

// New returns a Counter whose step is "".
func New() *Counter { return &Counter{} }

// Step labels the round trips that start from now on.
func (c *Counter) Step(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.step = name
}

// Trips returns the round trips recorded under step.
func (c *Counter) Trips(step string) []Trip {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Trip
	for _, t := range c.trips {
		if t.Step == step {
			out = append(out, t)
		}
	}
	return out
}

// Count returns how many round trips were recorded under step.
func (c *Counter) Count(step string) int { return len(c.Trips(step)) }

// Report lists the round trips of steps, one line each, with a count per step.
func (c *Counter) Report(steps ...string) string {
	var b strings.Builder
	for _, s := range steps {
		trips := c.Trips(s)
		fmt.Fprintf(&b, "%s: %d round trips\n", s, len(trips))
		for _, t := range trips {
			fmt.Fprintf(&b, "\t%s %s\n", t.Kind, strings.Join(t.SQL, " ; "))
		}
	}
	return b.String()
}

func (c *Counter) add(k Kind, sql ...string) {
	for i, s := range sql {
		sql[i] = strings.Join(strings.Fields(s), " ")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trips = append(c.trips, Trip{Step: c.step, Kind: k, SQL: sql})
}

// TraceQueryStart records a statement sent on its own.
func (c *Counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.add(Query, d.SQL)
	return ctx
}

// TraceQueryEnd does nothing.
func (c *Counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart records a batch.
func (c *Counter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	var sql []string
	if d.Batch != nil {
		for _, q := range d.Batch.QueuedQueries {
			sql = append(sql, q.SQL)
		}
	}
	c.add(Batch, sql...)
	return ctx
}

// TraceBatchQuery does nothing.
func (c *Counter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd does nothing.
func (c *Counter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

type prepareKey struct{}

// TracePrepareStart remembers the statement; TracePrepareEnd records it if
// the connection had not prepared it yet.
func (c *Counter) TracePrepareStart(ctx context.Context, _ *pgx.Conn, d pgx.TracePrepareStartData) context.Context {
	return context.WithValue(ctx, prepareKey{}, d.SQL)
}

// TracePrepareEnd records a preparation that went to the server.
func (c *Counter) TracePrepareEnd(ctx context.Context, _ *pgx.Conn, d pgx.TracePrepareEndData) {
	if d.AlreadyPrepared {
		return
	}
	sql, _ := ctx.Value(prepareKey{}).(string)
	c.add(Prepare, sql)
}

// TraceConnectStart does nothing.
func (c *Counter) TraceConnectStart(ctx context.Context, _ pgx.TraceConnectStartData) context.Context {
	return ctx
}

// TraceConnectEnd records a new connection.
func (c *Counter) TraceConnectEnd(context.Context, pgx.TraceConnectEndData) { c.add(Connect) }
