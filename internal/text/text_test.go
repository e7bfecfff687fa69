package text

import "testing"

func TestEveryIDHasWords(t *testing.T) {
	for id, s := range en {
		if s == "" {
			t.Errorf("%s: empty message", id)
		}
	}
	if got := Get("no.such.id"); got != "no.such.id" {
		t.Errorf("Get(unknown) = %q, want the ID", got)
	}
}
