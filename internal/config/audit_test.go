package config

import (
	"slices"
	"testing"
	"time"
)

func TestValidateAudit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		have     string
		want     time.Duration
		wantErrs []string
	}{
		{name: "default keeps forever", have: ``, want: 0},
		{name: "seven years", have: `audit: {retention: 61368h}`, want: 61368 * time.Hour},
		{name: "exactly 30 days", have: `audit: {retention: 720h}`, want: 720 * time.Hour},
		{name: "a day is a typo", have: `audit: {retention: 24h}`, wantErrs: []string{"audit.retention"}},
		{name: "negative", have: `audit: {retention: -1h}`, wantErrs: []string{"audit.retention"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := loadBytes(withSections(t, tc.have), t.TempDir(), Options{}, readSecretFile)
			if err != nil || len(l.problems) > 0 {
				t.Fatalf("load: %v %v", err, l.problems)
			}
			err = l.cfg.Validate(ModeServe)
			if got := problemPaths(t, err); !slices.Equal(got, tc.wantErrs) {
				t.Fatalf("problem paths %q, want %q: %v", got, tc.wantErrs, err)
			}
			if err == nil && l.cfg.Audit.Retention != tc.want {
				t.Errorf("retention %s, want %s", l.cfg.Audit.Retention, tc.want)
			}
		})
	}
}
