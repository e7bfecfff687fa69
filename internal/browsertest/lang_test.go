package browsertest

import (
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/text"
)

// w returns the words the pages show for the English words en in the
// stack's language, found through the catalogue: the entry whose English
// is en (or, for a label such as "Code" matched by its start, begins with en
// and a space). In English it returns en itself. A test that reads pages in
// Welsh panics on words the catalogue does not hold, or holds with two
// different translations, so the journeys stay written in the guide's
// English words and run in either language.
func (s *stack) w(en string) string {
	if s.lang == "" || s.lang == text.English {
		return en
	}
	got, err := translate(s.lang, en)
	if err != nil {
		panic(err)
	}
	return got
}

func translate(l text.Lang, en string) (string, error) {
	find := func(match func(string) bool) map[string]bool {
		found := map[string]bool{}
		for _, id := range text.IDs() {
			if match(text.English.Get(id)) {
				found[l.Get(id)] = true
			}
		}
		return found
	}
	found := find(func(s string) bool { return s == en })
	if len(found) == 0 {
		found = find(func(s string) bool { return strings.HasPrefix(s, en+" ") })
	}
	switch len(found) {
	case 1:
		for s := range found {
			return s, nil
		}
	case 0:
		return "", &missing{en}
	}
	return "", &ambiguous{en, found}
}

type missing struct{ en string }

func (e *missing) Error() string { return "no message in the catalogue reads " + `"` + e.en + `"` }

type ambiguous struct {
	en    string
	found map[string]bool
}

func (e *ambiguous) Error() string {
	var all []string
	for s := range e.found {
		all = append(all, `"`+s+`"`)
	}
	return `"` + e.en + `" has more than one translation: ` + strings.Join(all, ", ")
}

func TestTranslate(t *testing.T) {
	if got, err := translate(text.Welsh, "There is a problem"); err != nil || got != "Mae problem wedi codi" {
		t.Errorf("translate = %q, %v", got, err)
	}
	if _, err := translate(text.Welsh, "No such words at all"); err == nil {
		t.Error("unknown words translated")
	}
}
