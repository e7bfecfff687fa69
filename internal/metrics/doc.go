// Package metrics owns carekey's Prometheus collectors. There are no
// package-level collectors: internal/app calls New once, hands the *Metrics
// to the parts that count (the web layer's request middleware, the audit
// writer, the senders, the token endpoint) and serves Handler on the admin
// listener (metrics.addr), never on the public one.
//
// Every metric name is a constant in names.go, and docs/operator-guide.md
// lists them. Label values come from closed sets (route templates, never raw
// paths; status classes, never codes; outcomes named here), so a client
// cannot create series.
//
// The per-request path is allocation-free once a (route, method) pair has
// been seen: its counters and histogram are looked up in a map under a read
// lock.
package metrics
