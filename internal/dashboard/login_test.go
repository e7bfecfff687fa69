package dashboard

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// startLogin runs GET /login and returns the authorization request's
// query and the login cookie.
func startLogin(t *testing.T, td *testDashboard) (url.Values, *http.Cookie) {
	t.Helper()
	w := td.get("/login")
	if w.Code != http.StatusSeeOther {
		t.Fatalf("GET /login status = %d, want 303", w.Code)
	}
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if have := loc.Scheme + "://" + loc.Host + loc.Path; have != testIssuer+"/authorize" {
		t.Fatalf("redirect to %s, want the authorization endpoint", have)
	}
	c := responseCookie(w, loginCookie)
	if c == nil {
		t.Fatal("GET /login set no login cookie")
	}
	return loc.Query(), c
}

func TestLoginStartsCodeFlowWithPKCE(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run("secure="+map[bool]string{false: "false", true: "true"}[secure], func(t *testing.T) {
			td := newTest(t, func(c *Config) { c.SecureCookies = secure })
			td.discovered()
			q, c := startLogin(t, td)

			for k, want := range map[string]string{
				"response_type":         "code",
				"client_id":             "dashboard",
				"redirect_uri":          testBase + "/callback",
				"scope":                 "openid profile email accounts",
				"code_challenge_method": "S256",
			} {
				if have := q.Get(k); have != want {
					t.Errorf("%s = %q, want %q", k, have, want)
				}
			}
			rec := takeLoginRecord(t, td, c)
			if q.Get("state") != rec.state || len(rec.state) < 26 {
				t.Errorf("state = %q, record has %q", q.Get("state"), rec.state)
			}
			if q.Get("nonce") != rec.nonce || len(rec.nonce) < 26 || rec.nonce == rec.state {
				t.Errorf("nonce = %q, record has %q", q.Get("nonce"), rec.nonce)
			}
			sum := sha256.Sum256([]byte(rec.verifier))
			if want := base64.RawURLEncoding.EncodeToString(sum[:]); q.Get("code_challenge") != want {
				t.Errorf("code_challenge = %q, want S256 of the verifier %q", q.Get("code_challenge"), want)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure || c.Path != "/" ||
				c.MaxAge <= 0 || c.MaxAge > 600 {
				t.Errorf("login cookie = %+v, want HttpOnly, SameSite=Lax, Secure=%v, short-lived", c, secure)
			}
		})
	}
}

// takeLoginRecord reads the login record behind c without consuming it.
func takeLoginRecord(t *testing.T, td *testDashboard, c *http.Cookie) loginRecord {
	t.Helper()
	td.sessions.mu.Lock()
	defer td.sessions.mu.Unlock()
	rec, ok := td.sessions.logins[key(c.Value)]
	if !ok {
		t.Fatal("no login record for the cookie")
	}
	return *rec
}

func TestCallbackRejectsUnmatchedState(t *testing.T) {
	for _, tc := range []struct {
		name  string
		query func(state string) string
		noCk  bool
		after time.Duration
	}{
		{name: "wrong state", query: func(string) string { return "code=abc&state=wrong" }},
		{name: "no state", query: func(string) string { return "code=abc" }},
		{name: "state from another browser", query: func(s string) string { return "code=abc&state=" + s }, noCk: true},
		{name: "login expired", query: func(s string) string { return "code=abc&state=" + s }, after: 10 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			td := newTest(t, nil)
			td.discovered()
			q, c := startLogin(t, td)
			td.clk.Advance(tc.after)
			var cookies []*http.Cookie
			if !tc.noCk {
				cookies = append(cookies, c)
			}
			w := td.get("/callback?"+tc.query(q.Get("state")), cookies...)
			if w.Code != http.StatusBadRequest {
				t.Fatalf("callback status = %d, want 400", w.Code)
			}
			if s := responseCookie(w, sessionCookie); s != nil && s.MaxAge >= 0 {
				t.Error("callback started a session")
			}
			if n := td.rt.count(); n != 0 {
				t.Errorf("callback made %d requests to the issuer, want none", n)
			}
			body := w.Body.String()
			assertInOrder(t, textOf(body), "Your sign-in has expired")
			if !strings.Contains(body, `href="/login">Try again</a>`) {
				t.Error("no Try again link")
			}
		})
	}
}

func TestCallbackLoginRecordIsUsedOnce(t *testing.T) {
	td := newTest(t, nil)
	td.discovered()
	q, c := startLogin(t, td)
	td.get("/callback?code=abc&state=wrong", c)
	w := td.get("/callback?code=abc&state="+q.Get("state"), c)
	if w.Code != http.StatusBadRequest {
		t.Fatalf("second callback status = %d, want 400", w.Code)
	}
	if n := td.rt.count(); n != 0 {
		t.Errorf("second callback made %d requests to the issuer, want none", n)
	}
}

