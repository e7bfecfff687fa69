package claims

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Scope and claim names carekey adds to OpenID Connect.
const (
	// ScopeAccounts asks for the accounts claim.
	ScopeAccounts = "accounts"
	// ClaimAccounts is the claim listing the accounts the user may manage.
	ClaimAccounts = "accounts"
	// ScopeAdmin is the client-credentials scope of the admin API.
	ScopeAdmin = "carekey:admin"
)

// Relationships of a user to an account that carekey uses; the claim may carry
// others, so an RP should not reject an unknown one.
const (
	RelationshipSelf  = "self"
	RelationshipChild = "child"
)

// BirthdateLayout is the layout of Account.Birthdate (YYYY-MM-DD).
const BirthdateLayout = time.DateOnly

// birthdateDisplayLayout is how the council's pages show a date of birth: "07 Nov 2013".
const birthdateDisplayLayout = "02 Jan 2006"

// ErrInvalidAccounts is returned (wrapped) by ParseAccounts when the claim is
// not a list of accounts with an id, a name and a well-formed birthdate.
var ErrInvalidAccounts = errors.New("claims: invalid accounts claim")

// Account is one entry of the accounts claim: an account the user may manage.
type Account struct {
	// ID is the account's stable identifier ("acc_…").
	ID string `json:"id"`
	// Name is the account holder's display name.
	Name string `json:"name"`
	// Birthdate is the date of birth as YYYY-MM-DD, or empty if unknown.
	Birthdate string `json:"birthdate"`
	// Relationship is the user's relationship to the account ("self", "child", …).
	Relationship string `json:"relationship"`
}

// BirthdateDisplay returns the date of birth as the council's pages show it,
// "07 Nov 2013". It returns an error if Birthdate is not a YYYY-MM-DD date.
func (a Account) BirthdateDisplay() (string, error) {
	t, err := time.Parse(BirthdateLayout, a.Birthdate)
	if err != nil {
		return "", fmt.Errorf("birthdate of account %s: %w", a.ID, err)
	}
	return t.Format(birthdateDisplayLayout), nil
}

// ParseAccounts reads the accounts claim from its decoded JSON value, as found
// in a map[string]any of userinfo claims (a []any of
// map[string]any); a json.RawMessage or an []Account is accepted too. A nil
// value (the claim absent or null) gives no accounts and no error.
//
// Every account must have an id and a name; a birthdate, if present, must be
// YYYY-MM-DD. Unknown fields are ignored. Otherwise the error wraps
// ErrInvalidAccounts. The order of the claim is kept.
func ParseAccounts(raw any) ([]Account, error) {
	var accounts []Account
	switch v := raw.(type) {
	case nil:
		return nil, nil
	case []Account:
		accounts = append([]Account(nil), v...)
	case json.RawMessage:
		if err := json.Unmarshal(v, &accounts); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidAccounts, err)
		}
	case []any:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidAccounts, err)
		}
		if err := json.Unmarshal(b, &accounts); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidAccounts, err)
		}
	default:
		return nil, fmt.Errorf("%w: want a list, have %T", ErrInvalidAccounts, raw)
	}
	for i, a := range accounts {
		switch {
		case a.ID == "":
			return nil, fmt.Errorf("%w: accounts[%d]: no id", ErrInvalidAccounts, i)
		case a.Name == "":
			return nil, fmt.Errorf("%w: accounts[%d]: no name", ErrInvalidAccounts, i)
		case a.Birthdate != "":
			if _, err := time.Parse(BirthdateLayout, a.Birthdate); err != nil {
				return nil, fmt.Errorf("%w: accounts[%d]: birthdate: %w", ErrInvalidAccounts, i, err)
			}
		}
	}
	return accounts, nil
}
