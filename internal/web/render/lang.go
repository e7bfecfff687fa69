package render

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/carekey/carekey/pkg/text"
)

// LangPath is where a page's language link goes: it sets the language
// cookie and sends the browser back to the page (internal/web).
const LangPath = "/language"

// langHref is the link from the page r asked for to the same page in l: a
// GET comes back to its own address; a page answering a POSTed form comes
// back to its journey's start ("/signin" for "/signin/verify"), which shows
// the journey's current step (what was typed is not kept).
func langHref(r *http.Request, l text.Lang) string {
	next := r.URL.EscapedPath()
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		first, _, _ := strings.Cut(strings.TrimPrefix(next, "/"), "/")
		next = "/" + first
	case r.URL.RawQuery != "":
		next += "?" + r.URL.RawQuery
	}
	return LangPath + "?" + url.Values{"lang": {string(l)}, "next": {next}}.Encode()
}

// LangLink is the page's link to itself in the other language, with the
// language's name in itself (Cymraeg, English).
func (p *Page) LangLink() Link {
	other := p.Lang.Other()
	return Link{Text: other.Name(), URL: p.langHref, Lang: string(other)}
}
