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

// userView is the header's view of session s.
func (d *Dashboard) userView(s session) *user {
	return &user{
		Name: s.name, CSRF: s.csrf,
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
	Brand       Branding // filled in by render
	Title       string
	User        *user // nil when signed out
	Breadcrumbs []crumb
	Notice      string // a message at the top of the signed-out page

	Accounts []accountCard // chooser
	Claims   []claimField  // welcome (no accounts)
	Account  accountCard   // account
	Several  bool          // account: the user has a chooser to go back to
	Error    errorPage     // error

	EndSession endSessionForm // logout
}

// errorPage is what the error page says.
type errorPage struct {
	Title    string
	Message  string
	Detail   string // the issuer's error_description, shown as text
	TryAgain bool   // link to /login
	Home     bool   // link to /
}

func (d *Dashboard) breadcrumbs(extra ...crumb) []crumb {
	c := []crumb{
		{Text: "Care, support and health", Href: d.cfg.Branding.CouncilURL},
		{Text: d.cfg.Branding.ServiceName, Href: "/"},
		{Text: "My Account", Href: "/"},
	}
	c = append(c, extra...)
	c[len(c)-1].Href = ""
	return c
}

func cardFor(a claims.Account) accountCard {
	c := accountCard{ID: a.ID, Name: a.Name, Href: "/accounts/" + url.PathEscape(a.ID), BirthdateISO: a.Birthdate}
	if dob, err := a.BirthdateDisplay(); err == nil {
		c.Birthdate = dob
	}
	return c
}

// render writes page with status, all at once.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	v.Brand = d.cfg.Branding
	var buf bytes.Buffer
	if err := d.pages.byName[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		d.cfg.Logger.ErrorContext(r.Context(), "render page", "page", page, "err", err)
		http.Error(w, "Sorry, there is a problem with the service.", http.StatusInternalServerError)
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
		Title: "Page not found",
		Message: "If you typed the web address, check it is correct. " +
			"If you pasted the web address, check you copied the entire address.",
		Home: true,
	})
}

func (d *Dashboard) renderUnavailable(w http.ResponseWriter, r *http.Request) {
	d.renderError(w, r, http.StatusServiceUnavailable, errorPage{
		Title:    "Sorry, the service is unavailable",
		Message:  "The sign-in service cannot be reached at the moment. Please try again in a few minutes.",
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

// signedOut renders the page with the "Sign in" link.
func (d *Dashboard) signedOut(w http.ResponseWriter, r *http.Request, status int, found lookup) {
	v := view{Title: "My Account", Breadcrumbs: d.breadcrumbs()}
	switch why := d.loggedOut(w, r); {
	case found == lookupExpired || why == logoutIdle:
		v.Notice = fmt.Sprintf("You have been logged out because you were inactive for %s.",
			minutes(d.cfg.IdleTimeout))
	case why == logoutByUser:
		v.Notice = "You have been signed out."
	}
	d.render(w, r, status, pageSignedOut, v)
}

func minutes(d time.Duration) string {
	m := int(d.Minutes())
	if m == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", m)
}

// home is the signed-out page, or the account chooser, or a redirect to the
// only account, or (no accounts claim) a welcome with the claims received.
func (d *Dashboard) home(w http.ResponseWriter, r *http.Request) {
	s, found := d.current(w, r)
	if found != lookupFound {
		d.signedOut(w, r, http.StatusOK, found)
		return
	}
	u := d.userView(s)
	switch len(s.accounts) {
	case 0:
		d.render(w, r, http.StatusOK, pageWelcome, view{
			Title: "My Account", User: u, Breadcrumbs: d.breadcrumbs(), Claims: s.claims,
		})
	case 1:
		http.Redirect(w, r, "/accounts/"+url.PathEscape(s.accounts[0].ID), http.StatusSeeOther)
	default:
		v := view{Title: "Select an account to manage", User: u, Breadcrumbs: d.breadcrumbs()}
		for _, a := range s.accounts {
			v.Accounts = append(v.Accounts, cardFor(a))
		}
		d.render(w, r, http.StatusOK, pageChooser, v)
	}
}

// account is the dashboard of one account in the user's claim.
func (d *Dashboard) account(w http.ResponseWriter, r *http.Request) {
	s, found := d.current(w, r)
	if found != lookupFound {
		d.signedOut(w, r, http.StatusUnauthorized, found)
		return
	}
	u := d.userView(s)
	id := r.PathValue("id")
	for _, a := range s.accounts {
		if a.ID != id {
			continue
		}
		card := cardFor(a)
		d.render(w, r, http.StatusOK, pageAccount, view{
			Title:       a.Name + " - Social Care Dashboard",
			User:        u,
			Breadcrumbs: d.breadcrumbs(crumb{Text: a.Name}),
			Account:     card,
			Several:     len(s.accounts) > 1,
		})
		return
	}
	d.render(w, r, http.StatusNotFound, pageError, view{
		Title: "Page not found", User: u,
		Error: errorPage{Title: "Page not found", Message: "You do not have access to this account.", Home: true},
	})
}
