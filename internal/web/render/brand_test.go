package render_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/internal/web/render"
	"github.com/carekey/carekey/pkg/text"
	"github.com/carekey/carekey/ui"
)

// broadland is a second council's theme: nothing of Norfolk's may show
// through it.
var broadland = config.Branding{
	CouncilName: "Broadland District Council", ServiceName: "Family Help Online",
	LogoFile: "/etc/carekey/crest.png", Logo: []byte("\x89PNG crest"),
	FaviconFile: "icon.ico", Favicon: []byte("ICO"),
	PrimaryColor: "#0b0c0c", PrimaryTextColor: "#ffdd00", LinkColor: "#003078",
	HelpURL: "https://www.broadland.example/help", AccessibilityURL: "https://www.broadland.example/accessibility",
	PrivacyURL: "https://www.broadland.example/privacy", CookiesURL: "https://www.broadland.example/cookies",
	ContactURL: "https://www.broadland.example/contact",
}

func brandedPages(t *testing.T, b config.Branding) *render.Pages {
	t.Helper()
	p, err := render.New(ui.Templates(), b, nil, allPages...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBrandSecondCouncil renders every page with another council's
// branding: its names, logo, colours and footer links, and no "Norfolk".
func TestBrandSecondCouncil(t *testing.T) {
	pages := brandedPages(t, broadland)
	for _, name := range allPages {
		rec := httptest.NewRecorder()
		pages.Render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, name, &render.Page{Title: "T", CSRF: "tok", Data: pageData()})
		body := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", name, rec.Code)
		}
		if strings.Contains(strings.ToLower(body), "norfolk") {
			t.Errorf("%s mentions Norfolk:\n%s", name, body)
		}
		for _, want := range []string{
			"<title>T - Family Help Online</title>",
			`<img src="/brand/logo" alt="Broadland District Council" class="logo">`,
			`<link rel="stylesheet" href="/brand/theme.css?v=`,
			`<link rel="icon" href="/favicon.ico">`,
			`<meta name="theme-color" content="#0b0c0c">`,
			`<a href="https://www.broadland.example/help" class="govuk-footer__link">Help</a>`,
			`<a href="https://www.broadland.example/accessibility" class="govuk-footer__link">Accessibility statement</a>`,
			`<a href="https://www.broadland.example/privacy" class="govuk-footer__link">Privacy</a>`,
			`<a href="https://www.broadland.example/cookies" class="govuk-footer__link">Cookies</a>`,
			`<a href="https://www.broadland.example/contact" class="govuk-footer__link">Contact</a>`,
			`<p class="govuk-footer__meta-custom">Family Help Online is provided by Broadland District Council.</p>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: missing %s", name, want)
			}
		}
	}
}

// Without a logo the council's name is text, beside a mark screen readers
// skip; without footer URLs there are no empty links.
func TestBrandDefaults(t *testing.T) {
	rec := httptest.NewRecorder()
	newPages(t, nil).Render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, "logged_out", &render.Page{Title: "Bye"})
	body := rec.Body.String()
	for _, want := range []string{`<svg class="logo-mark"`, `aria-hidden="true"`, `<span class="council">Norfolk County Council</span>`,
		`<p class="govuk-footer__meta-custom">Children&#39;s Services Portal is provided by Norfolk County Council.</p>`} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s", want)
		}
	}
	for _, bad := range []string{"<img", "footer-links", `href=""`} {
		if strings.Contains(body, bad) {
			t.Errorf("has %s", bad)
		}
	}
	// An https logo_url is shown as it is.
	b := brand
	b.LogoURL = "https://cdn.council.example/logo.svg"
	rec = httptest.NewRecorder()
	brandedPages(t, b).Render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, "logged_out", &render.Page{Title: "Bye"})
	if !strings.Contains(rec.Body.String(), `<img src="https://cdn.council.example/logo.svg" alt="Norfolk County Council" class="logo">`) {
		t.Errorf("logo_url not shown:\n%s", rec.Body)
	}
}

var themeHrefRE = regexp.MustCompile(`href="(/brand/theme\.css\?v=[0-9a-f]+)"`)

// TestLogoAndThemeServed checks that Assets serves the theme's colours as
// CSS custom properties, the configured logo and favicon, and the embedded
// favicon by default.
func TestLogoAndThemeServed(t *testing.T) {
	get := func(h http.Handler, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	pages := brandedPages(t, broadland)
	assets := pages.Assets(ui.Static())

	rec := httptest.NewRecorder()
	pages.Render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, "logged_out", &render.Page{Title: "Bye"})
	m := themeHrefRE.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no theme link:\n%s", rec.Body)
	}
	theme := get(assets, m[1])
	if theme.Code != http.StatusOK || theme.Header().Get("Content-Type") != "text/css; charset=utf-8" ||
		!strings.Contains(theme.Body.String(), "--brand: #0b0c0c; --brand-text: #ffdd00; --link: #003078;") {
		t.Errorf("theme %d %v:\n%s", theme.Code, theme.Header(), theme.Body)
	}
	for _, tc := range []struct{ path, ctype, body string }{
		{render.PathLogo, "image/png", "\x89PNG crest"},
		{render.PathFavicon, "image/x-icon", "ICO"},
	} {
		rec := get(assets, tc.path)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != tc.ctype || rec.Body.String() != tc.body ||
			!strings.Contains(rec.Header().Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%s: %d %v %q", tc.path, rec.Code, rec.Header(), rec.Body)
		}
	}

	// Norfolk's defaults: carekey.css's colours stand, the embedded icon, no logo to serve.
	def := newPages(t, nil).Assets(ui.Static())
	if rec := get(def, render.PathFavicon); rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(rec.Body.String(), "<svg") {
		t.Errorf("default favicon: %d %v", rec.Code, rec.Header())
	}
	if rec := get(def, render.PathLogo); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "<h1 class=\"govuk-heading-l\">Page not found</h1>") {
		t.Errorf("no logo_file: %d, want the 404 page", rec.Code)
	}
	if rec := get(def, render.PathTheme); strings.Contains(rec.Body.String(), "--") {
		t.Errorf("theme without colours sets some: %s", rec.Body)
	}
}

