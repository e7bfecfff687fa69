package text

import (
	"sort"
	"strconv"
	"strings"
)

// ParseLang returns the catalogue's language for a BCP 47 tag ("cy",
// "cy-GB", "EN"), or false.
func ParseLang(tag string) (Lang, bool) {
	base, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
	base, _, _ = strings.Cut(base, "_")
	switch strings.ToLower(base) {
	case "en":
		return English, true
	case "cy":
		return Welsh, true
	}
	return "", false
}

// FromUILocales returns the first language of an OpenID Connect ui_locales
// value (space-separated tags, most preferred first) that the catalogue
// has, or false.
func FromUILocales(v string) (Lang, bool) {
	for i, tag := range strings.Fields(v) {
		if i == 16 { // a client's preference list, not a dictionary
			break
		}
		if l, ok := ParseLang(tag); ok {
			return l, true
		}
	}
	return "", false
}

// FromAcceptLanguage returns the language of an Accept-Language header the
// catalogue has with the highest weight (the first on a tie), or false.
func FromAcceptLanguage(h string) (Lang, bool) {
	type choice struct {
		lang Lang
		q    float64
		pos  int
	}
	var best []choice
	for i, part := range strings.Split(h, ",") {
		if i == 32 {
			break
		}
		tag, params, _ := strings.Cut(part, ";")
		l, ok := ParseLang(tag)
		if !ok {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.TrimSpace(k) == "q" {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		if q > 0 {
			best = append(best, choice{l, q, i})
		}
	}
	if len(best) == 0 {
		return "", false
	}
	sort.SliceStable(best, func(i, j int) bool { return best[i].q > best[j].q })
	return best[0].lang, true
}

// Saved returns the language saved with an account (store.User.Language), or
// fallback when none is saved or carekey no longer speaks it. Notices about
// an account (password changed, account locked) go in the saved language;
// codes for the person at the screen go in the page's (LangOf).
func Saved(saved string, fallback Lang) Lang {
	if l, ok := ParseLang(saved); ok {
		return l
	}
	return fallback
}
