package claims_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsOnlyStandardLibrary keeps pkg/claims usable by any RP without
// pulling in carekey or a third-party module.
func TestImportsOnlyStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", `{{if not .Standard}}{{.ImportPath}}{{end}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p != "github.com/carekey/carekey/pkg/claims" {
			t.Errorf("pkg/claims depends on %s; it may use only the standard library", p)
		}
	}
}
