package password_test

import (
	"slices"
	"testing"

	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/internal/text"
)

func TestCheckNew(t *testing.T) {
	p := password.DefaultPolicy()
	short := password.RuleMinLength.Text()
	for _, tc := range []struct {
		name, pw, confirm string
		want              []text.FieldMessage
	}{
		{"good and confirmed", "Correct-Horse-7", "Correct-Horse-7", nil},
		{"nothing typed", "", "", []text.FieldMessage{
			{Field: "pw", Message: text.Get(text.PasswordRequired)}, {Field: "again", Message: text.Get(text.ConfirmRequired)}}},
		{"confirmation differs", "Correct-Horse-7", "Correct-Horse-8", []text.FieldMessage{
			{Field: "again", Message: text.Get(text.PasswordsDiffer)}}},
		{"no password, a confirmation", "", "x", []text.FieldMessage{{Field: "pw", Message: text.Get(text.PasswordRequired)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var inv text.Invalid
			p.CheckNew(&inv, "pw", tc.pw, "again", tc.confirm)
			if !slices.Equal(inv.Fields, tc.want) {
				t.Errorf("fields %v, want %v", inv.Fields, tc.want)
			}
		})
	}
	// A password failing rules gets the words of each, on its field.
	var inv text.Invalid
	p.CheckNew(&inv, "pw", "a", "again", "a")
	if len(inv.Fields) == 0 || !slices.Contains(inv.Fields, text.FieldMessage{Field: "pw", Message: short}) {
		t.Errorf("a short password: %v, want %q among them", inv.Fields, short)
	}
}
