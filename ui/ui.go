// Package ui embeds carekey's hosted pages: html/template files under
// templates/ and static assets (CSS, the small enhancement scripts) under
// static/. Templates are parsed once at start-up by internal/web/render.
//
// static/govuk/ is GOV.UK Frontend's CSS, compiled by `make ui` from the
// version ui/build/package.json pins (with a system font: GDS Transport is
// for GOV.UK only) and committed, so Go alone builds and runs carekey.
// ui_test.go fails if it does not match the pin or its MANIFEST.
package ui

import (
	"embed"
	"io/fs"
)

//go:embed templates static
var files embed.FS

// Templates returns the page templates.
func Templates() fs.FS {
	sub, _ := fs.Sub(files, "templates")
	return sub
}

// Static returns the static assets.
func Static() fs.FS {
	sub, _ := fs.Sub(files, "static")
	return sub
}
