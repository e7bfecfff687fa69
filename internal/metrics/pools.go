package metrics

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// redisPool reads go-redis's pool statistics at each scrape.
type redisPool struct {
	stats                  func() *redis.PoolStats
	hits, misses, timeouts *prometheus.Desc
	conns                  *prometheus.Desc
}

// RedisPool registers a collector of stats (a client's PoolStats method).
func (m *Metrics) RedisPool(stats func() *redis.PoolStats) error {
	return m.reg.Register(&redisPool{
		stats:    stats,
		hits:     prometheus.NewDesc(RedisPoolHits, "Times a free Redis connection was found in the pool.", nil, nil),
		misses:   prometheus.NewDesc(RedisPoolMisses, "Times no free Redis connection was found in the pool.", nil, nil),
		timeouts: prometheus.NewDesc(RedisPoolTimeouts, "Times a wait for a Redis connection timed out.", nil, nil),
		conns:    prometheus.NewDesc(RedisPoolConns, "Redis connections by state (total, idle, stale: removed so far).", []string{"state"}, nil),
	})
}

func (c *redisPool) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.hits
	ch <- c.misses
	ch <- c.timeouts
	ch <- c.conns
}

func (c *redisPool) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	if s == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.hits, prometheus.CounterValue, float64(s.Hits))
	ch <- prometheus.MustNewConstMetric(c.misses, prometheus.CounterValue, float64(s.Misses))
	ch <- prometheus.MustNewConstMetric(c.timeouts, prometheus.CounterValue, float64(s.Timeouts))
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.TotalConns), "total")
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.IdleConns), "idle")
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.StaleConns), "stale")
}

// postgresPool reads pgxpool's statistics at each scrape.
type postgresPool struct {
	stat                         func() *pgxpool.Stat
	conns, acquires, wait, empty *prometheus.Desc
}

// PostgresPool registers a collector of stat (a pool's Stat method).
func (m *Metrics) PostgresPool(stat func() *pgxpool.Stat) error {
	return m.reg.Register(&postgresPool{
		stat:     stat,
		conns:    prometheus.NewDesc(PostgresPoolConns, "PostgreSQL connections by state (total, idle, acquired, constructing, max).", []string{"state"}, nil),
		acquires: prometheus.NewDesc(PostgresAcquires, "Connections acquired from the PostgreSQL pool.", nil, nil),
		wait:     prometheus.NewDesc(PostgresAcquireWait, "Total time spent waiting for a PostgreSQL connection.", nil, nil),
		empty:    prometheus.NewDesc(PostgresEmptyAcquire, "Acquires that had to wait because the PostgreSQL pool was empty.", nil, nil),
	})
}

func (c *postgresPool) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.conns
	ch <- c.acquires
	ch <- c.wait
	ch <- c.empty
}

func (c *postgresPool) Collect(ch chan<- prometheus.Metric) {
	s := c.stat()
	if s == nil {
		return
	}
	for _, v := range []struct {
		state string
		n     int32
	}{{"total", s.TotalConns()}, {"idle", s.IdleConns()}, {"acquired", s.AcquiredConns()},
		{"constructing", s.ConstructingConns()}, {"max", s.MaxConns()}} {
		ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(v.n), v.state)
	}
	ch <- prometheus.MustNewConstMetric(c.acquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.wait, prometheus.CounterValue, s.AcquireDuration().Seconds())
	ch <- prometheus.MustNewConstMetric(c.empty, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
}

// SigningKeyAge registers a gauge per algorithm of how long ago the key that
// signs now was created. created returns that time, or false when no key is
// cached yet; now is the injected clock.
func (m *Metrics) SigningKeyAge(algs []string, created func(alg string) (time.Time, bool), now func() time.Time) error {
	for _, alg := range algs {
		g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: SigningKeyAge,
			Help:        "Age of the key that signs tokens now, by algorithm.",
			ConstLabels: prometheus.Labels{"alg": alg}}, func() float64 {
			t, ok := created(alg)
			if !ok {
				return 0
			}
			return now().Sub(t).Seconds()
		})
		if err := m.reg.Register(g); err != nil {
			return err
		}
	}
	return nil
}
