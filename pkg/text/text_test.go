package text

import (
	"context"
	"regexp"
	"slices"
	"testing"
)

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// TestCatalogue holds every message to both languages: neither side empty,
// the Welsh not a copy of the English unless marked as a name, and the same
// verbs in the same order on both sides (Sprintf fills them in order).
func TestCatalogue(t *testing.T) {
	if len(IDs()) < 50 {
		t.Fatalf("catalogue holds %d messages", len(IDs()))
	}
	for _, id := range IDs() {
		e := catalogue[id]
		if e.en == "" || e.cy == "" {
			t.Errorf("%s: en %q, cy %q: both languages need words", id, e.en, e.cy)
		}
		if e.cy == e.en && !e.same {
			t.Errorf("%s: the Welsh is the English (%q); translate it or mark it same", id, e.en)
		}
		if e.same && e.cy != e.en {
			t.Errorf("%s: marked same but the two differ", id)
		}
		if en, cy := verb.FindAllString(e.en, -1), verb.FindAllString(e.cy, -1); !slices.Equal(en, cy) {
			t.Errorf("%s: verbs differ: en %v, cy %v", id, en, cy)
		}
	}
}

func TestGet(t *testing.T) {
	if got := Get("no.such.id"); got != "no.such.id" {
		t.Errorf("Get(unknown) = %q, want the ID", got)
	}
	if got, want := Welsh.Get(SignInFailed), "Mae'r cyfeiriad e-bost neu'r cyfrinair a roesoch yn anghywir."; got != want {
		t.Errorf("Welsh.Get = %q, want %q", got, want)
	}
	if got := Lang("fr").Get(SignInFailed); got != Get(SignInFailed) {
		t.Errorf("an unknown language gets %q, want the English", got)
	}
	if got := Getf(FooterProvidedBy, "Children's Services Portal", "Broadland District Council"); got != "Children's Services Portal is provided by Broadland District Council." {
		t.Errorf("Getf = %q", got)
	}
	if got := M(FooterProvidedBy, "P", "C").In(Welsh); got != "Darperir P gan C." {
		t.Errorf("Message.In(Welsh) = %q", got)
	}
	if !Has(SignInFailed) || Has("no.such.id") {
		t.Error("Has is wrong")
	}
	if len(WantsReview()) == 0 {
		t.Error("no Welsh wants review: who reviewed it? mark entries reviewed only after a Welsh language officer has")
	}
}

func TestLangOf(t *testing.T) {
	ctx := context.Background()
	if LangOf(ctx) != English {
		t.Error("default is not English")
	}
	if LangOf(WithLang(ctx, Welsh)) != Welsh {
		t.Error("WithLang lost")
	}
	if English.Other() != Welsh || Welsh.Other() != English || Welsh.Name() != "Cymraeg" || English.Name() != "English" {
		t.Error("Other/Name wrong")
	}
}

func TestNegotiate(t *testing.T) {
	for _, c := range []struct {
		in   string
		ui   Lang
		uiOK bool
		al   Lang
		alOK bool
	}{
		{"", "", false, "", false},
		{"cy", Welsh, true, Welsh, true},
		{"cy-GB", Welsh, true, Welsh, true},
		{"EN", English, true, English, true},
		{"fr", "", false, "", false},
		{"fr cy en", Welsh, true, "", false},
		{"fr, cy;q=0.5, en;q=0.9", "", false, English, true},
		{"en-GB,en;q=0.9,cy;q=0.8", English, true, English, true},
		{"cy;q=0.9, en;q=0.9", "", false, Welsh, true},
		{"cy;q=0, en;q=0.1", "", false, English, true},
		{"cy;q=x", "", false, "", false},
		{"*", "", false, "", false},
	} {
		if l, ok := FromUILocales(c.in); l != c.ui || ok != c.uiOK {
			t.Errorf("FromUILocales(%q) = %q %v, want %q %v", c.in, l, ok, c.ui, c.uiOK)
		}
		if l, ok := FromAcceptLanguage(c.in); l != c.al || ok != c.alOK {
			t.Errorf("FromAcceptLanguage(%q) = %q %v, want %q %v", c.in, l, ok, c.al, c.alOK)
		}
	}
}

func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "cy", "en-GB,en;q=0.9,cy;q=0.8", "cy;q=x", "fr cy"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, get := range []func(string) (Lang, bool){FromUILocales, FromAcceptLanguage, ParseLang} {
			l, ok := get(s)
			if ok != (l == English || l == Welsh) {
				t.Fatalf("%q gave %q, %v", s, l, ok)
			}
		}
	})
}

func TestSaved(t *testing.T) {
	for _, tc := range []struct {
		saved    string
		fallback Lang
		want     Lang
	}{
		{"cy", English, Welsh},
		{"en", Welsh, English},
		{"", Welsh, Welsh},
		{"fr", English, English},
		{"cy-GB", English, Welsh},
	} {
		if got := Saved(tc.saved, tc.fallback); got != tc.want {
			t.Errorf("Saved(%q, %s) = %s, want %s", tc.saved, tc.fallback, got, tc.want)
		}
	}
}
