package b2c_test

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/b2c"
	"github.com/carekey/carekey/internal/mailaddr"
	"github.com/carekey/carekey/internal/phone"
)

// FuzzParseExport: ParseExport never panics and never fails on input
// without an over-long line; every non-blank line is either a record or a
// rejection (never both, never lost), in line order; records have distinct
// object IDs and emails, each email normalises to itself, each phone is
// empty or a valid E.164 number, names are non-empty and free of CR and
// LF; and parsing is deterministic.
func FuzzParseExport(f *testing.F) {
	sample, err := os.ReadFile("testdata/export.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	for _, s := range []string{
		``, "\n\n", `{}`, `null`, `[]`, `"x"`,
		`{"id":"a","givenName":"A","surname":"B","identities":[{"signInType":"emailAddress","issuerAssignedId":"a@b.example\r\nBcc: x@y.example"}]}`,
		`{"id":"a\nb","identities":[{"signInType":"emailAddress","issuerAssignedId":"a@b.example"}]}`,
		`{"id":"a","givenName":"A","surname":"B","identities":[{"signInType":"emailAddress","issuerAssignedId":"A@B.example"}]}` + "\n" +
			`{"id":"b","givenName":"A","surname":"B","identities":[{"signInType":"emailAddress","issuerAssignedId":"a@b.example "}]}`,
		`{"id":"a","displayName":"  ","identities":[{"signInType":"emailAddress","issuerAssignedId":"a@b.example"}],"phoneMethods":[{"phoneNumber":"+44 (0)7700 900047","phoneType":"mobile"}]}`,
		`{"id":"a","givenName":"A","surname":"B","identities":[{"signInType":"emailAddress","issuerAssignedId":"a@b.example"}],"postalCode":"gir0aa","city":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, refused, err := b2c.ParseExport(bytes.NewReader(data), mapping)
		if err != nil {
			if len(data) > b2c.MaxLineBytes {
				return
			}
			t.Fatalf("ParseExport: %v", err)
		}
		lines := 0
		nonBlank := map[int]bool{}
		for i, l := range strings.Split(string(data), "\n") {
			if strings.TrimSpace(strings.TrimSuffix(l, "\r")) != "" && len(bytes.TrimSpace([]byte(l))) > 0 {
				nonBlank[i+1] = true
			}
			lines = i + 1
		}
		seen := map[int]bool{}
		ids, emails := map[string]bool{}, map[string]bool{}
		last := 0
		for _, r := range recs {
			if r.Line <= last || r.Line > lines || seen[r.Line] {
				t.Fatalf("record line %d out of order or range (last %d, %d lines)", r.Line, last, lines)
			}
			last, seen[r.Line] = r.Line, true
			if ids[r.ObjectID] || emails[r.Email] {
				t.Fatalf("line %d: object ID or email of an earlier record", r.Line)
			}
			ids[r.ObjectID], emails[r.Email] = true, true
			if n, err := mailaddr.Normalize(r.Email); err != nil || n != r.Email {
				t.Fatalf("line %d: email %q not normalised", r.Line, r.Email)
			}
			if r.Phone != "" {
				if n, err := phone.Parse(r.Phone, ""); err != nil || n.E164 != r.Phone {
					t.Fatalf("line %d: phone %q not E.164", r.Line, r.Phone)
				}
			}
			if r.GivenName == "" || r.FamilyName == "" || strings.ContainsAny(r.GivenName+r.FamilyName+r.ObjectID, "\r\n") {
				t.Fatalf("line %d: bad names %q %q", r.Line, r.GivenName, r.FamilyName)
			}
		}
		last = 0
		for _, r := range refused {
			if r.Line <= last || r.Line > lines || seen[r.Line] || r.Reason == "" {
				t.Fatalf("rejection %v out of order, out of range, doubled or without reason", r)
			}
			last, seen[r.Line] = r.Line, true
		}
		for l := range nonBlank {
			if !seen[l] {
				t.Fatalf("line %d neither imported nor refused", l)
			}
		}
		recs2, refused2, _ := b2c.ParseExport(bytes.NewReader(data), mapping)
		if !reflect.DeepEqual(recs, recs2) || !reflect.DeepEqual(refused, refused2) {
			t.Fatal("not deterministic")
		}
	})
}
