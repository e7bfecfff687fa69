package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module is carekey's module path; every rule is written relative to it.
const module = "github.com/carekey/carekey"

// mod returns the import path of rel inside this module.
func mod(rel string) string { return module + "/" + rel }

// rel returns importPath relative to this module, for shorter messages.
func rel(importPath string) string { return strings.TrimPrefix(importPath, module+"/") }

// pkg is the part of `go list -json` output the tests read.
type pkg struct {
	ImportPath string
	Name       string
	Doc        string
	GoFiles    []string
	CgoFiles   []string
	Imports    []string // direct imports of the non-test files
	Deps       []string // every package the non-test files depend on, transitively
	Error      *struct{ Err string }
}

// moduleRoot returns the directory holding go.mod, walking up from the
// test's working directory (the package directory).
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("get working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod in %s or above", dir)
		}
		dir = parent
	}
}

// goList runs `go list -e -json args...` at the module root and returns every
// package it prints. With -e, a package that cannot be loaded is listed with
// its Error set instead of stopping the listing.
func goList(t *testing.T, args ...string) []pkg {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", append([]string{"list", "-e", "-json"}, args...)...)
	cmd.Dir = moduleRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	// A listing without this very package means the rules below look at the
	// wrong tree (or the module path changed) and would pass vacuously.
	if !slices.ContainsFunc(pkgs, func(p pkg) bool { return p.ImportPath == mod("internal/archtest") }) {
		t.Fatalf("go list %s did not list %s: has the module path changed from %s?",
			strings.Join(args, " "), mod("internal/archtest"), module)
	}
	return pkgs
}
