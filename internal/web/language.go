package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/carekey/carekey/pkg/text"
)

// langCookie keeps the language the user chose with a page's language link
// (or that a relying party asked for with ui_locales).
const langCookie = "carekey_lang"

// langCookieAge is how long a chosen language is remembered.
const langCookieAge = 365 * 24 * time.Hour

// language puts the reader's language in the request's context
// (text.LangOf): the one the language cookie holds, else the first of
// Accept-Language that carekey speaks, else English.
func (s *Server) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(text.WithLang(r.Context(), s.langOf(r))))
	})
}

func (s *Server) langOf(r *http.Request) text.Lang {
	if l, ok := text.ParseLang(s.cookies.get(r, langCookie)); ok {
		return l
	}
	if l, ok := text.FromAcceptLanguage(r.Header.Get("Accept-Language")); ok {
		return l
	}
	return text.English
}

// setLang remembers l for this browser.
func (s *Server) setLang(w http.ResponseWriter, l text.Lang) {
	s.cookies.set(w, langCookie, string(l), langCookieAge)
}

// chooseLanguage is the target of every page's language link
// (render.LangPath?lang=cy&next=/signin): it remembers the language and
// goes back to the page, which is always one of carekey's own (a next that
// is not a local path goes to the start).
func (s *Server) chooseLanguage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	l, ok := text.ParseLang(q.Get("lang"))
	if !ok {
		s.cfg.Pages.StatusPage(w, r, http.StatusBadRequest)
		return
	}
	s.setLang(w, l)
	http.Redirect(w, r, localPath(q.Get("next")), http.StatusSeeOther)
}

// localPath returns next if it is a path on this host ("/signin?x=1"), else
// "/": never another site ("//evil.example", "/\evil.example", "https://…").
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	return next
}
