package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestVersionNamesTheLicence(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"version"}, &out, &errOut); code != 0 {
		t.Fatalf("idp version: exit %d: %s", code, errOut.String())
	}
	if got := out.String(); !strings.HasPrefix(got, "carekey idp ") || !strings.Contains(got, "Apache License 2.0") {
		t.Errorf("idp version = %q, want the name, version and licence", got)
	}
}
