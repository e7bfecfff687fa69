package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// print writes the report.
func (r report) print(w io.Writer, o options) {
	if r.HashRate > 0 {
		p := o.HashParams
		fmt.Fprintf(w, "argon2id in this tool (m=%d KiB, t=%d, p=%d, every core, %s before and after the run): %.1f and %.1f hashes/s\n",
			p.Memory, p.Time, p.Threads, o.HashFor, r.HashRate, r.HashRateAfter)
		if r.LaneRate > 0 {
			fmt.Fprintf(w, "argon2id with %d at once (the server's hash_concurrency), before and after: %.1f and %.1f hashes/s\n",
				o.HashLanes, r.LaneRate, r.LaneRateAfter)
		}
	}
	if o.Logins > 0 {
		r.Login.print(w, "logins", "login", o.Concurrency)
	}
	if rate := (r.HashRate + r.HashRateAfter) / 2; r.Login.OK > 0 && r.HashRate > 0 && r.HashRateAfter > 0 {
		fmt.Fprintf(w, "logins/s are %.0f%% of the mean argon2id rate (the server hashes once per login)\n", 100*float64(r.Login.OK)/r.Login.Wall.Seconds()/rate)
		if lanes := (r.LaneRate + r.LaneRateAfter) / 2; r.LaneRate > 0 && r.LaneRateAfter > 0 {
			fmt.Fprintf(w, "logins/s are %.0f%% of the mean rate with %d at once: how busy the server kept the hashing it is allowed\n",
				100*float64(r.Login.OK)/r.Login.Wall.Seconds()/lanes, o.HashLanes)
		}
	}
	if g, ok := r.Login.CPU["server"]; ok && r.Login.OK > 0 {
		n := time.Duration(r.Login.OK + r.Login.Failures)
		fmt.Fprintf(w, "server CPU per login: %s (%s with the dev outbox reads, which cost %s per login)\n",
			((g.CPU - r.OutboxCPU) / n).Round(10*time.Microsecond), (g.CPU / n).Round(10*time.Microsecond), (r.OutboxCPU / n).Round(10*time.Microsecond))
	}
	if o.Refreshes > 0 {
		r.Refresh.print(w, "refreshes", "refresh", o.Concurrency)
	}
	if o.Static > 0 {
		r.Static.print(w, o)
	}
}

// print writes one phase: counts, throughput, latency, pages, CPU.
func (p phase) print(w io.Writer, plural, one string, c int) {
	fmt.Fprintf(w, "%s: %d ok, %d failed, %d at once, in %s\n", plural, p.OK, p.Failures, c, p.Wall.Round(time.Millisecond))
	if p.FirstErr != nil {
		fmt.Fprintf(w, "first failure: %v\n", p.FirstErr)
	}
	if p.OK == 0 {
		return
	}
	fmt.Fprintf(w, "throughput: %.1f %s/s\n", float64(p.OK)/p.Wall.Seconds(), plural)
	fmt.Fprintf(w, "latency: p50 %s, p95 %s, p99 %s, max %s\n",
		pct(p.Latencies, 50), pct(p.Latencies, 95), pct(p.Latencies, 99), pct(p.Latencies, 100))
	var pages []string
	for _, name := range pageOrder {
		if d := p.Pages[name]; len(d) > 0 {
			pages = append(pages, fmt.Sprintf("%s %s/%s", name, pct(d, 50), pct(d, 99)))
		}
	}
	if len(pages) > 0 {
		fmt.Fprintf(w, "per request, p50/p99: %s\n", strings.Join(pages, ", "))
	}
	var names []string
	for name := range p.CPU {
		if name != "server" {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return
	}
	slices.Sort(names)
	n := time.Duration(p.OK + p.Failures)
	var parts []string
	var total time.Duration
	for _, name := range names {
		g := p.CPU[name]
		total += g.CPU
		parts = append(parts, fmt.Sprintf("%s %s (%d %s)", name, round(g.CPU/n), g.Procs, pluralOf(g.Procs, "process", "processes")))
	}
	fmt.Fprintf(w, "CPU per %s: %s; together %s\n", one, strings.Join(parts, ", "), round(total/n))
	var rss []string
	for _, name := range names {
		if b, ok := p.PeakRSS[name]; ok {
			rss = append(rss, fmt.Sprintf("%s %.0f MiB", name, float64(b)/(1<<20)))
		}
	}
	if len(rss) > 0 {
		fmt.Fprintf(w, "peak RSS during the %s (largest process of each name): %s\n", plural, strings.Join(rss, ", "))
	}
}

// pct is the p-th percentile of sorted durations.
func pct(d []time.Duration, p int) time.Duration {
	i := (len(d)*p+99)/100 - 1
	return round(d[max(0, min(i, len(d)-1))])
}

// round keeps about three significant figures: 1.234s, 56.7ms, 4.12ms, 345µs.
func round(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}

func pluralOf(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
