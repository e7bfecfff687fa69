// Package text maps stable message IDs to the exact words users see, in
// English and in Welsh. The English words come from the council's user guides
// (shared/seeds) or, where the guides are silent, from the hosted service
// carekey replaces and the GOV.UK Design System. Code and templates refer to
// messages by ID; only this package holds the wording.
//
// Every message is one entry holding both languages side by side (en, cy), so
// a message cannot exist in one language only: TestCatalogue fails on an
// empty side, on a Welsh side that repeats the English without saying why,
// and on placeholders (%s, %d) that differ between the two.
//
// The Welsh is a first translation. Until a council's Welsh language officer
// has checked an entry and set its reviewed flag, WantsReview lists it
// (docs/welsh.md says how to review and correct the Welsh).
//
// It lives under pkg/ because it is more than carekey's: the pages, the
// notices (internal/notify's contracts carry words) and the reference
// dashboard, which is built only from what any council's app could use, all
// share one catalogue and one way of choosing a language (FromUILocales,
// FromAcceptLanguage), and a council's own relying party may too. It imports
// only the standard library.
//
//	page.Error(text.SignInFailed, "email")
//	text.Welsh.Get(text.SignInFailed)
package text

import (
	"context"
	"fmt"
)

// ID identifies a user-facing message.
type ID string

// Lang is a language carekey speaks: its BCP 47 tag.
type Lang string

// The languages of the catalogue. English is the default.
const (
	English Lang = "en"
	Welsh   Lang = "cy"
)

// Langs returns the languages of the catalogue, the default first.
func Langs() []Lang { return []Lang{English, Welsh} }

// Name is the language's name in itself, for the link that switches to it.
func (l Lang) Name() string {
	if l == Welsh {
		return "Cymraeg"
	}
	return "English"
}

// Other is the language a page's language link offers.
func (l Lang) Other() Lang {
	if l == Welsh {
		return English
	}
	return Welsh
}

// Get returns the words of id in l (in English if l is not a language of the
// catalogue; the ID itself if unknown, so a missing message is visible
// rather than blank).
func (l Lang) Get(id ID) string {
	e, ok := catalogue[id]
	if !ok {
		return string(id)
	}
	if l == Welsh {
		return e.cy
	}
	return e.en
}

// Getf returns the words of id in l with each verb filled in from args.
func (l Lang) Getf(id ID, args ...any) string {
	if len(args) == 0 {
		return l.Get(id)
	}
	return fmt.Sprintf(l.Get(id), args...)
}

// Has reports whether id is in the catalogue.
func Has(id ID) bool {
	_, ok := catalogue[id]
	return ok
}

// Get returns the English words for id: for logs, the admin API and plain
// responses that have no reader's language. Pages use Lang.Get.
func Get(id ID) string { return English.Get(id) }

// Getf returns the English words of id with each %s filled in from args.
func Getf(id ID, args ...any) string { return English.Getf(id, args...) }

// Message is words chosen now and shown later, in the reader's language: a
// message ID and the values of its verbs.
type Message struct {
	ID   ID
	Args []any
}

// M is the Message of id with args.
func M(id ID, args ...any) Message { return Message{ID: id, Args: args} }

// In returns m's words in l.
func (m Message) In(l Lang) string { return l.Getf(m.ID, m.Args...) }

// String returns m's words in English.
func (m Message) String() string { return m.In(English) }

type langKey struct{}

// WithLang returns ctx carrying the reader's language.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, langKey{}, l)
}

// LangOf returns the reader's language ctx carries (English if none).
func LangOf(ctx context.Context) Lang {
	if l, ok := ctx.Value(langKey{}).(Lang); ok && l != "" {
		return l
	}
	return English
}
