package postgres_test

import (
	"context"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carekey/carekey/internal/store/postgres"
	"github.com/carekey/carekey/internal/testenv"
)

// countingTracer stands in for the OpenTelemetry tracer app composes with
// the deadlines.
type countingTracer struct{ starts, ends atomic.Int32 }

func (c *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.starts.Add(1)
	return ctx
}

func (c *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {
	c.ends.Add(1)
}

// A Config.Tracer sees every statement, and the per-statement deadline still
// holds beside it: a blackholed database fails a query within QueryTimeout.
func TestTracerKeepsTheDeadlines(t *testing.T) {
	u, err := url.Parse(testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	tr := &countingTracer{}
	s, err := postgres.Open(t.Context(), postgres.Config{URL: u.String(), MaxConns: 2, QueryTimeout: 300 * time.Millisecond, Tracer: tr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if _, err := s.Pool().Exec(t.Context(), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if tr.starts.Load() == 0 || tr.ends.Load() != tr.starts.Load() {
		t.Errorf("tracer saw %d starts and %d ends", tr.starts.Load(), tr.ends.Load())
	}
	proxy.Blackhole()
	began := time.Now()
	if _, err := s.Pool().Exec(t.Context(), "SELECT 1"); err == nil {
		t.Fatal("a query to a blackholed database succeeded")
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("the query took %v: the deadline was lost", took)
	}
	proxy.Cut() // the pool closes its connections at once
}

// A replica starting against a database that accepts connections and never
// answers gives up after ConnectTimeout with an error naming the server, not
// never (issue 11: a starting replica hung forever).
func TestOpenGivesUpOnASilentDatabase(t *testing.T) {
	u, err := url.Parse(testenv.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, u.Host)
	proxy.Blackhole()
	u.Host = proxy.Addr()
	began := time.Now()
	_, err = postgres.Open(t.Context(), postgres.Config{URL: u.String(), MaxConns: 2, ConnectTimeout: 500 * time.Millisecond})
	if err == nil {
		t.Fatal("Open succeeded against a silent database")
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("Open gave up after %v with a 500ms connect timeout", took)
	}
	if !strings.Contains(err.Error(), proxy.Addr()) || !strings.Contains(err.Error(), "postgres.connect_timeout") {
		t.Errorf("error %q does not name the server and the setting", err)
	}
}
