package config

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestContrastRatio checks the WCAG relative-luminance formula against
// known pairs.
func TestContrastRatio(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fg, bg string
		want   float64 // to two decimal places
	}{
		{"black on white", "#000000", "#ffffff", 21},
		{"white on black, order does not matter", "#ffffff", "#000000", 21},
		{"same colour", "#1d70b8", "#1d70b8", 1},
		{"GOV.UK blue on white", "#1d70b8", "#ffffff", 5.17},
		{"GOV.UK text on white", "#0b0c0c", "#FFFFFF", 19.59},
		{"grey 767676 just passes", "#767676", "#ffffff", 4.54},
		{"grey 777777 just fails", "#777777", "#ffffff", 4.48},
		{"white on GOV.UK green button", "#ffffff", "#00703c", 6.21},
		{"low channels are linear", "#0a0a0a", "#000000", 1.06},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ContrastRatio(tc.fg, tc.bg)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tc.want) > 0.005 {
				t.Errorf("ContrastRatio(%s, %s) = %.4f, want %.2f", tc.fg, tc.bg, got, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "white", "#fff", "#gggggg", "1d70b8f"} {
		if _, err := ContrastRatio(bad, "#ffffff"); err == nil {
			t.Errorf("ContrastRatio(%q, white) gave no error", bad)
		}
	}
}

func TestContrastProblemMessage(t *testing.T) {
	l, err := loadBytes(withSections(t, `branding: {primary_color: "#5694ca", link_color: "#1d70b8"}`), t.TempDir(), Options{}, readSecretFile)
	if err != nil {
		t.Fatal(err)
	}
	err = l.cfg.Validate(ModeServe)
	want := "branding.primary_text_color: contrast of #ffffff on branding.primary_color (#5694ca) is 3.24:1, below the 4.5:1 WCAG needs"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v\nwant it to contain %q", err, want)
	}
}

// TestBrandFiles checks that Load reads the logo and favicon, relative to
// the config's directory, and reports a bad one at its key path.
func TestBrandFiles(t *testing.T) {
	dir := t.TempDir()
	logo := []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)
	if err := os.WriteFile(filepath.Join(dir, "logo.svg"), logo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.png"), nil, 0o600); err != nil {
		t.Fatal(err)
	}

	l, err := loadBytes(withSections(t, `branding: {logo_file: logo.svg}`), dir, Options{}, readSecretFile)
	if err != nil || len(l.problems) > 0 {
		t.Fatalf("load: %v %v", err, l.problems)
	}
	if !bytes.Equal(l.cfg.Branding.Logo, logo) || l.cfg.Branding.Favicon != nil {
		t.Errorf("logo %q favicon %q", l.cfg.Branding.Logo, l.cfg.Branding.Favicon)
	}

	l, err = loadBytes(withSections(t, `branding: {logo_file: logo.svg, logo_url: "https://council.gov.uk/logo.svg"}`), dir, Options{}, readSecretFile)
	if err != nil || len(l.problems) > 0 {
		t.Fatalf("load: %v %v", err, l.problems)
	}
	if got := problemPaths(t, l.cfg.Validate(ModeServe)); strings.Join(got, " ") != "branding.logo_file" {
		t.Errorf("logo_url and logo_file: problems at %q, want branding.logo_file", got)
	}

	for _, tc := range []struct {
		name, have, wantPath string
		opts                 Options
	}{
		{"missing", `branding: {logo_file: nope.svg}`, "branding.logo_file", Options{}},
		{"empty", `branding: {favicon_file: empty.png}`, "branding.favicon_file", Options{}},
		{"not an image", `branding: {logo_file: logo.txt}`, "branding.logo_file", Options{}},
		{"missing but elsewhere", `branding: {logo_file: nope.svg}`, "", Options{SkipMissingSecretFiles: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := loadBytes(withSections(t, tc.have), dir, tc.opts, readSecretFile)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			for _, p := range l.problems {
				got += p.Path
			}
			if got != tc.wantPath {
				t.Errorf("problems %v, want one at %q", l.problems, tc.wantPath)
			}
		})
	}
}

func TestImageType(t *testing.T) {
	for name, want := range map[string]string{
		"logo.SVG": "image/svg+xml", "/a/b.png": "image/png", "f.ico": "image/x-icon", "x.html": "", "svg": "",
	} {
		if got := ImageType(name); got != want {
			t.Errorf("ImageType(%q) = %q, want %q", name, got, want)
		}
	}
}
