package memsession

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/session"
)

var _ session.Store = (*Store)(nil)

// Store is an in-memory session.Store, safe for concurrent use.
type Store struct {
	clk clock.Clock

	mu        sync.Mutex
	sessions  map[string]session.Session
	byUser    map[string]map[string]struct{}
	sweepSize int // sweep expired sessions when len(sessions) reaches this
}

// New returns an empty store that reads the time from clk.
func New(clk clock.Clock) *Store {
	return &Store{
		clk:       clk,
		sessions:  make(map[string]session.Session),
		byUser:    make(map[string]map[string]struct{}),
		sweepSize: 64,
	}
}

// Create stores a new session. Returns an error if the ID is taken.
func (m *Store) Create(ctx context.Context, s session.Session) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[s.ID]; ok {
		return fmt.Errorf("create session: id taken")
	}
	if len(m.sessions) >= m.sweepSize {
		m.sweep()
	}
	m.sessions[s.ID] = clone(s)
	ids := m.byUser[s.UserID]
	if ids == nil {
		ids = make(map[string]struct{})
		m.byUser[s.UserID] = ids
	}
	ids[s.ID] = struct{}{}
	return nil
}

// Get returns a live session, or session.ErrNotFound.
func (m *Store) Get(ctx context.Context, id string) (session.Session, error) {
	if err := ctx.Err(); err != nil {
		return session.Session{}, fmt.Errorf("get session: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.live(id)
	if err != nil {
		return session.Session{}, fmt.Errorf("get session: %w", err)
	}
	return clone(s), nil
}

// Touch slides the idle timer to now and returns the session.
func (m *Store) Touch(ctx context.Context, id string) (session.Session, error) {
	if err := ctx.Err(); err != nil {
		return session.Session{}, fmt.Errorf("touch session: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.live(id)
	if err != nil {
		return session.Session{}, fmt.Errorf("touch session: %w", err)
	}
	s.LastSeen = m.clk.Now().UTC()
	m.sessions[id] = s
	return clone(s), nil
}

// AddClient records that clientID received tokens in the session.
func (m *Store) AddClient(ctx context.Context, id, clientID string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("add client to session: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.live(id)
	if err != nil {
		return fmt.Errorf("add client to session: %w", err)
	}
	if !slices.Contains(s.Clients, clientID) {
		s.Clients = append(slices.Clone(s.Clients), clientID)
		m.sessions[id] = s
	}
	return nil
}

// Delete ends a session; deleting a missing session is not an error.
func (m *Store) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.remove(id)
	return nil
}

// ListByUser returns the user's live sessions, oldest first.
func (m *Store) ListByUser(ctx context.Context, userID string) ([]session.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []session.Session
	for id := range m.byUser[userID] {
		if s, err := m.live(id); err == nil {
			out = append(out, clone(s))
		}
	}
	sortSessions(out)
	return out, nil
}

// DeleteByUser ends every session of the user and returns those that were
// live, oldest first.
func (m *Store) DeleteByUser(ctx context.Context, userID string) ([]session.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("delete sessions: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clk.Now()
	var out []session.Session
	for id := range m.byUser[userID] {
		if s, ok := m.sessions[id]; ok && s.Valid(now) {
			out = append(out, clone(s))
		}
		m.remove(id)
	}
	sortSessions(out)
	return out, nil
}

// live returns the session if it is alive at the clock's now, dropping it if
// it has expired. m.mu must be held.
func (m *Store) live(id string) (session.Session, error) {
	s, ok := m.sessions[id]
	if !ok {
		return session.Session{}, session.ErrNotFound
	}
	if !s.Valid(m.clk.Now()) {
		m.remove(id)
		return session.Session{}, session.ErrNotFound
	}
	return s, nil
}

// remove deletes a session and its index entry. m.mu must be held.
func (m *Store) remove(id string) {
	s, ok := m.sessions[id]
	if !ok {
		return
	}
	delete(m.sessions, id)
	if ids := m.byUser[s.UserID]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(m.byUser, s.UserID)
		}
	}
}

// sweep drops expired sessions, and sets the size for the next sweep so that
// sweeping costs amortised constant time per Create. m.mu must be held.
func (m *Store) sweep() {
	now := m.clk.Now()
	for id, s := range m.sessions {
		if !s.Valid(now) {
			m.remove(id)
		}
	}
	m.sweepSize = max(64, 2*len(m.sessions))
}

// clone copies s so that neither the caller nor the store can change the
// other's copy, in the form Redis would return: UTC times, nil empty lists.
func clone(s session.Session) session.Session {
	s.AuthTime = s.AuthTime.UTC()
	s.CreatedAt = s.CreatedAt.UTC()
	s.LastSeen = s.LastSeen.UTC()
	s.ExpiresAt = s.ExpiresAt.UTC()
	s.AMR = cloneList(s.AMR)
	s.Clients = cloneList(s.Clients)
	return s
}

func cloneList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return slices.Clone(l)
}

func sortSessions(l []session.Session) {
	slices.SortFunc(l, func(a, b session.Session) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
}
