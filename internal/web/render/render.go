// Package render turns carekey's embedded html/template pages into responses.
// Every page is parsed together with the shared layout at start-up (New fails
// if a required page is missing), rendered into a buffer and only then written,
// so a template error never sends half a page.
//
// The brand (config.Branding) is filled into every page; Assets serves its
// colours as CSS custom properties, its logo and its favicon (brand.go).
// StatusPage and LinkProblem render the pages for errors no journey words:
// a wrong address, an outage, a sign-in link the provider cannot follow.
//
//	pages, err := render.New(ui.Templates(), brand, logger, "signin", "error")
//	pages.Render(w, r, http.StatusOK, "signin", &render.Page{Title: "signin.title"})
package render

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/pkg/text"
)

// FieldError is one error message, tied to the input with ID Field ("" for a
// form-level error). Render fills in Message, Text's words in the page's
// language.
type FieldError struct {
	Field   string
	Text    text.Message
	Message string
	Lang    text.Lang // the page's, set by Render
}

// T returns the words of message id in the page's language, for templates
// whose dot is the error ("field-error").
func (e FieldError) T(id string) string { return e.Lang.Get(text.ID(id)) }

// Page is the data every template receives. Title is a message ID; Render
// fills in Lang, the reader's language (text.LangOf the request's context),
// in which the templates word everything through T, Tf and Say.
type Page struct {
	Title  text.ID
	Lang   text.Lang
	Brand  config.Branding
	CSRF   string
	Errors []FieldError
	Values map[string]string
	Data   any

	themeHref string // set by Render (brand.go)
	langHref  string // set by Render (lang.go)
}

// FieldError returns the error for field, or nil.
func (p *Page) FieldError(field string) *FieldError {
	for i := range p.Errors {
		if p.Errors[i].Field == field {
			return &p.Errors[i]
		}
	}
	return nil
}

// Value returns the submitted value of a field, for re-display.
func (p *Page) Value(field string) string { return p.Values[field] }

// At is the page with the path its forms post under, for blocks shared by
// journeys ({{template "email-code" (.At "/register")}}).
func (p *Page) At(path string) PageAt { return PageAt{Page: p, Path: path} }

// PageAt is a page and the path its forms post under.
type PageAt struct {
	*Page
	Path string
}

// AddError appends the message with ID id for field.
func (p *Page) AddError(id text.ID, field string) {
	p.Errors = append(p.Errors, FieldError{Field: field, Text: text.M(id)})
}

// T returns the words of message id (a string or a text.ID) in the page's
// language ({{.T "signin.heading"}}, {{.T .Data.Heading}}).
func (p *Page) T(id any) string { return p.Lang.Get(toID(id)) }

// Tf returns the words of message id in the page's language with its verbs
// filled in from args ({{.Tf "footer.provided_by" .Brand.ServiceName .Brand.CouncilName}}).
func (p *Page) Tf(id any, args ...any) string { return p.Lang.Getf(toID(id), args...) }

// Say returns m's words in the page's language (nil: none).
func (p *Page) Say(m any) string {
	switch m := m.(type) {
	case text.Message:
		return m.In(p.Lang)
	case *text.Message:
		if m != nil {
			return m.In(p.Lang)
		}
	}
	return ""
}

// Banner is a success banner's words: its title and its message
// ({{template "success-banner" (.Banner "signin.registered")}}).
func (p *Page) Banner(id any) Banner {
	return Banner{Title: p.Lang.Get(text.BannerSuccess), Words: p.T(id)}
}

// Banner is the data of the "success-banner" template.
type Banner struct{ Title, Words string }

func toID(id any) text.ID {
	switch id := id.(type) {
	case text.ID:
		return id
	case string:
		return text.ID(id)
	}
	return text.ID(fmt.Sprint(id))
}

// Pages holds the parsed templates.
type Pages struct {
	brand  config.Branding
	assets assets // brand.go
	pages  map[string]*template.Template
	logger *slog.Logger
}

