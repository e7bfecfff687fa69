// Package ui embeds carekey's hosted pages: html/template files under
// templates/ and static assets (CSS, the small enhancement scripts) under
// static/. Templates are parsed once at start-up by internal/web/render.
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
