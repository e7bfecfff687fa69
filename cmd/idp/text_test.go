package main

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/carekey/carekey/pkg/text"
)

func TestTextReview(t *testing.T) {
	read := func(args ...string) [][]string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(t.Context(), append([]string{"text", "review"}, args...), &out, &errOut); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		rows, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 || strings.Join(rows[0], ",") != "id,en,cy,reviewed" {
			t.Fatalf("header %v", rows)
		}
		return rows[1:]
	}
	wants := read()
	if len(wants) != len(text.WantsReview()) {
		t.Errorf("%d rows, want the %d messages wanting review", len(wants), len(text.WantsReview()))
	}
	for _, r := range wants {
		if r[3] != "no" || r[1] != text.English.Get(text.ID(r[0])) || r[2] != text.Welsh.Get(text.ID(r[0])) {
			t.Errorf("row %q", r)
		}
	}
	if all := read("--all"); len(all) != len(text.IDs()) {
		t.Errorf("--all: %d rows, want %d", len(all), len(text.IDs()))
	}
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"text", "translate"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "usage: idp text review") {
		t.Errorf("unknown subcommand: exit %d, %q", code, errOut.String())
	}
}
