package mailaddr_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/carekey/carekey/internal/mailaddr"
	"github.com/carekey/carekey/pkg/text"
)

func TestField(t *testing.T) {
	for _, tc := range []struct {
		typed, want string
		msg         text.ID // "": no message
	}{
		{" Ann@Example.COM ", "", ""},
		{"", "", text.EmailRequired},
		{strings.Repeat("a", mailaddr.MaxLength) + "@example.com", "", text.EmailTooLong},
		{"not an address", "", text.EmailInvalid},
	} {
		var inv text.Invalid
		got := mailaddr.Field(&inv, "email", tc.typed)
		if tc.msg == "" {
			want, _ := mailaddr.Normalize(tc.typed)
			if got != want || got == "" || len(inv.Fields) != 0 {
				t.Errorf("Field(%q) = %q, %v; want %q and no message", tc.typed, got, inv.Fields, want)
			}
			continue
		}
		if want := []text.FieldMessage{{Field: "email", Message: text.M(tc.msg)}}; got != "" || !reflect.DeepEqual(inv.Fields, want) {
			t.Errorf("Field(%q) = %q, %v; want \"\" and %v", tc.typed, got, inv.Fields, want)
		}
	}
}
