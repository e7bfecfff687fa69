package oidcop

import (
	"context"
	"sync"

	"github.com/carekey/carekey/internal/store"
)

// userMemo keeps the users one token request has read: op asks the storage
// for the same user several times in one exchange (the sign-in still
// stands, then the ID token's claims), and each would be a round trip to
// the system of record (issue 13). It lives as long as the request.
type userMemo struct {
	mu    sync.Mutex
	users map[string]store.User
}

type userMemoKey struct{}

// WithUserMemo returns ctx carrying an empty memo of the users read for one
// request. The token endpoint gets one from Handler; the web layer gives one
// to the callback, whose check (CheckCallback) and code (SaveAuthCode) both
// read the user.
func WithUserMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, userMemoKey{}, &userMemo{users: map[string]store.User{}})
}

// rememberUser keeps u for the rest of the request, if ctx has a memo.
func rememberUser(ctx context.Context, u store.User) {
	if m, ok := ctx.Value(userMemoKey{}).(*userMemo); ok && u.ID != "" {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.users[u.ID] = u
	}
}

// user returns the user with that ID: from the request's memo if this
// request has read it already, else from the system of record (and then
// remembered).
func (s *storage) user(ctx context.Context, id string) (store.User, error) {
	if m, ok := ctx.Value(userMemoKey{}).(*userMemo); ok {
		m.mu.Lock()
		u, ok := m.users[id]
		m.mu.Unlock()
		if ok {
			return u, nil
		}
	}
	u, err := s.cfg.Users.GetUser(ctx, id)
	if err != nil {
		return u, err
	}
	rememberUser(ctx, u)
	return u, nil
}
