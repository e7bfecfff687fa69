package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// ScopeAdmin is the scope the admin API requires.
const ScopeAdmin = "carekey:admin"

// Config says where the API is and how to authenticate.
type Config struct {
	// Issuer is carekey's issuer URL; the API is at Issuer + "/admin/v1/" and
	// the token endpoint at Issuer + "/oauth/token".
	Issuer       string
	ClientID     string
	ClientSecret string
	// HTTPClient carries both the token and the API requests (optional).
	HTTPClient *http.Client
}

// Client calls the admin API. It is safe for concurrent use.
type Client struct {
	base string
	http *http.Client
}

// New returns a client; ctx carries the HTTP client used to fetch tokens and
// should live as long as the Client.
func New(ctx context.Context, cfg Config) *Client {
	issuer := strings.TrimRight(cfg.Issuer, "/")
	if cfg.HTTPClient != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, cfg.HTTPClient)
	}
	cc := clientcredentials.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		TokenURL:     issuer + "/oauth/token",
		Scopes:       []string{ScopeAdmin},
		AuthStyle:    oauth2.AuthStyleInHeader,
	}
	return &Client{base: issuer + "/admin/v1", http: cc.Client(ctx)}
}

// IsNotFound reports whether err is the API's 404: no such user, account or grant.
func IsNotFound(err error) bool {
	var p *Problem
	return errors.As(err, &p) && p.Status == http.StatusNotFound
}

// ListOptions page through accounts.
type ListOptions struct {
	Source string
	After  string
	Limit  int // 0: the server's default (100)
}

// do sends a request and decodes a 2xx answer into out; any other answer is a
// *Problem. It returns the status.
func (c *Client) do(ctx context.Context, method, path string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		p := &Problem{}
		if json.Unmarshal(raw, p) != nil || p.Status == 0 {
			p = &Problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode), Detail: strings.TrimSpace(string(raw))}
		}
		return resp.StatusCode, p
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

func seg(s string) string { return url.PathEscape(s) }

// ListAccounts returns one page of accounts, ordered by ID.
func (c *Client) ListAccounts(ctx context.Context, o ListOptions) (AccountPage, error) {
	q := url.Values{}
	if o.Source != "" {
		q.Set("source", o.Source)
	}
	if o.After != "" {
		q.Set("after", o.After)
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	path := "/accounts"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var page AccountPage
	_, err := c.do(ctx, http.MethodGet, path, nil, &page)
	return page, err
}

// GetAccount returns one account.
func (c *Client) GetAccount(ctx context.Context, id string) (Account, error) {
	var a Account
	_, err := c.do(ctx, http.MethodGet, "/accounts/"+seg(id), nil, &a)
	return a, err
}

// PutAccount creates or updates the account with this external reference and
// reports whether it was created.
func (c *Client) PutAccount(ctx context.Context, source, externalRef string, in AccountInput) (Account, bool, error) {
	var a Account
	status, err := c.do(ctx, http.MethodPut, "/accounts/by-ref/"+seg(source)+"/"+seg(externalRef), in, &a)
	return a, status == http.StatusCreated, err
}

// FindUsers returns the users with this email (none or one).
func (c *Client) FindUsers(ctx context.Context, email string) ([]User, error) {
	var out UserList
	_, err := c.do(ctx, http.MethodGet, "/users?"+url.Values{"email": {email}}.Encode(), nil, &out)
	return out.Users, err
}

// FindUsersByExternalID returns the user imported from Azure AD B2C with
// that object ID, if any.
func (c *Client) FindUsersByExternalID(ctx context.Context, externalID string) ([]User, error) {
	var out UserList
	_, err := c.do(ctx, http.MethodGet, "/users?"+url.Values{"external_id": {externalID}}.Encode(), nil, &out)
	return out.Users, err
}

// GetUser returns one user.
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	var u User
	_, err := c.do(ctx, http.MethodGet, "/users/"+seg(id), nil, &u)
	return u, err
}

// ResetPhone forgets the user's phone, so their next sign-in enrols one.
func (c *Client) ResetPhone(ctx context.Context, userID string) (User, error) {
	var u User
	_, err := c.do(ctx, http.MethodPost, "/users/"+seg(userID)+"/reset-phone", nil, &u)
	return u, err
}

// RemoveApp removes the user's authenticator app and signs them out
// everywhere (DELETE /users/{id}/totp); the user is emailed.
func (c *Client) RemoveApp(ctx context.Context, userID string) (User, error) {
	var u User
	_, err := c.do(ctx, http.MethodDelete, "/users/"+seg(userID)+"/totp", nil, &u)
	return u, err
}

// Unlock clears the user's wrong-password count and lock.
func (c *Client) Unlock(ctx context.Context, userID string) (User, error) {
	var u User
	_, err := c.do(ctx, http.MethodPost, "/users/"+seg(userID)+"/unlock", nil, &u)
	return u, err
}

// ListGrants returns every grant of the user.
func (c *Client) ListGrants(ctx context.Context, userID string) ([]Grant, error) {
	var out GrantList
	_, err := c.do(ctx, http.MethodGet, "/users/"+seg(userID)+"/grants", nil, &out)
	return out.Grants, err
}

// PutGrant lets the user manage the account and reports whether the grant is
// new; granting again what is already granted changes nothing.
func (c *Client) PutGrant(ctx context.Context, userID, accountID string, in GrantInput) (Grant, bool, error) {
	var g Grant
	status, err := c.do(ctx, http.MethodPut, "/users/"+seg(userID)+"/grants/"+seg(accountID), in, &g)
	return g, status == http.StatusCreated, err
}

// RevokeGrant revokes the user's grant to the account (idempotent).
func (c *Client) RevokeGrant(ctx context.Context, userID, accountID string) (Grant, error) {
	var g Grant
	_, err := c.do(ctx, http.MethodDelete, "/users/"+seg(userID)+"/grants/"+seg(accountID), nil, &g)
	return g, err
}
