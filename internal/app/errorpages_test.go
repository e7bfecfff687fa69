package app_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/config"
)

var (
	pageTitleRE = regexp.MustCompile(`<title>[^<]+</title>`)
	pageH1RE    = regexp.MustCompile(`<h1 class="govuk-heading-l">[^<]+</h1>`)
)

// browserGet fetches path as a browser does (Accept: text/html, cookies,
// following redirects).
func (e *env) browserGet(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.issuer+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	resp, err := e.browser().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestErrorPagesForBrowsers: an unknown client, a redirect URI the client
// does not have and an unknown path reach a browser as pages in the site's
// layout (lang, title, heading, a link onwards), never zitadel/oidc's plain
// text; an API client still gets the plain answer.
func TestErrorPagesForBrowsers(t *testing.T) {
	e := start(t, false)
	authorize := func(client, redirect string) string {
		return "/authorize?" + url.Values{
			"client_id": {client}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {"openid"},
			"state": {"s"}, "code_challenge": {"E9Melhoe2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
		}.Encode()
	}
	for _, tc := range []struct {
		name, path string
		status     int
		h1         string
	}{
		{"unknown client", authorize("no-such-client", dashRedirect), http.StatusBadRequest, "Sorry, there is a problem with the sign-in link"},
		{"bad redirect URI", authorize("dashboard", "https://evil.example/callback"), http.StatusBadRequest, "Sorry, there is a problem with the sign-in link"},
		{"bad request", "/authorize", http.StatusBadRequest, "Sorry, there is a problem with the sign-in link"},
		{"bad post-logout URI", "/end_session?" + url.Values{"client_id": {"dashboard"}, "post_logout_redirect_uri": {"https://evil.example/"}}.Encode(),
			http.StatusBadRequest, "Sorry, there is a problem with the sign-in link"},
		{"not found", "/no-such-page", http.StatusNotFound, "Page not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.browserGet(t, tc.path)
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%d %q, want %d HTML", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status)
			}
			if !strings.Contains(body, `<html lang="en">`) || !pageTitleRE.MatchString(body) || !pageH1RE.MatchString(body) ||
				!strings.Contains(body, "<h1 class=\"govuk-heading-l\">"+tc.h1+"</h1>") || !strings.Contains(body, `<a href="/">Go to the sign-in page</a>`) {
				t.Errorf("not the designed page:\n%s", body)
			}
			if strings.Contains(body, "unable to retrieve") || strings.Contains(body, "invalid_request") || strings.Contains(body, "404 page not found") {
				t.Errorf("the provider's words leaked:\n%s", body)
			}
		})
	}

	resp, err := e.srv.Client().Get(e.issuer + authorize("no-such-client", dashRedirect))
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(body, "<html") {
		t.Errorf("API client: %d %q, want the provider's plain 400", resp.StatusCode, body)
	}
}

// TestBrandSecondCouncil runs carekey with another council's branding: the
// pages, logo and colours are theirs and nothing says Norfolk.
func TestBrandSecondCouncil(t *testing.T) {
	logo := []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Broadland</title></svg>`)
	e := startWith(t, false, func(c *config.Config) {
		c.Branding = config.Branding{
			CouncilName: "Broadland District Council", ServiceName: "Family Help Online",
			LogoFile: "crest.svg", Logo: logo,
			PrimaryColor: "#4b0d4b", PrimaryTextColor: "#ffffff", LinkColor: "#4b0d4b",
			AccessibilityURL: "https://www.broadland.example/accessibility",
		}
	})
	for _, path := range []string{"/signin", "/register", "/forgot-password", "/no-such-page", "/authorize"} {
		_, body := e.browserGet(t, path)
		if strings.Contains(strings.ToLower(body), "norfolk") {
			t.Errorf("%s mentions Norfolk:\n%s", path, body)
		}
		if !strings.Contains(body, "Family Help Online") || !strings.Contains(body, `alt="Broadland District Council"`) ||
			!strings.Contains(body, `<a href="https://www.broadland.example/accessibility" class="govuk-footer__link">Accessibility statement</a>`) {
			t.Errorf("%s is not Broadland's:\n%s", path, body)
		}
	}
	resp, body := e.browserGet(t, "/brand/logo")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || body != string(logo) {
		t.Errorf("logo: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	if _, body := e.browserGet(t, "/brand/theme.css"); !strings.Contains(body, "--brand: #4b0d4b;") {
		t.Errorf("theme: %s", body)
	}
}
