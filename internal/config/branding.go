package config

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultPrimaryColor is the header and button colour without branding.
const DefaultPrimaryColor = "#1d70b8"

// PageBackground is the colour behind the hosted pages' text and links.
const PageBackground = "#ffffff"

// MinContrast is the least contrast ratio `idp config check` accepts between
// a text colour and its background: WCAG 2.2 SC 1.4.3 (AA) for normal text.
const MinContrast = 4.5

// ContrastRatio is the WCAG contrast ratio of two "#rrggbb" colours, from
// 1 (the same) to 21 (black on white); the order does not matter.
func ContrastRatio(a, b string) (float64, error) {
	la, err := luminance(a)
	if err != nil {
		return 0, err
	}
	lb, err := luminance(b)
	if err != nil {
		return 0, err
	}
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05), nil
}

// luminance is the relative luminance of "#rrggbb" as WCAG 2.2 defines it:
// each sRGB channel linearised, then weighted 0.2126 R + 0.7152 G + 0.0722 B.
func luminance(color string) (float64, error) {
	if !isColor(color) {
		return 0, fmt.Errorf("colour %q is not #rrggbb", color)
	}
	var lin [3]float64
	for i := range lin {
		v, err := strconv.ParseUint(color[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return 0, fmt.Errorf("colour %q: %w", color, err)
		}
		c := float64(v) / 255
		if c <= 0.04045 {
			lin[i] = c / 12.92
		} else {
			lin[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*lin[0] + 0.7152*lin[1] + 0.0722*lin[2], nil
}

// brandFileTypes are the file types a logo or favicon may be, by extension.
var brandFileTypes = map[string]string{
	".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
	".gif": "image/gif", ".webp": "image/webp", ".ico": "image/x-icon",
}

// ImageType is the Content-Type of a logo or favicon file, by its extension
// ("" if it is not an image carekey serves).
func ImageType(name string) string {
	return brandFileTypes[strings.ToLower(filepath.Ext(name))]
}

// resolveBrandFiles reads branding.logo_file and branding.favicon_file (a
// relative path is taken from dir) into Branding.Logo and Branding.Favicon.
func resolveBrandFiles(b *Branding, dir string, opts Options, readFile func(string) ([]byte, error)) []Problem {
	var ps []Problem
	for _, f := range []struct {
		key  string
		file string
		data *[]byte
	}{
		{"branding.logo_file", b.LogoFile, &b.Logo},
		{"branding.favicon_file", b.FaviconFile, &b.Favicon},
	} {
		if f.file == "" {
			continue
		}
		if ImageType(f.file) == "" {
			ps = append(ps, Problem{f.key, "must be an .svg, .png, .jpg, .gif, .webp or .ico file"})
			continue
		}
		name := f.file
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		data, err := readFile(name)
		switch {
		case errors.Is(err, fs.ErrNotExist) && opts.SkipMissingSecretFiles:
			if opts.MissingSecretFile != nil {
				opts.MissingSecretFile(f.key, name)
			}
		case err != nil:
			ps = append(ps, Problem{f.key, fmt.Sprintf("cannot read file: %v", err)})
		case len(data) == 0:
			ps = append(ps, Problem{f.key, fmt.Sprintf("file %s is empty", name)})
		default:
			*f.data = data
		}
	}
	return ps
}
