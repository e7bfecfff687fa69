// Package b2ctest is an httptest stand-in for an Azure AD B2C tenant's
// resource owner password credentials (ROPC) token endpoint, answering as
// Microsoft documents it: 200 with tokens for a known username and
// password, 400 invalid_grant with AADB2C90225 for a wrong one, and the
// error shapes of a bad request. Tests count its hits and can take it down.
//
//	old := b2ctest.New(t, clientID)
//	old.SetPassword("ann@example.org", "Old-password-1")
//	c := &b2c.ROPC{TokenURL: old.TokenURL(), ClientID: clientID, Scope: "openid " + clientID}
//	ok, err := c.CheckPassword(ctx, "ann@example.org", "Old-password-1") // true, nil
//	old.Hits() // 1
//	old.SetDown(http.StatusServiceUnavailable) // or b2ctest.Hang: no answer until the request ends
package b2ctest
