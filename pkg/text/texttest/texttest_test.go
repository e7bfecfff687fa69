package texttest

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// recorder is a testing.TB that keeps what CheckTemplates complains of.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}
func (r *recorder) Fatalf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
	panic(r)
}

func check(t *testing.T, src string) (errs []string) {
	t.Helper()
	r := &recorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
		errs = r.errs
	}()
	CheckTemplates(r, fstest.MapFS{"page.html": {Data: []byte(src)}})
	return r.errs
}

func TestCheckTemplates(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      string // a complaint contains this; "" for none
	}{
		{"words from the catalogue", `{{define "main"}}<h1>{{.T "button.next"}}</h1><p>{{.Tf "error.try_again_in" "5"}}</p>{{end}}`, ""},
		{"$ inside range", `{{range .X}}<a>{{$.T "button.back"}}</a>{{end}}`, ""},
		{"markup and punctuation only", `<p>{{.T "button.next"}} – {{.X}}.</p>`, ""},
		{"words in the markup", `<h1>Sign in</h1>`, `"Sign in" is written in the template`},
		{"words split by an action", `<p>Hello {{.Name}}, welcome</p>`, `"Hello , welcome"`},
		{"an alt text", `<img alt="Council logo" src="x">`, `alt="Council logo"`},
		{"an aria-label", `<nav aria-label="Breadcrumb"></nav>`, `aria-label="Breadcrumb"`},
		{"a sentence in an action", `{{template "success-banner" "Your account has been created."}}`, `"Your account has been created." is written`},
		{"an unknown ID", `<p>{{.T "no.such.message"}}</p>`, `message "no.such.message" is not in the catalogue`},
		{"an unknown ID with $", `{{range .X}}{{$.Tf "no.such" 1}}{{end}}`, `message "no.such" is not in the catalogue`},
		{"a comment", `<!-- Words for developers --><p>{{.T "button.next"}}</p>`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := check(t, tc.src)
			if tc.want == "" {
				if len(errs) > 0 {
					t.Errorf("complaints %q, want none", errs)
				}
				return
			}
			if !strings.Contains(strings.Join(errs, "\n"), tc.want) {
				t.Errorf("complaints %q, want one with %q", errs, tc.want)
			}
		})
	}
}
