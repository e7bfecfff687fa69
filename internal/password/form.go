package password

import (
	"errors"

	"github.com/carekey/carekey/pkg/text"
)

// CheckNew adds to inv what is wrong with a new password typed twice, pw in
// pwField and its confirmation in confirmField: pw missing
// (text.PasswordRequired) or the words of every rule of p it fails, and the
// confirmation missing (text.ConfirmRequired) or different
// (text.PasswordsDiffer). It hashes nothing: the history is CheckHistory's.
func (p Policy) CheckNew(inv *text.Invalid, pwField, pw, confirmField, confirm string) {
	var pe *PolicyError
	switch {
	case pw == "":
		inv.Add(pwField, text.PasswordRequired)
	case errors.As(p.Check(pw), &pe):
		for _, m := range pe.Messages() {
			inv.AddMessage(pwField, m)
		}
	}
	switch {
	case confirm == "":
		inv.Add(confirmField, text.ConfirmRequired)
	case pw != "" && confirm != pw:
		inv.Add(confirmField, text.PasswordsDiffer)
	}
}
