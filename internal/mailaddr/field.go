package mailaddr

import (
	"errors"

	"github.com/carekey/carekey/pkg/text"
)

// Field returns s, the address typed in field, normalised (Normalize). If
// it is not an address it adds to inv why (text.EmailRequired,
// text.EmailTooLong or text.EmailInvalid) and returns "".
func Field(inv *text.Invalid, field, s string) string {
	addr, err := Normalize(s)
	switch {
	case errors.Is(err, ErrEmpty):
		inv.Add(field, text.EmailRequired)
	case errors.Is(err, ErrTooLong):
		inv.Add(field, text.EmailTooLong)
	case err != nil:
		inv.Add(field, text.EmailInvalid)
	}
	return addr
}
