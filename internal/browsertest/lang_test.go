package browsertest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/carekey/carekey/pkg/text"
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
		found = fill(l, en)
	}
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

// verbs matches the verbs of a message with values (%s, %d).
var verbs = regexp.MustCompile(`%[sd]`)

// fill finds the messages with verbs whose English, filled in, reads en
// ("Step 2 of 3" for "Step %d of %d"), and returns their words in l filled
// in with the same values.
func fill(l text.Lang, en string) map[string]bool {
	found := map[string]bool{}
	for _, id := range text.IDs() {
		tmpl := text.English.Get(id)
		// A message that is only verbs ("%s") fits any words.
		if !verbs.MatchString(tmpl) || !hasLetter(verbs.ReplaceAllString(tmpl, "")) {
			continue
		}
		parts := verbs.Split(tmpl, -1)
		kinds := verbs.FindAllString(tmpl, -1)
		var re strings.Builder
		re.WriteString("^")
		for i, p := range parts {
			re.WriteString(regexp.QuoteMeta(p))
			if i < len(kinds) {
				if kinds[i] == "%d" {
					re.WriteString(`(\d+)`)
				} else {
					re.WriteString(`(.+?)`)
				}
			}
		}
		re.WriteString("$")
		m := regexp.MustCompile(re.String()).FindStringSubmatch(en)
		if m == nil {
			continue
		}
		args := make([]any, len(m)-1)
		for i, v := range m[1:] {
			if kinds[i] == "%d" {
				n, _ := strconv.Atoi(v)
				args[i] = n
			} else {
				args[i] = v
			}
		}
		found[l.Getf(id, args...)] = true
	}
	return found
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
	if got, err := translate(text.Welsh, "It must be at least 14 characters long"); err != nil || got != "Rhaid iddo fod o leiaf 14 nod o hyd" {
		t.Errorf("translate with a verb = %q, %v", got, err)
	}
	if _, err := translate(text.Welsh, "No such words at all"); err == nil {
		t.Error("unknown words translated")
	}
}

// TestEveryJourneyWordTranslates finds every s.w("…") of the browser tests
// and translates it into each language but English, so that a word the catalogue lacks
// or holds twice with different translations fails here, without a browser.
func TestEveryJourneyWordTranslates(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(node ast.Node) bool {
			call, ok := node.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "w" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			en, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			n++
			for _, l := range text.Langs()[1:] { // English is as written
				if _, err := translate(l, en); err != nil {
					t.Errorf("%s: %s: %v", fset.Position(lit.Pos()), l, err)
				}
			}
			return true
		})
	}
	if n < 10 {
		t.Errorf("found %d words, want the journeys' many", n)
	}
}

func hasLetter(s string) bool { return strings.IndexFunc(s, unicode.IsLetter) >= 0 }
