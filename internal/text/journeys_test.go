package text

import "testing"

func TestJourneyIDsHaveWords(t *testing.T) {
	for id, s := range enJourneys {
		if s == "" {
			t.Errorf("%s: empty message", id)
		}
		if _, dup := en[id]; dup {
			t.Errorf("%s: defined twice", id)
		}
		if Get(id) != s {
			t.Errorf("Get(%s) = %q, want %q", id, Get(id), s)
		}
	}
}
