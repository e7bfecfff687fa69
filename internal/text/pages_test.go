package text

import "testing"

func TestPageIDsHaveWords(t *testing.T) {
	for id, s := range enPages {
		if s == "" {
			t.Errorf("%s: empty message", id)
		}
		if _, dup := en[id]; dup {
			t.Errorf("%s: defined twice", id)
		}
		if _, dup := enJourneys[id]; dup {
			t.Errorf("%s: defined twice", id)
		}
		if Get(id) != s {
			t.Errorf("Get(%s) = %q, want %q", id, Get(id), s)
		}
	}
	if got := Getf(FooterProvidedBy, "Children's Services Portal", "Broadland District Council"); got != "Children's Services Portal is provided by Broadland District Council." {
		t.Errorf("Getf = %q", got)
	}
}
