package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"time"

	"github.com/carekey/carekey/pkg/claims"
	"github.com/carekey/carekey/pkg/text"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Page names; each is templates/<name>.html rendered inside layout.html.
const (
	pageSignedOut = "signedout"
	pageChooser   = "chooser"
	pageWelcome   = "welcome"
	pageAccount   = "account"
	pageError     = "error"
	pageLogout    = "logout"
)

// pages holds one parsed template set per page.
type pages struct {
	byName map[string]*template.Template
}

func parsePages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range []string{pageSignedOut, pageChooser, pageWelcome, pageAccount, pageError, pageLogout} {
		t, err := template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil { // only if the embed directive changes
		panic(err)
	}
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

// crumb is one step of the breadcrumb trail; the last has no Href.
type crumb struct {
	Text, Href string
}

// user is the signed-in user as the header shows them, with the idle
// timings the idle warning script reads.
type user struct {
	Name        string
	CSRF        string
	IdleSeconds int // the session ends after this long without activity
	WarnSeconds int // the warning opens after this long without activity
}

// userView is the header's view of session s, in the reader's language
// (a user whose claims have no name is "Portal user").
func (d *Dashboard) userView(r *http.Request, s session) *user {
	name := s.name
	if name == "" {
		name = text.LangOf(r.Context()).Get("dashboard.portal_user")
	}
	return &user{
		Name: name, CSRF: s.csrf,
		IdleSeconds: int(d.cfg.IdleTimeout / time.Second),
		WarnSeconds: int(d.cfg.WarnAfter / time.Second),
	}
}

// WarnCountdown is the countdown's first value, mm:ss.
func (u *user) WarnCountdown() string {
	s := u.IdleSeconds - u.WarnSeconds
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

// accountCard is one account on the chooser or its dashboard.
type accountCard struct {
	ID           string
	Name         string
	Birthdate    string // "07 Nov 2013", or empty if unknown
	BirthdateISO string
	Href         string
}

// view is what every page template receives.
type view struct {
	Brand       Branding  // filled in by render
	Lang        text.Lang // the reader's language, filled in by render
	LangLink    langLink  // the header's link to the other language, filled in by render
	Title       text.Message
	User        *user // nil when signed out
	Breadcrumbs []crumb
	Notice      text.Message // a message at the top of the signed-out page (no ID: none)

	Accounts []accountCard // chooser
	Claims   []claimField  // welcome (no accounts)
	Account  accountCard   // account
	Several  bool          // account: the user has a chooser to go back to
	Error    errorPage     // error

	EndSession endSessionForm // logout
}

// T returns the words of message id in the reader's language: {{.T "id"}}.
func (v view) T(id text.ID) string { return v.Lang.Get(id) }

// Tf returns the words of message id with its verbs filled in from args:
// {{.Tf "id" .Brand.ServiceName}}.
func (v view) Tf(id text.ID, args ...any) string { return v.Lang.Getf(id, args...) }

// Say returns m's words in the reader's language; an argument that is a
// message itself ("15 minutes") is said in that language too.
func (v view) Say(m text.Message) string { return say(v.Lang, m) }

func say(l text.Lang, m text.Message) string {
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		if am, ok := a.(text.Message); ok {
			a = say(l, am)
		}
		args[i] = a
	}
	return l.Getf(m.ID, args...)
}

// langLink is the link that shows the page in another language: its
// address (/language?lang=cy&next=/…), language and that language's name
// in itself.
type langLink struct {
	URL  string
	Lang text.Lang
	Text string
}

// errorPage is what the error page says.
type errorPage struct {
	Title    text.Message
	Message  text.Message
	Detail   string // the issuer's error_description, shown as text
	TryAgain bool   // link to /login
	Home     bool   // link to /
}

// breadcrumbs is the trail to the page, in the reader's language, with
// extra steps after My Account.
func (d *Dashboard) breadcrumbs(r *http.Request, extra ...crumb) []crumb {
	l := text.LangOf(r.Context())
	c := []crumb{
		{Text: l.Get("dashboard.breadcrumb.council"), Href: d.cfg.Branding.CouncilURL},
		{Text: d.cfg.Branding.ServiceName, Href: "/"},
		{Text: l.Get("dashboard.my_account"), Href: "/"},
	}
	c = append(c, extra...)
	c[len(c)-1].Href = ""
	return c
}

// cardFor is account a as its card shows it, in language l.
func cardFor(a claims.Account, l text.Lang) accountCard {
	c := accountCard{ID: a.ID, Name: a.Name, Href: "/accounts/" + url.PathEscape(a.ID), BirthdateISO: a.Birthdate}
	if dob, err := time.Parse(claims.BirthdateLayout, a.Birthdate); err == nil {
		c.Birthdate = birthdate(dob, l)
	}
	return c
}

// birthdate is a date of birth as the council's pages show it, "07 Nov 2013"
// (claims.Account.BirthdateDisplay), with the month's short name in l.
func birthdate(t time.Time, l text.Lang) string {
	return fmt.Sprintf("%02d %s %d", t.Day(), l.Get(text.ID(fmt.Sprintf("dashboard.month.%d", t.Month()))), t.Year())
}

// render writes page with status, all at once.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	v.Brand = d.cfg.Branding
	v.Lang = text.LangOf(r.Context())
	other := v.Lang.Other()
	v.LangLink = langLink{
		URL:  "/language?" + url.Values{"lang": {string(other)}, "next": {nextPath(r)}}.Encode(),
		Lang: other,
		Text: other.Name(),
	}
	var buf bytes.Buffer
	if err := d.pages.byName[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		d.cfg.Logger.ErrorContext(r.Context(), "render page", "page", page, "err", err)
		http.Error(w, v.Lang.Get("dashboard.error.render"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func (d *Dashboard) renderError(w http.ResponseWriter, r *http.Request, status int, e errorPage) {
	d.render(w, r, status, pageError, view{Title: e.Title, Error: e})
}

// notFound is the page for an address the dashboard does not have.
func (d *Dashboard) notFound(w http.ResponseWriter, r *http.Request) {
	d.renderError(w, r, http.StatusNotFound, errorPage{
		Title:   text.M(text.NotFound),
		Message: text.M(text.NotFoundDetail),
		Home:    true,
	})
}

func (d *Dashboard) renderUnavailable(w http.ResponseWriter, r *http.Request) {
	d.renderError(w, r, http.StatusServiceUnavailable, errorPage{
		Title:    text.M(text.UnavailableHeading),
		Message:  text.M("dashboard.error.unavailable_text"),
		TryAgain: true,
	})
}

// current returns the signed-in user's session, sliding its idle limit. An
// idle session is gone; the signed-out page then says why.
func (d *Dashboard) current(w http.ResponseWriter, r *http.Request) (session, lookup) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, lookupNone
	}
	s, found := d.sessions.get(c.Value, d.cfg.Now())
	if found != lookupFound {
		d.setCookie(w, sessionCookie, "", -1)
	}
	return s, found
}

// signedOut renders the page with the "Sign in" link. A session that has
// just been found idle (expired, its copy in s) is first ended at the IdP
// too, as the countdown's logout does, so that without JavaScript (no
// countdown ran) or after a sleeping laptop "Sign in" asks for the password
// again; the IdP's answer comes back here with the idle notice.
func (d *Dashboard) signedOut(w http.ResponseWriter, r *http.Request, status int, s session, found lookup) {
	if found == lookupExpired && s.rawIDToken != "" && d.endIdPSessionOf(w, r, s, logoutIdle) {
		return
	}
	v := view{Title: text.M("dashboard.my_account"), Breadcrumbs: d.breadcrumbs(r)}
	switch why := d.loggedOut(w, r); {
	case found == lookupExpired || why == logoutIdle:
		v.Notice = text.M("dashboard.notice.idle", minutes(d.cfg.IdleTimeout))
	case why == logoutByUser:
		v.Notice = text.M("dashboard.notice.signed_out")
	}
	d.render(w, r, status, pageSignedOut, v)
}

// minutes is "15 minutes" (or "1 minute") in the reader's language.
func minutes(d time.Duration) text.Message {
	m := int(d.Minutes())
	if m == 1 {
		return text.M(text.WaitOneMinute)
	}
	return text.M("dashboard.minutes", m)
}

// home is the signed-out page, or the account chooser, or a redirect to the
// only account, or (no accounts claim) a welcome with the claims received.
func (d *Dashboard) home(w http.ResponseWriter, r *http.Request) {
	s, found := d.current(w, r)
	if found != lookupFound {
		d.signedOut(w, r, http.StatusOK, s, found)
		return
	}
	u := d.userView(r, s)
	switch len(s.accounts) {
	case 0:
		d.render(w, r, http.StatusOK, pageWelcome, view{
			Title: text.M("dashboard.my_account"), User: u, Breadcrumbs: d.breadcrumbs(r), Claims: s.claims,
		})
	case 1:
		http.Redirect(w, r, "/accounts/"+url.PathEscape(s.accounts[0].ID), http.StatusSeeOther)
	default:
		v := view{Title: text.M("dashboard.chooser.title"), User: u, Breadcrumbs: d.breadcrumbs(r)}
		for _, a := range s.accounts {
			v.Accounts = append(v.Accounts, cardFor(a, text.LangOf(r.Context())))
		}
		d.render(w, r, http.StatusOK, pageChooser, v)
	}
}

// account is the dashboard of one account in the user's claim.
func (d *Dashboard) account(w http.ResponseWriter, r *http.Request) {
	s, found := d.current(w, r)
	if found != lookupFound {
		d.signedOut(w, r, http.StatusUnauthorized, s, found)
		return
	}
	u := d.userView(r, s)
	id := r.PathValue("id")
	for _, a := range s.accounts {
		if a.ID != id {
			continue
		}
		card := cardFor(a, text.LangOf(r.Context()))
		d.render(w, r, http.StatusOK, pageAccount, view{
			Title:       text.M("dashboard.account.title", a.Name),
			User:        u,
			Breadcrumbs: d.breadcrumbs(r, crumb{Text: a.Name}),
			Account:     card,
			Several:     len(s.accounts) > 1,
		})
		return
	}
	d.render(w, r, http.StatusNotFound, pageError, view{
		Title: text.M(text.NotFound), User: u,
		Error: errorPage{Title: text.M(text.NotFound), Message: text.M("dashboard.account.no_access"), Home: true},
	})
}
