package b2c

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrUnavailable: the old tenant could not say whether a password is right
// (no answer in time, a 5xx, a throttle, an answer that is not the
// documented one). The user is asked to try again later; nothing is counted.
var ErrUnavailable = errors.New("b2c: old tenant unavailable")

// WrongPasswordCodes are the AADB2C error codes whose invalid_grant answer
// means "this username and password do not match". Any other error code
// (a locked or disabled account, a misconfigured policy) is taken for
// ErrUnavailable: never a false "wrong password".
var WrongPasswordCodes = []string{"AADB2C90225", "AADB2C90054"}

// ROPC checks passwords against an Azure AD B2C resource owner password
// credentials user flow, as Microsoft documents it
// (learn.microsoft.com/azure/active-directory-b2c/add-ropc-policy):
//
//	POST {TokenURL}
//	Content-Type: application/x-www-form-urlencoded
//
//	username=…&password=…&grant_type=password&scope=openid+{client_id}+offline_access&client_id={client_id}&response_type=token+id_token
//
// 200 with an access_token or id_token: the password is right. 400 with
// {"error":"invalid_grant","error_description":"AADB2C90225: The username
// or password provided in the request are invalid.…"}: it is wrong.
// Anything else, or no answer within Timeout: ErrUnavailable. The tokens
// are read only to see that they are there, then dropped; the password
// goes nowhere else and is never logged.
type ROPC struct {
	TokenURL string
	ClientID string
	Scope    string
	// Timeout bounds one check (default 5 s).
	Timeout time.Duration
	// HTTP sends the request (nil: a new http.Client). Redirects are not
	// followed unless its CheckRedirect says otherwise.
	HTTP *http.Client
}

// maxAnswer bounds the answer read from the old tenant.
const maxAnswer = 64 << 10

// CheckPassword reports whether password is username's password at the old
// tenant: (true, nil) right, (false, nil) wrong, or an error matching
// ErrUnavailable.
func (c *ROPC) CheckPassword(ctx context.Context, username, password string) (bool, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	form := url.Values{
		"grant_type":    {"password"},
		"client_id":     {c.ClientID},
		"scope":         {c.Scope},
		"username":      {username},
		"password":      {password},
		"response_type": {"token id_token"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{}
	}
	if hc.CheckRedirect == nil {
		nr := *hc
		nr.CheckRedirect = noRedirects
		hc = &nr
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrUnavailable, err) // the URL, never the form
	}
	defer resp.Body.Close()
	var answer struct {
		AccessToken      string `json:"access_token"`
		IDToken          string `json:"id_token"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return false, fmt.Errorf("%w: read answer: %w", ErrUnavailable, err)
	}
	decodeErr := json.Unmarshal(body, &answer)
	switch {
	case resp.StatusCode == http.StatusOK && decodeErr == nil && (answer.AccessToken != "" || answer.IDToken != ""):
		return true, nil
	case resp.StatusCode == http.StatusBadRequest && decodeErr == nil && answer.Error == "invalid_grant" && wrongPassword(answer.ErrorDescription):
		return false, nil
	case decodeErr != nil:
		return false, fmt.Errorf("%w: HTTP %d, not JSON", ErrUnavailable, resp.StatusCode)
	}
	return false, fmt.Errorf("%w: HTTP %d, error %q, code %q", ErrUnavailable, resp.StatusCode, answer.Error, errorCode(answer.ErrorDescription))
}

// errorCode is the AADB2C code an error_description starts with, or "".
func errorCode(desc string) string {
	code, _, _ := strings.Cut(strings.TrimSpace(desc), ":")
	if !strings.HasPrefix(code, "AADB2C") || len(code) > 16 {
		return ""
	}
	return code
}

func wrongPassword(desc string) bool {
	code := errorCode(desc)
	for _, c := range WrongPasswordCodes {
		if code == c {
			return true
		}
	}
	return false
}

// noRedirects keeps the password from being posted anywhere but TokenURL.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
