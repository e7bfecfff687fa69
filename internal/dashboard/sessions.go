package dashboard

import (
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/carekey/carekey/pkg/claims"
	"github.com/carekey/carekey/pkg/text"
)

// session is a signed-in user at the dashboard.
type session struct {
	csrf       string // per-session token for POST forms
	subject    string
	sid        string // the IdP's session ID, for back-channel logout
	name       string // what the header and "Welcome, …." show; "" for "Portal user"
	accounts   []claims.Account
	claims     []claimField // user claims received, for the no-accounts page
	rawIDToken string       // sent as id_token_hint at logout
	lastSeen   time.Time
}

// claimField is one claim as shown on the page: Label names it (its Name
// if none), ValueID words a yes or no, else Value is shown as it is.
type claimField struct {
	Name    string
	Label   text.ID
	Value   string
	ValueID text.ID
}

// loginRecord is a sign-in started at /login and not yet finished.
type loginRecord struct {
	state, nonce, verifier string
	created                time.Time
}

// lookup says what a session cookie led to.
type lookup int

const (
	lookupNone    lookup = iota // no such session
	lookupFound                 // a live session, now slid
	lookupExpired               // the session was idle too long and is gone
)

// sessionStore keeps sessions and login records in memory. Keys are the
// SHA-256 of the cookie value, so the map never holds a usable cookie.
type sessionStore struct {
	idle     time.Duration
	loginTTL time.Duration

	mu       sync.Mutex
	sessions map[[sha256.Size]byte]*session
	logins   map[[sha256.Size]byte]*loginRecord
}

func newSessionStore(idle, loginTTL time.Duration) *sessionStore {
	return &sessionStore{
		idle:     idle,
		loginTTL: loginTTL,
		sessions: map[[sha256.Size]byte]*session{},
		logins:   map[[sha256.Size]byte]*loginRecord{},
	}
}

func key(cookie string) [sha256.Size]byte { return sha256.Sum256([]byte(cookie)) }

// create stores s as last seen at now and returns its new cookie value.
func (st *sessionStore) create(s session, now time.Time) string {
	id := rand.Text()
	s.lastSeen = now
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sweep(now)
	st.sessions[key(id)] = &s
	return id
}

// get returns a copy of the session for cookie and slides its idle limit to
// now. A session last seen IdleTimeout or more ago is deleted and reported
// as lookupExpired, with its last copy: not to act on, only for its ID token,
// which ends the IdP session too.
func (st *sessionStore) get(cookie string, now time.Time) (session, lookup) {
	st.mu.Lock()
	defer st.mu.Unlock()
	k := key(cookie)
	s, ok := st.sessions[k]
	switch {
	case !ok:
		return session{}, lookupNone
	case st.idleExpired(s, now):
		delete(st.sessions, k)
		return *s, lookupExpired
	}
	s.lastSeen = now
	return *s, lookupFound
}

// delete removes the session for cookie, if any.
func (st *sessionStore) delete(cookie string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.sessions, key(cookie))
}

// endIdPSession deletes every session of the IdP session sid (of user sub,
// if sub is set), or with no sid every session of user sub, and returns how
// many it deleted.
func (st *sessionStore) endIdPSession(sid, sub string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for k, s := range st.sessions {
		match := s.sid == sid && (sub == "" || s.subject == sub)
		if sid == "" {
			match = sub != "" && s.subject == sub
		}
		if match {
			delete(st.sessions, k)
			n++
		}
	}
	return n
}

func (st *sessionStore) idleExpired(s *session, now time.Time) bool {
	return !now.Before(s.lastSeen.Add(st.idle))
}

// putLogin stores a login record and returns its cookie value.
func (st *sessionStore) putLogin(rec loginRecord) string {
	id := rand.Text()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sweep(rec.created)
	st.logins[key(id)] = &rec
	return id
}

// takeLogin removes and returns the login record for cookie; false if there
// is none or it is older than the login TTL. A record is used once.
func (st *sessionStore) takeLogin(cookie string, now time.Time) (loginRecord, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	k := key(cookie)
	rec, ok := st.logins[k]
	if !ok {
		return loginRecord{}, false
	}
	delete(st.logins, k)
	if !now.Before(rec.created.Add(st.loginTTL)) {
		return loginRecord{}, false
	}
	return *rec, true
}

// sweep drops expired sessions and login records; st.mu must be held.
func (st *sessionStore) sweep(now time.Time) {
	for k, s := range st.sessions {
		if st.idleExpired(s, now) {
			delete(st.sessions, k)
		}
	}
	for k, rec := range st.logins {
		if !now.Before(rec.created.Add(st.loginTTL)) {
			delete(st.logins, k)
		}
	}
}
