package dashboard

import (
	"io/fs"
	"testing"

	"github.com/carekey/carekey/pkg/text/texttest"
)

// TestTemplatesWordEverythingThroughTheCatalogue fails on words written into
// a template rather than taken from the catalogue ({{.T "id"}}), so that
// every page can be shown in Welsh, and on an ID the catalogue does not hold.
func TestTemplatesWordEverythingThroughTheCatalogue(t *testing.T) {
	sub, err := fs.Sub(templateFS, "templates")
	if err != nil {
		t.Fatal(err)
	}
	texttest.CheckTemplates(t, sub)
}
