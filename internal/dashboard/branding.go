package dashboard

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Branding names and colours the dashboard. carekey's `idp dev` passes the
// provider's own branding (config branding.*), so both show one service
// name and one set of colours; cmd/dashboard takes it from flags.
type Branding struct {
	CouncilName string // default "Norfolk County Council"
	ServiceName string // default "Children's Services Portal", the guides' spelling
	// CouncilURL is the council's web page the breadcrumb trail starts at.
	CouncilURL string
	// Colours, "#rrggbb" (carekey's config check holds them to WCAG
	// contrast): the header and buttons, the text on them, and links.
	PrimaryColor, PrimaryTextColor, LinkColor string
	// PhaseBanner, "alpha" or "beta", shows a phase banner asking for
	// feedback at FeedbackURL; "" shows none.
	PhaseBanner, FeedbackURL string
}

// Default branding, the same as carekey's defaults.
const (
	DefaultCouncilName  = "Norfolk County Council"
	DefaultServiceName  = "Children's Services Portal"
	DefaultCouncilURL   = "https://www.norfolk.gov.uk/care-support-and-health"
	DefaultPrimaryColor = "#1d70b8"
)

// withDefaults fills what b leaves empty.
func (b Branding) withDefaults() Branding {
	set := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	set(&b.CouncilName, DefaultCouncilName)
	set(&b.ServiceName, DefaultServiceName)
	set(&b.CouncilURL, DefaultCouncilURL)
	set(&b.PrimaryColor, DefaultPrimaryColor)
	set(&b.PrimaryTextColor, "#ffffff")
	set(&b.LinkColor, b.PrimaryColor)
	return b
}

// check returns an error for each colour that is not #rrggbb.
func (b Branding) check() []error {
	var errs []error
	for _, c := range []struct{ name, value string }{
		{"primary_color", b.PrimaryColor}, {"primary_text_color", b.PrimaryTextColor}, {"link_color", b.LinkColor},
	} {
		if !isHexColor(c.value) {
			errs = append(errs, fmt.Errorf("branding %s: %q is not a colour such as #1d70b8", c.name, c.value))
		}
	}
	switch {
	case b.PhaseBanner == "":
	case b.PhaseBanner != "alpha" && b.PhaseBanner != "beta":
		errs = append(errs, fmt.Errorf("branding phase_banner: %q is not alpha or beta", b.PhaseBanner))
	case !strings.HasPrefix(b.FeedbackURL, "https://") && !strings.HasPrefix(b.FeedbackURL, "http://"):
		errs = append(errs, fmt.Errorf("branding feedback_url: %q is not an http(s) URL, and the phase banner needs one", b.FeedbackURL))
	}
	return errs
}

func isHexColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	_, err := strconv.ParseUint(s[1:], 16, 32)
	return err == nil
}

// themeCSS is the colours as the CSS custom properties dashboard.css uses.
func (b Branding) themeCSS() string {
	var s strings.Builder
	fmt.Fprintf(&s, "/* The deployment's colours. */\n:root { --brand: %s; --brand-text: %s; --link: %s; }\n",
		b.PrimaryColor, b.PrimaryTextColor, b.LinkColor)
	return s.String()
}

// theme serves /static/theme.css.
func (d *Dashboard) theme(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(d.themeCSS))
}
