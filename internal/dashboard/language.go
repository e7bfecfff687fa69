package dashboard

import (
	"net/http"
	"strings"
	"time"

	"github.com/carekey/carekey/pkg/text"
)

// langCookie keeps the language chosen with the header's language link.
const langCookie = "dashboard_lang"

// langCookieAge is how long a chosen language is remembered.
const langCookieAge = 365 * 24 * time.Hour

// language puts the reader's language in the request's context
// (text.LangOf): the one the language cookie holds, else the first of
// Accept-Language the catalogue has, else English.
func (d *Dashboard) language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(text.WithLang(r.Context(), langOf(r))))
	})
}

func langOf(r *http.Request) text.Lang {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := text.ParseLang(c.Value); ok {
			return l
		}
	}
	if l, ok := text.FromAcceptLanguage(r.Header.Get("Accept-Language")); ok {
		return l
	}
	return text.English
}

// chooseLanguage is the target of the header's language link
// (/language?lang=cy&next=/accounts/acc_1): it remembers the language and
// goes back to the page. A next that is not a path of the dashboard's own
// ("//evil.example", "https://…") is refused, and nothing is remembered.
func (d *Dashboard) chooseLanguage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	l, ok := text.ParseLang(q.Get("lang"))
	next := q.Get("next")
	if next == "" {
		next = "/"
	}
	if !ok || !isLocalPath(next) {
		d.renderError(w, r, http.StatusBadRequest, errorPage{
			Title:   text.M("dashboard.error.refused"),
			Message: text.M("dashboard.error.language"),
			Home:    true,
		})
		return
	}
	d.setCookie(w, langCookie, string(l), int(langCookieAge/time.Second))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// isLocalPath reports whether next is a path on this host ("/accounts/x"),
// never another site ("//evil.example", "/\evil.example", "https://…").
func isLocalPath(next string) bool {
	return strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") &&
		!strings.ContainsAny(next, "\\\r\n\t")
}

// nextPath is where the language link of the page answering r goes back
// to: the page itself, or the start for a page that answers a form or a
// step of signing in (which cannot be asked for again).
func nextPath(r *http.Request) string {
	switch p := r.URL.EscapedPath(); {
	case r.Method != http.MethodGet && r.Method != http.MethodHead,
		p == "/callback", p == "/login", p == "/register", p == "/language", !isLocalPath(p):
		return "/"
	default:
		return p
	}
}
