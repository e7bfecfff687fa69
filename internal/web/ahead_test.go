package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/carekey/carekey/internal/session"
	"github.com/carekey/carekey/internal/session/memsession"
)

// aheadSessions is memsession with CreateAhead as redissession has it: the
// session is written when its await runs (in Redis, with the completion of
// the auth request), or fails then with fail.
type aheadSessions struct {
	*memsession.Store
	fail   error
	queued int
}

func (a *aheadSessions) CreateAhead(ctx context.Context, s session.Session) func() error {
	a.queued++
	return func() error {
		if a.fail != nil {
			return a.fail
		}
		return a.Store.Create(ctx, s)
	}
}

// signInByCode signs the rig's browser in for auth request ar_1 up to the
// right code, and returns the answer to it.
func (r *signinRig) signInByCode() *http.Response {
	r.t.Helper()
	r.authRequest("ar_1")
	wantRedirect(r.t, r.do(http.MethodGet, "/login?authRequestID=ar_1", nil), "/signin")
	r.signIn()
	wantRedirect(r.t, r.post("/signin/send-code", nil), "/signin")
	return r.post("/signin/verify", url.Values{"code": {r.lastSMSCode()}}).Result()
}

// A session store that can sends the new session's write with the
// completion of the auth request; the browser gets the session's cookie
// only once the write has landed.
func TestSessionWrittenWithTheCompletion(t *testing.T) {
	r := newSigninRig(t, tPhone)
	sessions := &aheadSessions{Store: r.sessions}
	r.journey.Sessions = sessions
	res := r.signInByCode()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != rpNext {
		t.Fatalf("right code: %d to %q, want 303 to %q", res.StatusCode, res.Header.Get("Location"), rpNext)
	}
	sc := r.jar["__Host-"+sessionCookie]
	if sessions.queued != 1 || sc == nil {
		t.Fatalf("sessions sent ahead %d, cookie %v; want 1 and the cookie", sessions.queued, sc)
	}
	if _, err := r.sessions.Get(t.Context(), sc.Value); err != nil {
		t.Errorf("the session of the cookie: %v", err)
	}
	if len(r.prov.logins) != 1 || r.prov.logins[0].SessionID != sc.Value {
		t.Errorf("logins handed to the provider: %+v, want the session's", r.prov.logins)
	}
}

// When the session's write fails, the browser gets an error page and no
// session cookie.
func TestSessionWriteFailsAfterTheCompletion(t *testing.T) {
	r := newSigninRig(t, tPhone)
	r.journey.Sessions = &aheadSessions{Store: r.sessions, fail: errors.New("test: redis went away")}
	res := r.signInByCode()
	if res.StatusCode < 500 {
		t.Errorf("session not written: status %d, want a server error page", res.StatusCode)
	}
	if sc := r.jar["__Host-"+sessionCookie]; sc != nil {
		t.Errorf("a session cookie for a session never written: %v", sc)
	}
}
