package config

import "time"

// Audit is the audit trail (PostgreSQL audit_events, hash-chained).
type Audit struct {
	// Retention is how long rows are kept; `idp audit prune` deletes older
	// ones and leaves a checkpoint so `idp audit verify` still holds. Zero
	// (the default) keeps every row forever.
	Retention time.Duration `yaml:"retention"`
}

// minAuditRetention keeps a typo ("24h" meant as days) from pruning the
// trail of last week.
const minAuditRetention = 30 * 24 * time.Hour

func (v *validator) audit(a *Audit) {
	if a.Retention != 0 && a.Retention < minAuditRetention {
		v.add("audit.retention", "must be 0 (keep forever) or at least %s (30 days)", minAuditRetention)
	}
}
