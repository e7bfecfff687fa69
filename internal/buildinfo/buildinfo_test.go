package buildinfo

import (
	"os"
	"strings"
	"testing"
)

func TestLineNamesTheLicence(t *testing.T) {
	got := Line("idp")
	for _, want := range []string{"carekey idp ", "Apache License 2.0", "LICENSE"} {
		if !strings.Contains(got, want) {
			t.Errorf("Line = %q, want it to contain %q", got, want)
		}
	}
	if Version("v1.2.3") != "v1.2.3" || Version("") == "" {
		t.Errorf("Version: linker value not preferred, or empty without one")
	}
}

// The licence the binaries name is the one at the root of the repository.
func TestLicenceFileIsApache2(t *testing.T) {
	b, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "Apache License") || !strings.Contains(string(b), "Version 2.0, January 2004") || Licence != "Apache-2.0" {
		t.Error("LICENSE is not the Apache License 2.0 that Licence names")
	}
}