// TestCallbackExchangesCodeWithVerifier checks what reaches the token
// endpoint once state matches (the issuer itself is unreachable here).
func TestCallbackExchangesCodeWithVerifier(t *testing.T) {
	td := newTest(t, nil)
	td.discovered()
	q, c := startLogin(t, td)
	rec := takeLoginRecord(t, td, c)

	w := td.get("/callback?code=the-code&state="+q.Get("state"), c)
	if w.Code != http.StatusBadGateway {
		t.Fatalf("callback status = %d, want 502 (issuer unreachable)", w.Code)
	}
	if s := responseCookie(w, sessionCookie); s != nil && s.MaxAge >= 0 {
		t.Error("callback started a session without a token")
	}
	if td.rt.count() == 0 {
		t.Fatal("no token request")
	}
	r, body := td.rt.requests[0], td.rt.bodies[0]
	if r.URL.String() != testIssuer+"/oauth/token" || r.Method != http.MethodPost {
		t.Fatalf("request = %s %s, want POST to the token endpoint", r.Method, r.URL)
	}
	if id, secret, ok := r.BasicAuth(); !ok || id != "dashboard" || secret != "s3cret" {
		t.Errorf("client authentication = %q %q %v, want client_secret_basic", id, secret, ok)
	}
	form, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"grant_type":    "authorization_code",
		"code":          "the-code",
		"code_verifier": rec.verifier,
		"redirect_uri":  testBase + "/callback",
		"client_secret": "",
	} {
		if have := form.Get(k); have != want {
			t.Errorf("token request %s = %q, want %q", k, have, want)
		}
	}
	if lc := responseCookie(w, loginCookie); lc == nil || lc.MaxAge >= 0 {
		t.Error("callback did not delete the login cookie")
	}
}

func TestCallbackErrorFromIssuer(t *testing.T) {
	for _, tc := range []struct {
		name       string
		matchState bool
		wantDetail bool
	}{
		{name: "our flow", matchState: true, wantDetail: true},
		{name: "not our flow", matchState: false, wantDetail: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			td := newTest(t, nil)
			td.discovered()
			q, c := startLogin(t, td)
			state := "forged"
			if tc.matchState {
				state = q.Get("state")
			}
			w := td.get("/callback?error=access_denied&error_description=The+user+cancelled&state="+state, c)
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400", w.Code)
			}
			body := w.Body.String()
			assertInOrder(t, textOf(body), "You are not signed in", "Sign-in was cancelled or refused.")
			if have := strings.Contains(body, "The user cancelled"); have != tc.wantDetail {
				t.Errorf("page shows the error_description: %v, want %v", have, tc.wantDetail)
			}
			if !strings.Contains(body, `<a class="govuk-button" href="/login">Try again</a>`) {
				t.Error("no Try again link")
			}
			if td.rt.count() != 0 {
				t.Error("error callback contacted the issuer")
			}
		})
	}
}

// carekey's ID tokens carry no accounts claim (issue 10, point 12): the
// dashboard reads it from userinfo, with the access token, and shows the
// accounts.
func TestCallbackReadsAccountsFromUserinfo(t *testing.T) {
	fi := newFakeIssuer(t)
	td := newTest(t, func(c *Config) { c.Issuer = fi.srv.URL; c.HTTPClient = fi.srv.Client() })
	w := td.get("/login")
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil || w.Code != http.StatusSeeOther {
		t.Fatalf("GET /login = %d %q", w.Code, w.Header().Get("Location"))
	}
	lc := responseCookie(w, loginCookie)
	now := td.clk.Now()
	fi.mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": "the-access-token", "token_type": "Bearer", "expires_in": 300,
			"id_token": sign(t, fi.key, "", map[string]any{
				"iss": fi.srv.URL, "aud": "dashboard", "sub": "usr_penny", "sid": "sess_1",
				"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": loc.Query().Get("nonce"),
				"name": "Penny QQ Plumber", "email": "penny.plumber.portal@example.com",
			}),
		})
	})
	var asked string
	fi.mux.HandleFunc("GET /userinfo", func(w http.ResponseWriter, r *http.Request) {
		asked = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"sub":"usr_penny","accounts":[` +
			`{"id":"acc_charlie","name":"Charlie QQ Cherry","birthdate":"2013-11-07","relationship":"child"},` +
			`{"id":"acc_pedro","name":"Pedro QQ Plumber","birthdate":"2006-05-01","relationship":"child"}]}`))
	})

	w = td.get("/callback?code=the-code&state="+loc.Query().Get("state"), lc)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("callback status = %d, want 303:\n%s", w.Code, w.Body)
	}
	if asked != "Bearer the-access-token" {
		t.Errorf("userinfo asked with %q, want the access token", asked)
	}
	page := td.get("/", responseCookie(w, sessionCookie)).Body.String()
	assertInOrder(t, textOf(page), "Select an account to manage", "Charlie QQ Cherry", "07 Nov 2013", "Pedro QQ Plumber")
}

// The guide's "Register for new account" starts the same flow with
// prompt=create, so the issuer shows its registration first.
func TestRegisterAsksTheIssuerToCreate(t *testing.T) {
	td := newTest(t, nil)
	td.discovered()
	w := td.get("/register")
	loc, err := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusSeeOther || err != nil {
		t.Fatalf("GET /register: %d to %q, want 303 to the issuer", w.Code, w.Header().Get("Location"))
	}
	q := loc.Query()
	if q.Get("prompt") != "create" || q.Get("code_challenge_method") != "S256" || q.Get("client_id") != "dashboard" {
		t.Errorf("authorize query %v, want prompt=create with PKCE for the dashboard", q)
	}
	c := responseCookie(w, loginCookie)
	if c == nil || takeLoginRecord(t, td, c).state != q.Get("state") {
		t.Error("no login record for the registration's state")
	}
	if q, _ := startLogin(t, td); q.Has("prompt") {
		t.Errorf("Sign in sends prompt=%q", q.Get("prompt"))
	}
}
