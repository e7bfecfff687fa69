// Package adminclient is a typed Go client of carekey's admin API
// (/admin/v1/, described in docs/admin-api.openapi.json): managed accounts,
// grants and user chores. It fetches its access token with the OAuth
// client-credentials grant (scope carekey:admin) and renews it as needed.
//
//	c := adminclient.New(ctx, adminclient.Config{
//		Issuer: "https://id.example.gov.uk", ClientID: "admin", ClientSecret: secret})
//	acc, _, err := c.PutAccount(ctx, "case-system", "C-100",
//		adminclient.AccountInput{Name: "Charlie QQ Cherry", Birthdate: "2013-11-07"})
//	_, _, err = c.PutGrant(ctx, "usr_…", acc.ID, adminclient.GrantInput{Relationship: "child"})
//
// The request and answer bodies (Account, AccountInput, AccountPage, Grant,
// GrantInput, GrantList, User, UserList, AuditEvent, AuditPage, Problem) are
// defined here once, in types.go: the server, internal/adminapi, writes and
// reads these very types, so the two cannot drift apart on the wire.
//
// API errors are *Problem values (RFC 9457 problem details); branch on them
// with errors.As or IsNotFound. ParseGrantsCSV reads the bulk-grant CSV that
// `idp admin import` takes. The package imports nothing of carekey's
// internals, so any program can use it.
package adminclient
