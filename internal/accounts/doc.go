// Package accounts manages the accounts a user may manage (design.md §3.6):
// managed accounts (a child, or the user themselves), the grants that link
// users to them, and the accounts claim built from the live grants.
//
// Accounts come from a council's case system and are keyed by (source,
// external reference), so a sync can put the same account any number of
// times. A grant is live until it is revoked or reaches its expiry; only live
// grants appear in the claim. Every change is validated first (a
// *ValidationError names each bad field) and written with its audit event in
// one transaction.
//
//	svc := &accounts.Service{Store: st, Clock: clk}
//	acc, created, err := svc.PutAccount(ctx, by, accounts.AccountInput{
//		Source: "case-system", ExternalRef: "C-100", Name: "Charlie QQ Cherry", Birthdate: "2013-11-07"})
//	_, _, err = svc.Grant(ctx, by, accounts.GrantInput{UserID: "usr_penny", AccountID: acc.ID, Relationship: "child"})
//	list, err := svc.Claim(ctx, "usr_penny") // for the accounts claim
//
// The package knows nothing of HTTP: internal/adminapi and the dev seeds call it.
package accounts
