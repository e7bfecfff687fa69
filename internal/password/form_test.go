package password_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/carekey/carekey/internal/password"
	"github.com/carekey/carekey/pkg/text"
)

func TestCheckNew(t *testing.T) {
	p := password.DefaultPolicy()
	short := p.Message(password.RuleMinLength)
	for _, tc := range []struct {
		name, pw, confirm string
		want              []text.FieldMessage
	}{
		{"good and confirmed", "Correct-Horse-7", "Correct-Horse-7", nil},
		{"nothing typed", "", "", []text.FieldMessage{
			{Field: "pw", Message: text.M(text.PasswordRequired)}, {Field: "again", Message: text.M(text.ConfirmRequired)}}},
		{"confirmation differs", "Correct-Horse-7", "Correct-Horse-8", []text.FieldMessage{
			{Field: "again", Message: text.M(text.PasswordsDiffer)}}},
		{"no password, a confirmation", "", "x", []text.FieldMessage{{Field: "pw", Message: text.M(text.PasswordRequired)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var inv text.Invalid
			p.CheckNew(&inv, "pw", tc.pw, "again", tc.confirm)
			if !reflect.DeepEqual(inv.Fields, tc.want) {
				t.Errorf("fields %v, want %v", inv.Fields, tc.want)
			}
		})
	}
	// A password failing rules gets the words of each, on its field.
	var inv text.Invalid
	p.CheckNew(&inv, "pw", "a", "again", "a")
	if len(inv.Fields) == 0 || !slices.ContainsFunc(inv.Fields, func(f text.FieldMessage) bool {
		return reflect.DeepEqual(f, text.FieldMessage{Field: "pw", Message: short})
	}) {
		t.Errorf("a short password: %v, want %q among them", inv.Fields, short)
	}
}
