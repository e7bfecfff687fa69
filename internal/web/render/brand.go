package render

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/carekey/carekey/internal/config"
	"github.com/carekey/carekey/pkg/text"
)

// Paths of the branding assets Assets serves.
const (
	PathTheme   = "/brand/theme.css"
	PathLogo    = "/brand/logo"
	PathFavicon = "/favicon.ico"
	// defaultFavicon is the embedded mark in ui/static, used when the config
	// names no favicon of its own (the layout draws the same mark beside the
	// council's name when there is no logo).
	defaultFavicon = "favicon.svg"
)

// assets are the deployment's branding files, ready to serve.
type assets struct {
	theme, themeHref string // the CSS, and its URL with a version that changes with it
	logo, logoType   string // "" without logo_file
	favicon, favType string // "" without favicon_file
}

func newAssets(b config.Branding) assets {
	var css strings.Builder
	css.WriteString("/* carekey: the deployment's colours (config branding.*). */\n:root {")
	for _, v := range []struct{ name, value string }{
		{"--brand", b.PrimaryColor}, {"--brand-text", b.PrimaryTextColor}, {"--link", b.LinkColor},
	} {
		if isHexColor(v.value) { // anything else would break out of the declaration
			fmt.Fprintf(&css, " %s: %s;", v.name, v.value)
		}
	}
	css.WriteString(" }\n")
	sum := sha256.Sum256([]byte(css.String()))
	a := assets{theme: css.String(), themeHref: PathTheme + "?v=" + hex.EncodeToString(sum[:6])}
	if len(b.Logo) > 0 {
		a.logo, a.logoType = string(b.Logo), config.ImageType(b.LogoFile)
	}
	if len(b.Favicon) > 0 {
		a.favicon, a.favType = string(b.Favicon), config.ImageType(b.FaviconFile)
	}
	return a
}

func isHexColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	_, err := strconv.ParseUint(s[1:], 16, 32)
	return err == nil
}

// Assets serves the branding: PathTheme (the configured colours as CSS
// custom properties, which ui/static/carekey.css uses), PathLogo (the
// config's logo_file) and PathFavicon (favicon_file, else favicon.svg from
// static). Mount it at "/brand/" and PathFavicon.
func (p *Pages) Assets(static fs.FS) http.Handler {
	var defaultIcon []byte
	if static != nil {
		defaultIcon, _ = fs.ReadFile(static, defaultFavicon)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body, ctype string
		switch r.URL.Path {
		case PathTheme:
			body, ctype = p.assets.theme, "text/css; charset=utf-8"
		case PathLogo:
			body, ctype = p.assets.logo, p.assets.logoType
		case PathFavicon:
			body, ctype = p.assets.favicon, p.assets.favType
			if body == "" {
				body, ctype = string(defaultIcon), "image/svg+xml"
			}
		}
		if body == "" {
			p.StatusPage(w, r, http.StatusNotFound)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("Cache-Control", "public, max-age=3600")
		// An SVG opened on its own runs nothing and loads nothing.
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write([]byte(body))
	})
}

// Link is a link of the page's frame.
type Link struct{ Text, URL, Lang string }

// ThemeHref is the URL of the stylesheet with the deployment's colours.
func (p *Page) ThemeHref() string { return p.themeHref }

// Logo is the URL of the council's logo: its own (logo_file or logo_url),
// or "" for the council's name beside the layout's neutral mark.
func (p *Page) Logo() string {
	switch {
	case len(p.Brand.Logo) > 0:
		return PathLogo
	case p.Brand.LogoURL != "":
		return p.Brand.LogoURL
	}
	return ""
}

// FooterLinks are the footer's links that the config sets, in order.
func (p *Page) FooterLinks() []Link {
	var links []Link
	for _, l := range []struct {
		id  text.ID
		url string
	}{
		{text.FooterHelp, p.Brand.HelpURL},
		{text.FooterAccessibility, p.Brand.AccessibilityURL},
		{text.FooterPrivacy, p.Brand.PrivacyURL},
		{text.FooterCookies, p.Brand.CookiesURL},
		{text.FooterContact, p.Brand.ContactURL},
	} {
		if l.url != "" {
			links = append(links, Link{Text: p.Lang.Get(l.id), URL: l.url})
		}
	}
	return links
}

// ProvidedBy is the footer's line naming the service and the council.
func (p *Page) ProvidedBy() string {
	return p.Lang.Getf(text.FooterProvidedBy, p.Brand.ServiceName, p.Brand.CouncilName)
}

// ContactLink words the link to the council's contact page.
func (p *Page) ContactLink() string { return p.Lang.Getf(text.ContactCouncilLink, p.Brand.CouncilName) }