// New parses layout.html with each named page (<name>.html) from fsys.
func New(fsys fs.FS, brand config.Branding, logger *slog.Logger, names ...string) (*Pages, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &Pages{brand: brand, assets: newAssets(brand), pages: make(map[string]*template.Template, len(names)), logger: logger}
	for _, name := range names {
		t, err := template.New(name).ParseFS(fsys, "layout.html", name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		p.pages[name] = t
	}
	return p, nil
}

// Render writes page name with status. The brand is filled in here.
func (p *Pages) Render(w http.ResponseWriter, r *http.Request, status int, name string, data *Page) {
	t, ok := p.pages[name]
	if !ok {
		p.logger.ErrorContext(r.Context(), "render: unknown page", "page", name)
		http.Error(w, text.LangOf(r.Context()).Get(text.SomethingWentWrong), http.StatusInternalServerError)
		return
	}
	data.Brand = p.brand
	data.Lang = text.LangOf(r.Context())
	data.langHref = langHref(r, data.Lang.Other())
	for i := range data.Errors {
		data.Errors[i].Message = data.Errors[i].Text.In(data.Lang)
		data.Errors[i].Lang = data.Lang
	}
	data.themeHref = p.assets.themeHref
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		p.logger.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, data.Lang.Get(text.SomethingWentWrong), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", string(data.Lang))
	h.Add("Vary", "Accept-Language, Cookie")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// ErrorData is the data of the "error" page.
type ErrorData struct {
	Heading    text.ID
	Message    text.Message
	StartAgain string // link target for "Start again", if any
	// RetryIn says when to try again ("about 4 minutes"), with BackTo the
	// page to go back to meanwhile (a 429).
	RetryIn *text.Message
	BackTo  string
	// Home links to the start of the service, for a page reached by a
	// wrong address rather than a journey's step.
	Home bool
	// TryAgain is the target of "Try again", for a request carekey could
	// not answer now (a 5xx): the page the person was on.
	TryAgain string
}

// Error renders the error page with status.
func (p *Pages) Error(w http.ResponseWriter, r *http.Request, status int, heading, id text.ID, startAgain string) {
	p.Render(w, r, status, "error", &Page{
		Title: heading,
		Data:  ErrorData{Heading: heading, Message: text.M(id), StartAgain: startAgain},
	})
}

// Unavailable renders the page for a request carekey could not answer now
// (an outage, a busy or failing server): heading and message, with "Try
// again" to tryAgain, the page the person was on, or, without one, a link to
// the start of the service.
func (p *Pages) Unavailable(w http.ResponseWriter, r *http.Request, status int, heading, id text.ID, tryAgain string) {
	p.Render(w, r, status, "error", &Page{
		Title: heading,
		Data:  ErrorData{Heading: heading, Message: text.M(id), TryAgain: tryAgain, Home: tryAgain == ""},
	})
}

// statusWords are the heading and message of each status StatusPage knows;
// any other 4xx is a bad request, any other 5xx a problem with the service.
var statusWords = map[int][2]text.ID{
	http.StatusBadRequest:          {text.ProblemHeading, text.BadRequest},
	http.StatusNotFound:            {text.NotFound, text.NotFoundDetail},
	http.StatusMethodNotAllowed:    {text.MethodNotAllowedHeading, text.MethodNotAllowed},
	http.StatusInternalServerError: {text.ProblemHeading, text.SomethingWentWrong},
	http.StatusServiceUnavailable:  {text.UnavailableHeading, text.ServiceUnavailable},
}

// StatusPage renders the page for an error status that no journey step
// words: a wrong address (404), a wrong method (405), an outage (503).
func (p *Pages) StatusPage(w http.ResponseWriter, r *http.Request, status int) {
	words, ok := statusWords[status]
	switch {
	case ok:
	case status >= 500:
		words = statusWords[http.StatusInternalServerError]
	default:
		words = statusWords[http.StatusBadRequest]
	}
	p.statusPage(w, r, status, words[0], words[1])
}

// LinkProblem renders the page for a sign-in or sign-out link the provider
// cannot follow (an unknown client, a redirect URI it does not allow).
func (p *Pages) LinkProblem(w http.ResponseWriter, r *http.Request, status int) {
	p.statusPage(w, r, status, text.LinkProblemHeading, text.LinkInvalid)
}

func (p *Pages) statusPage(w http.ResponseWriter, r *http.Request, status int, heading, message text.ID) {
	data := ErrorData{Heading: heading, Message: text.M(message), Home: true}
	if status >= 500 && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/") && !strings.HasPrefix(r.URL.Path, "//") {
		data.TryAgain = r.URL.RequestURI() // the same address may answer in a moment
	}
	p.Render(w, r, status, "error", &Page{Title: heading, Data: data})
}
