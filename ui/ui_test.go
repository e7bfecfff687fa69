package ui_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/carekey/carekey/ui"
)

// pinned returns the govuk-frontend version ui/build pins, checking that
// package.json and package-lock.json agree on it.
func pinned(t *testing.T) string {
	t.Helper()
	var pkg struct {
		Dev map[string]string `json:"devDependencies"`
	}
	var lock struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	for name, v := range map[string]any{"build/package.json": &pkg, "build/package-lock.json": &lock} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	want := pkg.Dev["govuk-frontend"]
	if want == "" || strings.ContainsAny(want, "^~<>=* ") {
		t.Fatalf("build/package.json must pin an exact govuk-frontend version, has %q", want)
	}
	if got := lock.Packages["node_modules/govuk-frontend"].Version; got != want {
		t.Fatalf("package-lock.json has govuk-frontend %q, package.json pins %q: run npm install in ui/build", got, want)
	}
	return want
}

// checkBuilt checks that the GOV.UK Frontend build in fsys (a govuk/
// directory) is of version want and that each file matches its MANIFEST.
func checkBuilt(t *testing.T, where string, fsys fs.FS, want string) {
	t.Helper()
	version, err := fs.ReadFile(fsys, "VERSION")
	if err != nil {
		t.Fatalf("%s: %v (run make ui)", where, err)
	}
	if got := strings.TrimSpace(string(version)); got != want {
		t.Errorf("%s was built from govuk-frontend %s, ui/build pins %s: run make ui", where, got, want)
	}
	manifest, err := fs.ReadFile(fsys, "MANIFEST")
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	listed := map[string]bool{"MANIFEST": true}
	for _, line := range strings.Split(strings.TrimSpace(string(manifest)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("%s/MANIFEST: bad line %q", where, line)
		}
		listed[name] = true
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		if h := sha256.Sum256(b); hex.EncodeToString(h[:]) != sum {
			t.Errorf("%s/%s does not match its MANIFEST: edited by hand? Change ui/build and run make ui", where, name)
		}
	}
	if !listed["VERSION"] || !listed["carekey.css"] {
		t.Errorf("%s/MANIFEST lists neither VERSION nor carekey.css", where)
	}
	_ = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !listed[path] {
			t.Errorf("%s/%s is not in MANIFEST", where, path)
		}
		return err
	})
}

// TestGOVUKFrontendMatchesPin fails if the embedded GOV.UK Frontend build,
// or the dashboard's copy of it, is not what `make ui` makes from the
// version ui/build pins.
func TestGOVUKFrontendMatchesPin(t *testing.T) {
	want := pinned(t)
	embedded, err := fs.Sub(ui.Static(), "govuk")
	if err != nil {
		t.Fatal(err)
	}
	checkBuilt(t, "ui/static/govuk", embedded, want)
	checkBuilt(t, "internal/dashboard/static/govuk", os.DirFS("../internal/dashboard/static/govuk"), want)
	a, _ := fs.ReadFile(embedded, "MANIFEST")
	b, _ := os.ReadFile("../internal/dashboard/static/govuk/MANIFEST")
	if string(a) != string(b) {
		t.Error("the dashboard's GOV.UK Frontend build differs from ui/static/govuk: run make ui")
	}
}

// TestFontsPolicy fails if the build would load GDS Transport (for GOV.UK
// only) or ship GOV.UK's crown and crest.
func TestFontsPolicy(t *testing.T) {
	css, err := fs.ReadFile(ui.Static(), "govuk/carekey.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"GDS Transport", "@font-face", ".woff"} {
		if strings.Contains(string(css), bad) {
			t.Errorf("carekey.css has %q: councils may not use GOV.UK's font", bad)
		}
	}
	_ = fs.WalkDir(ui.Static(), ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && (strings.Contains(path, "crest") || strings.Contains(path, "crown") || strings.Contains(path, "govuk-icon")) {
			t.Errorf("ui/static ships GOV.UK's %s", path)
		}
		return err
	})
}
