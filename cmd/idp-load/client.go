package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// loader makes logins and refreshes.
type loader struct {
	o       options
	rt      http.RoundTripper
	sendMu  sync.Mutex // dev outbox: held from Send Code until its code is read back
	pagesMu sync.Mutex
	pages   map[string][]time.Duration // request name → latencies of this phase
}

// The requests of one login and of one refresh, as the report names them.
const (
	pageAuthorize = "authorize"
	pagePassword  = "signin"
	pageSendCode  = "send-code"
	pageVerify    = "verify"
	pageToken     = "token"
	pageRefresh   = "refresh"
)

// pageOrder is the order of the report's page lines.
var pageOrder = []string{pageAuthorize, pagePassword, pageSendCode, pageVerify, pageToken, pageRefresh}

// timed runs fn and records how long it took under name.
func (l *loader) timed(name string, fn func() error) error {
	t0 := time.Now()
	err := fn()
	if err == nil {
		d := time.Since(t0)
		l.pagesMu.Lock()
		l.pages[name] = append(l.pages[name], d)
		l.pagesMu.Unlock()
	}
	return err
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// login signs in once as u with a fresh browser and exchanges the code. It
// returns how many times it read the dev outbox and the refresh token, if
// one came (scope offline_access when the run refreshes).
func (l *loader) login(ctx context.Context, u user) (reads int, refresh string, err error) {
	o := l.o
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: l.rt, Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if !strings.HasPrefix(req.URL.String(), o.Issuer+"/") {
				return http.ErrUseLastResponse // back at the client
			}
			return nil
		}}
	verifier := token()
	sum := sha256.Sum256([]byte(verifier))
	scope := "openid profile"
	if o.Refreshes > 0 {
		scope += " offline_access"
	}
	q := url.Values{
		"client_id": {o.ClientID}, "redirect_uri": {o.RedirectURI}, "response_type": {"code"},
		"scope": {scope}, "state": {token()}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	var body string
	if err := l.timed(pageAuthorize, func() (err error) {
		body, err = page(ctx, c, http.MethodGet, o.Issuer+"/authorize?"+q.Encode(), nil, ">Sign in</h1>")
		return err
	}); err != nil {
		return 0, "", fmt.Errorf("authorize: %w", err)
	}
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		return 0, "", errors.New("sign-in page: no CSRF token")
	}
	csrf := html.UnescapeString(m[1])
	if err := l.timed(pagePassword, func() error {
		_, err := page(ctx, c, http.MethodPost, o.Issuer+"/signin",
			url.Values{"csrf_token": {csrf}, "email": {u.Email}, "password": {u.Password}}, `action="/signin/send-code"`)
		return err
	}); err != nil {
		return 0, "", fmt.Errorf("password: %w", err)
	}
	sendCode := func() error {
		return l.timed(pageSendCode, func() error {
			_, err := page(ctx, c, http.MethodPost, o.Issuer+"/signin/send-code", url.Values{"csrf_token": {csrf}}, `action="/signin/verify"`)
			return err
		})
	}
	var code string
	if g := o.Gateway; g != nil {
		wait := g.expect(u.Phone)
		if err := sendCode(); err != nil {
			return 0, "", fmt.Errorf("send code: %w", err)
		}
		if code, err = wait(ctx); err != nil {
			return 0, "", err
		}
	} else {
		code, err = func() (string, error) {
			l.sendMu.Lock()
			defer l.sendMu.Unlock()
			if err := sendCode(); err != nil {
				return "", fmt.Errorf("send code: %w", err)
			}
			reads++
			return l.newestSMS(ctx, c)
		}()
		if err != nil {
			return reads, "", err
		}
	}
	var back *url.URL
	if err := l.timed(pageVerify, func() error {
		resp, err := post(ctx, c, o.Issuer+"/signin/verify", url.Values{"csrf_token": {csrf}, "code": {code}})
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		back, err = resp.Location()
		if err != nil || back.Query().Get("code") == "" {
			return fmt.Errorf("status %d, no redirect to the client with a code", resp.StatusCode)
		}
		return nil
	}); err != nil {
		return reads, "", fmt.Errorf("verify code: %w", err)
	}
	var tok tokens
	if err := l.timed(pageToken, func() (err error) {
		tok, err = l.token(ctx, c, url.Values{
			"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")}, "redirect_uri": {o.RedirectURI},
			"client_id": {o.ClientID}, "code_verifier": {verifier},
		})
		if err == nil && tok.IDToken == "" {
			err = errors.New("no ID token")
		}
		return err
	}); err != nil {
		return reads, "", fmt.Errorf("token: %w", err)
	}
	return reads, tok.RefreshToken, nil
}

// tokens is a token endpoint's answer.
type tokens struct {
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
}

// token posts a grant to the token endpoint.
func (l *loader) token(ctx context.Context, c *http.Client, form url.Values) (tokens, error) {
	var tok tokens
	resp, err := post(ctx, c, l.o.Issuer+"/oauth/token", form)
	if err != nil {
		return tok, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK {
		return tok, fmt.Errorf("status %d (%v)%s", resp.StatusCode, err, retryAfter(resp))
	}
	return tok, nil
}

// refresh redeems a refresh token and returns the one it rotated into.
func (l *loader) refresh(ctx context.Context, rt string) (string, error) {
	c := &http.Client{Transport: l.rt, Timeout: time.Minute}
	var tok tokens
	err := l.timed(pageRefresh, func() (err error) {
		tok, err = l.token(ctx, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {l.o.ClientID}})
		if err == nil && tok.RefreshToken == "" {
			err = errors.New("no refresh token")
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("refresh: %w", err)
	}
	return tok.RefreshToken, nil
}

// newestSMS is the code of the newest SMS in the dev outbox.
func (l *loader) newestSMS(ctx context.Context, c *http.Client) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.o.Issuer+"/dev/outbox.json", nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("dev outbox: %w", err)
	}
	defer resp.Body.Close()
	var box struct {
		Messages []struct {
			Channel string  `json:"channel"`
			Code    *string `json:"code"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&box); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("dev outbox: status %d (%v): is carekey in dev mode? In serve mode use -sms-gateway", resp.StatusCode, err)
	}
	for _, m := range box.Messages { // newest first
		if m.Channel == "sms" && m.Code != nil {
			return *m.Code, nil
		}
	}
	return "", errors.New("dev outbox: no SMS code")
}

// page requests u and returns the body of a 200 page that contains want.
func page(ctx context.Context, c *http.Client, method, u string, form url.Values, want string) (string, error) {
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = post(ctx, c, u, form)
	} else {
		req, rerr := http.NewRequestWithContext(ctx, method, u, nil)
		if rerr != nil {
			return "", rerr
		}
		resp, err = c.Do(req)
	}
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
		return "", fmt.Errorf("%s %s: status %d, not the page expected%s", method, resp.Request.URL.Path, resp.StatusCode, retryAfter(resp))
	}
	return string(b), nil
}

func retryAfter(resp *http.Response) string {
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		return " (rate limited: raise the limits, see the command's doc)"
	}
	return ""
}

func post(ctx context.Context, c *http.Client, u string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// token is 256 random bits as 52 base32 characters: a PKCE verifier (43 to
// 128 unreserved characters) or a state.
func token() string { return rand.Text() + rand.Text() }
