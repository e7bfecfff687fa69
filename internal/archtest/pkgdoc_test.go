package archtest

import (
	"strings"
	"testing"
)

// TestPackageDocs fails for every package of the module without a package doc
// comment, and for a library package whose comment does not begin
// "Package <name> ". Packages made only of test files need none.
func TestPackageDocs(t *testing.T) {
	for _, p := range goList(t, "./...") {
		switch {
		case p.Error != nil:
			t.Errorf("cannot check the doc of %s: %s", rel(p.ImportPath), p.Error.Err)
		case len(p.GoFiles)+len(p.CgoFiles) == 0:
			// Only _test.go files: nothing for `go doc` to show.
		case strings.TrimSpace(p.Doc) == "":
			t.Errorf("%s has no package doc comment: say what the package does in its doc.go", rel(p.ImportPath))
		case p.Name != "main" && !strings.HasPrefix(p.Doc, "Package "+p.Name+" "):
			t.Errorf("the doc comment of %s should begin %q, not %q", rel(p.ImportPath), "Package "+p.Name+" ", p.Doc)
		}
	}
}
