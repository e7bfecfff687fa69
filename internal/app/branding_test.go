package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/carekey/carekey/internal/config"
)

// A second council's branding reaches every page, email and text carekey
// sends, and nothing says Norfolk: the names and colours come from config
// alone (issue 14, "a second example theme").
func TestAnotherCouncilsBrandingEverywhere(t *testing.T) {
	e := startWith(t, false, func(c *config.Config) {
		c.Branding = config.Branding{CouncilName: "Broadland District Council", ServiceName: "Family Help Online",
			PrimaryColor: "#4b0d4b", PrimaryTextColor: "#ffffff", LinkColor: "#003078",
			AccessibilityURL: "https://www.broadland.example/accessibility", PrivacyURL: "https://www.broadland.example/privacy"}
	})
	c := e.browser()
	r := e.rp("dashboard", dashSecret, dashRedirect, "profile", "email")
	pages := map[string]string{}
	get := func(name, u string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "text/html") // as a browser asks
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		pages[name] = string(b)
	}
	get("sign-in", r.conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	get("register", e.issuer+"/register")
	get("forgot password", e.issuer+"/forgot-password")
	get("not found", e.issuer+"/no-such-page")
	get("theme", e.issuer+"/brand/theme.css")
	e.registerToVerify(t, c, "nina.newcomer@example.com")
	for _, m := range e.outbox(t) {
		pages["message "+m.Channel+" "+m.Subject] = m.Subject + "\n" + m.Body
	}
	for name, body := range pages {
		if strings.Contains(strings.ToLower(body), "norfolk") {
			t.Errorf("%s mentions Norfolk:\n%s", name, body)
		}
	}
	for _, name := range []string{"sign-in", "register", "forgot password", "not found"} {
		for _, want := range []string{"Broadland District Council", "Family Help Online", "https://www.broadland.example/accessibility"} {
			if !strings.Contains(pages[name], want) {
				t.Errorf("the %s page lacks %q", name, want)
			}
		}
	}
	if !strings.Contains(pages["theme"], "#4b0d4b") || !strings.Contains(pages["theme"], "#003078") {
		t.Errorf("theme.css lacks the configured colours:\n%s", pages["theme"])
	}
	found := false
	for name, body := range pages {
		if strings.HasPrefix(name, "message email") {
			found = true
			if !strings.Contains(body, "Family Help Online") {
				t.Errorf("%s does not name the service:\n%s", name, body)
			}
		}
	}
	if !found {
		t.Error("no email in the outbox")
	}
}