// A colour that is not #rrggbb never reaches the stylesheet (config check
// refuses it; this is the second line).
func TestThemeRefusesInjection(t *testing.T) {
	b := brand
	b.PrimaryColor = "red; } body { display: none"
	rec := httptest.NewRecorder()
	brandedPages(t, b).Assets(nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, render.PathTheme, nil))
	if body, _ := io.ReadAll(rec.Body); strings.Contains(string(body), "display") {
		t.Errorf("theme: %s", body)
	}
}

var (
	titleRE = regexp.MustCompile(`<title>[^<]+</title>`)
	h1RE    = regexp.MustCompile(`<h1 class="govuk-heading-l">[^<]+</h1>`)
)

// TestStatusPagesAreDesigned checks that each error status renders in the
// layout with lang, a title, a heading and a way forward.
func TestStatusPagesAreDesigned(t *testing.T) {
	pages := brandedPages(t, broadland)
	for _, tc := range []struct {
		status  int
		link    bool // the sign-in link page
		heading text.ID
	}{
		{http.StatusNotFound, false, text.NotFound},
		{http.StatusMethodNotAllowed, false, text.MethodNotAllowedHeading},
		{http.StatusBadRequest, false, text.ProblemHeading},
		{http.StatusUnauthorized, false, text.ProblemHeading},
		{http.StatusInternalServerError, false, text.ProblemHeading},
		{http.StatusBadGateway, false, text.ProblemHeading},
		{http.StatusServiceUnavailable, false, text.UnavailableHeading},
		{http.StatusBadRequest, true, text.LinkProblemHeading},
	} {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/x", nil)
		if tc.link {
			pages.LinkProblem(rec, r, tc.status)
		} else {
			pages.StatusPage(rec, r, tc.status)
		}
		body := rec.Body.String()
		heading := strings.ReplaceAll(text.Get(tc.heading), "'", "&#39;")
		if rec.Code != tc.status || !strings.Contains(body, `<html lang="en">`) || !titleRE.MatchString(body) ||
			!strings.Contains(body, "<title>"+heading+" - Family Help Online</title>") || !h1RE.MatchString(body) ||
			!strings.Contains(body, "<h1 class=\"govuk-heading-l\">"+heading+"</h1>") ||
			!strings.Contains(body, `<a href="/">`+text.Get(text.GoHome)+`</a>`) ||
			!strings.Contains(body, `If the problem continues, <a href="https://www.broadland.example/contact">contact Broadland District Council</a>.`) {
			t.Errorf("status %d (link %v): %d\n%s", tc.status, tc.link, rec.Code, body)
		}
		// A 5xx may answer in a moment: "Try again" goes back to the address.
		tryAgain := `<a href="/x" class="govuk-button">` + text.Get(text.TryAgain) + `</a>`
		if got := strings.Contains(body, tryAgain); got != (tc.status >= 500) {
			t.Errorf("status %d: Try again shown %v, want %v", tc.status, got, tc.status >= 500)
		}
	}
}

// Unavailable offers "Try again" to the page the person was on, or, with
// none, the way to the start of the service.
func TestUnavailablePage(t *testing.T) {
	pages := brandedPages(t, broadland)
	for _, tc := range []struct{ tryAgain, want, not string }{
		{"/signin", `<a href="/signin" class="govuk-button">` + text.Get(text.TryAgain) + `</a>`, `<a href="/">`},
		{"", `<a href="/">` + text.Get(text.GoHome) + `</a>`, text.Get(text.TryAgain)},
	} {
		rec := httptest.NewRecorder()
		pages.Unavailable(rec, httptest.NewRequest(http.MethodPost, "/signin/call", nil), http.StatusServiceUnavailable,
			text.UnavailableHeading, text.ServiceUnavailable, tc.tryAgain)
		body := rec.Body.String()
		if rec.Code != http.StatusServiceUnavailable || !strings.Contains(body, tc.want) || strings.Contains(body, tc.not) ||
			!strings.Contains(body, "<title>"+text.Get(text.UnavailableHeading)+" - Family Help Online</title>") {
			t.Errorf("try again %q: %d\n%s", tc.tryAgain, rec.Code, body)
		}
	}
}

// A phase banner shows only when the config asks for one, with its feedback
// link; by default there is none.
func TestPhaseBanner(t *testing.T) {
	render1 := func(b config.Branding) string {
		rec := httptest.NewRecorder()
		brandedPages(t, b).Render(rec, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, "logged_out", &render.Page{Title: "Bye"})
		return rec.Body.String()
	}
	if body := render1(brand); strings.Contains(body, "govuk-phase-banner") {
		t.Errorf("a phase banner without phase_banner:\n%s", body)
	}
	b := broadland
	b.PhaseBanner, b.FeedbackURL = "beta", "https://www.broadland.example/feedback"
	body := render1(b)
	for _, want := range []string{`<strong class="govuk-tag govuk-phase-banner__content__tag">Beta</strong>`,
		`<a href="https://www.broadland.example/feedback">give your feedback</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("beta banner lacks %s:\n%s", want, body)
		}
	}
}
