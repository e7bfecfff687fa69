// Package b2c moves a council's users off Azure AD B2C (issue 15;
// docs/migrating-from-b2c.md): it reads a Microsoft Graph export of the
// users, creates them in carekey, and checks a not-yet-migrated password
// against the old tenant at the user's first sign-in.
//
// # The export
//
// ParseExport reads JSON lines, one Graph user object a line, as
// `GET /users?$select=id,displayName,givenName,surname,identities,extension_…`
// returns them (one page's "value" array, flattened with jq -c '.value[]'),
// with each user's phone authentication methods
// (`GET /users/{id}/authentication/phoneMethods`) added as "phoneMethods":
//
//	{"id":"4c1f…","displayName":"Ann Smith","givenName":"Ann","surname":"Smith",
//	 "identities":[{"signInType":"emailAddress","issuer":"council.onmicrosoft.com","issuerAssignedId":"ann@example.org"},
//	               {"signInType":"userPrincipalName","issuer":"council.onmicrosoft.com","issuerAssignedId":"4c1f…@council.onmicrosoft.com"}],
//	 "phoneMethods":[{"id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+44 7700900123","phoneType":"mobile"}],
//	 "extension_0123456789abcdef0123456789abcdef_Role":"Parent"}
//
// "authentication": {"phoneMethods": […]} (a $expand of the relationship)
// is read too. The mobile method is preferred, then alternateMobile, then
// office; no method at all is fine (the user enrols a phone at first
// sign-in). Mapping (config b2c.attributes) names the properties that hold
// the role, organisation, professional capacity and work address. Every
// line refused comes back as a Rejection with its line and reason.
//
// # The import
//
// Importer.Run creates each user with email verified, phone confirmed,
// ExternalID the B2C object ID and PasswordPending set, audited
// ("user.imported"). It is keyed by the object ID: a user already imported
// is left as it is, so a second run changes nothing; a dry run writes
// nothing. Accounts and grants come afterwards from `idp admin import`
// (the accounts CSV), naming users by email or by object ID
// (user_external_id).
//
// # Passwords
//
// B2C never exports password hashes. ROPC.CheckPassword posts the email
// and password a user types at sign-in to the old tenant's resource owner
// password credentials user flow and says whether they are right, wrong,
// or could not be checked (ErrUnavailable). internal/signin calls it
// through its own small interface, once per pending user: a right password
// is hashed with argon2id and the flag cleared. b2ctest is a stand-in for
// the endpoint.
package b2c
