package claims_test

import (
	"encoding/json"
	"fmt"

	"github.com/carekey/carekey/pkg/claims"
)

// An RP reads the accounts claim from the userinfo response. With go-oidc that
// is userInfo.Claims(&c); here the payload is decoded with encoding/json.
func ExampleParseAccounts() {
	payload := []byte(`{
		"iss": "http://localhost:8080",
		"sub": "usr_penny",
		"name": "Penny QQ Plumber",
		"accounts": [
			{"id": "acc_charlie", "name": "Charlie QQ Cherry", "birthdate": "2013-11-07", "relationship": "child"},
			{"id": "acc_pedro", "name": "Pedro QQ Plumber", "birthdate": "2006-05-01", "relationship": "child"}
		]
	}`)

	var c map[string]any // or a struct with `Accounts any `json:"accounts"`
	if err := json.Unmarshal(payload, &c); err != nil {
		fmt.Println(err)
		return
	}
	accounts, err := claims.ParseAccounts(c[claims.ClaimAccounts])
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range accounts {
		dob, err := a.BirthdateDisplay()
		if err != nil {
			dob = "unknown"
		}
		fmt.Printf("%s, born %s: /accounts/%s\n", a.Name, dob, a.ID)
	}
	// Output:
	// Charlie QQ Cherry, born 07 Nov 2013: /accounts/acc_charlie
	// Pedro QQ Plumber, born 01 May 2006: /accounts/acc_pedro
}
