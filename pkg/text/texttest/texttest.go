// Package texttest checks templates for words written into them rather than
// taken from the catalogue, so that every page can be shown in Welsh.
package texttest

import (
	"html"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"

	"github.com/carekey/carekey/pkg/text"
)

var (
	action       = regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	tagOrComment = regexp.MustCompile(`(?s)<!--.*?-->|<[^>]*>`)
	// wordedAttr matches the attributes a person reads or hears: alt text,
	// titles, placeholders and accessible names.
	wordedAttr = regexp.MustCompile(`(?i)\s(alt|title|placeholder|aria-label)="([^"{]*)"`)
)

// CheckTemplates fails t on words written into the *.html templates of fsys
// rather than taken from the catalogue ({{.T "id"}}), and on a {{.T "id"}} or
// {{.Tf "id" …}} whose ID the catalogue does not hold.
func CheckTemplates(t testing.TB, fsys fs.FS) {
	t.Helper()
	names, err := fs.Glob(fsys, "*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		// Words outside actions: the source without its actions (so
		// that a tag split by one is whole again), tags and comments.
		src := action.ReplaceAllString(string(b), "")
		for _, m := range wordedAttr.FindAllStringSubmatch(src, -1) {
			if hasLetter(m[2]) {
				t.Errorf("%s: %s=%q is written in the template: take it from the catalogue", name, m[1], m[2])
			}
		}
		for _, line := range strings.Split(tagOrComment.ReplaceAllString(src, "\n"), "\n") {
			if words := strings.TrimSpace(html.UnescapeString(line)); hasLetter(words) {
				t.Errorf("%s: %q is written in the template: take it from the catalogue ({{.T \"id\"}})", name, words)
			}
		}
		trees, err := parse.Parse(name, string(b), "{{", "}}", builtins)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, tree := range trees {
			walk(tree.Root, func(n parse.Node) {
				switch n := n.(type) {
				case *parse.StringNode:
					// An ID has no spaces; a quoted sentence is words
					// ({{template "success-banner" "Your account…"}}).
					if hasLetter(n.Text) && strings.ContainsAny(n.Text, " \t") {
						t.Errorf("%s: %q is written in the template: take it from the catalogue", name, n.Text)
					}
				case *parse.CommandNode:
					for i, arg := range n.Args[:len(n.Args)-1] {
						if !isWordsMethod(arg) {
							continue
						}
						if s, ok := n.Args[i+1].(*parse.StringNode); ok && !text.Has(text.ID(s.Text)) {
							t.Errorf("%s: message %q is not in the catalogue", name, s.Text)
						}
					}
				}
			})
		}
	}
}

// isWordsMethod reports whether n is .T, .Tf, $.T or $.Tf.
func isWordsMethod(n parse.Node) bool {
	var ident []string
	switch n := n.(type) {
	case *parse.FieldNode:
		ident = n.Ident
	case *parse.VariableNode:
		ident = n.Ident[1:]
	default:
		return false
	}
	return len(ident) == 1 && (ident[0] == "T" || ident[0] == "Tf")
}

// builtins are text/template's functions, for the parser.
var builtins = func() map[string]any {
	m := map[string]any{}
	for _, f := range strings.Fields("and or not eq ne lt le gt ge len index slice print printf println html js urlquery call") {
		m[f] = struct{}{}
	}
	return m
}()

func hasLetter(s string) bool { return strings.IndexFunc(s, unicode.IsLetter) >= 0 }

func walk(n parse.Node, f func(parse.Node)) {
	if n == nil {
		return
	}
	f(n)
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walk(c, f)
		}
	case *parse.ActionNode:
		walk(n.Pipe, f)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walk(c, f)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walk(a, f)
		}
	case *parse.IfNode:
		walk(n.Pipe, f)
		walk(n.List, f)
		walk(n.ElseList, f)
	case *parse.RangeNode:
		walk(n.Pipe, f)
		walk(n.List, f)
		walk(n.ElseList, f)
	case *parse.WithNode:
		walk(n.Pipe, f)
		walk(n.List, f)
		walk(n.ElseList, f)
	case *parse.TemplateNode:
		walk(n.Pipe, f)
	}
}
