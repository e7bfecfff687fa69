package dashboard

import (
	"net/http"
	"strings"
	"testing"
)

// The dashboard says the service's name the one way carekey does, by
// default, and takes another council's names and colours whole.
func TestBrandDashboard(t *testing.T) {
	td := newTest(t, nil)
	body := td.get("/").Body.String()
	for _, want := range []string{"<title>My Account - Children&#39;s Services Portal - Norfolk County Council</title>",
		"<p>New to Children&#39;s Services Portal? ", `<p class="govuk-footer__meta-custom">Children&#39;s Services Portal is provided by Norfolk County Council.</p>`} {
		if !strings.Contains(body, want) {
			t.Errorf("default branding: missing %s in\n%s", want, body)
		}
	}
	if strings.Contains(body, "Childrens") || strings.Contains(body, "Services Online") {
		t.Errorf("another spelling of the service:\n%s", body)
	}

	td = newTest(t, func(c *Config) {
		c.Branding = Branding{CouncilName: "Broadland District Council", ServiceName: "Family Help Online",
			CouncilURL: "https://www.broadland.example/families", PrimaryColor: "#4b0d4b", LinkColor: "#003078"}
	})
	for _, path := range []string{"/", "/accounts/acc_nope"} {
		body := td.get(path, td.signIn(t, pennyClaims)).Body.String()
		if !strings.Contains(body, "Family Help Online") {
			t.Errorf("%s is not Broadland's:\n%s", path, body)
		}
		if strings.Contains(strings.ToLower(body), "norfolk") {
			t.Errorf("%s mentions Norfolk:\n%s", path, body)
		}
	}
	body = td.get("/", td.signIn(t, pennyClaims)).Body.String()
	assertInOrder(t, body, `<a class="site-header__council" href="/">Broadland District Council</a>`,
		`<a class="govuk-breadcrumbs__link" href="https://www.broadland.example/families">Care, support and health</a>`, `<a class="govuk-breadcrumbs__link" href="/">Family Help Online</a>`,
		"Family Help Online is provided by Broadland District Council.")
	w := td.get("/static/theme.css")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/css; charset=utf-8" ||
		!strings.Contains(w.Body.String(), "--brand: #4b0d4b; --brand-text: #ffffff; --link: #003078;") {
		t.Errorf("theme: %d %v\n%s", w.Code, w.Header(), w.Body)
	}
}

// A colour that is not #rrggbb is refused: it would be written into CSS.
func TestBrandColoursChecked(t *testing.T) {
	cfg := Config{Issuer: testIssuer, ClientID: "dashboard", BaseURL: testBase,
		Branding: Branding{PrimaryColor: "red; } body { display: none"}}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "primary_color") {
		t.Errorf("New = %v, want a primary_color error", err)
	}
}

// The phase banner shows only when the branding asks for one, and an
// unknown phase or a missing feedback link is refused.
func TestPhaseBannerDashboard(t *testing.T) {
	if body := newTest(t, nil).get("/").Body.String(); strings.Contains(body, "govuk-phase-banner") {
		t.Errorf("a phase banner by default:\n%s", body)
	}
	td := newTest(t, func(c *Config) {
		c.Branding = Branding{PhaseBanner: "alpha", FeedbackURL: "https://www.broadland.example/feedback"}
	})
	assertInOrder(t, td.get("/").Body.String(), `<strong class="govuk-tag govuk-phase-banner__content__tag">Alpha</strong>`,
		`<a href="https://www.broadland.example/feedback">give your feedback</a>`)
	for _, b := range []Branding{{PhaseBanner: "gamma", FeedbackURL: "https://x.example/"}, {PhaseBanner: "beta"}} {
		cfg := Config{Issuer: testIssuer, ClientID: "dashboard", BaseURL: testBase, Branding: b}
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "branding") {
			t.Errorf("New(%+v) = %v, want a branding error", b, err)
		}
	}
}

// An unknown address is the dashboard's 404 page in its layout, with a way
// back, not the mux's plain text.
func TestNotFoundPageDashboard(t *testing.T) {
	w := newTest(t, nil).get("/no-such-page")
	body := w.Body.String()
	if w.Code != http.StatusNotFound || !strings.Contains(body, `<html lang="en">`) ||
		!strings.Contains(body, "<title>Page not found - Children&#39;s Services Portal - Norfolk County Council</title>") ||
		!strings.Contains(body, "<h1 class=\"govuk-heading-l\">Page not found</h1>") || !strings.Contains(body, `<a href="/">Go to Children&#39;s Services Portal</a>`) {
		t.Errorf("%d:\n%s", w.Code, body)
	}
}
