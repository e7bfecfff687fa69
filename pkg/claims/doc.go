// Package claims holds the names of carekey's own scopes and claims and the
// JSON type of the accounts claim, for carekey and for any relying party.
//
// A relying party that asks for the "accounts" scope receives from userinfo
// (never in the ID token, which travels through browsers) the children's
// services accounts the user may manage, ordered by name:
//
//	"accounts": [{"id":"acc_…","name":"Charlie QQ Cherry","birthdate":"2013-11-07","relationship":"child"}, …]
//
// Read it with [ParseAccounts] and show a date of birth with
// [Account.BirthdateDisplay]. This package imports only the standard library,
// so an RP can use it with whichever OIDC client library it likes.
package claims
