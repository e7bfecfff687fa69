package redissession

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/clock"
	"github.com/carekey/carekey/internal/rediscas"
	"github.com/carekey/carekey/internal/session"
)

var _ session.Store = (*Store)(nil)

// Store is a Redis session.Store.
type Store struct{ kv rediscas.Keyspace }

// New returns a store that keeps its keys in c under prefix and reads the
// time from clk.
func New(c redis.UniversalClient, prefix string, clk clock.Clock) *Store {
	return &Store{rediscas.Keyspace{Client: c, Prefix: prefix, Clock: clk}}
}

func (s *Store) sessionKey(id string) string { return s.kv.Key("session", id) }

// userKey is a user's session index: a sorted set of session IDs scored by
// each session's absolute end (Unix ms), trimmed of ended ones at every
// write, so it holds no more than the user's sessions of the last
// absolute-timeout.
func (s *Store) userKey(userID string) string { return s.kv.Key("sessions", userID) }

// legacyUserKey is the index before sorted sets (a plain set never pruned):
// still read and cleaned so that sessions created before an upgrade can be
// revoked; it expires with its last session.
func (s *Store) legacyUserKey(userID string) string { return s.kv.Key("user", userID) }

// idleEnd is when s ends if nobody touches it.
func idleEnd(s session.Session) time.Time {
	if end := s.LastSeen.Add(s.IdleTimeout); end.Before(s.ExpiresAt) {
		return end
	}
	return s.ExpiresAt
}

// indexScript adds session ARGV[1], ending at ARGV[3] (Unix ms), to a user's
// index, removes the entries of sessions that ended before ARGV[4] (now, Unix
// ms), and lengthens the index's TTL to ARGV[2] milliseconds if it is
// shorter (or unset). One key only, so it runs on Cluster.
var indexScript = redis.NewScript(`
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
local ttl = redis.call('PTTL', KEYS[1])
local want = tonumber(ARGV[2])
if ttl < want then
	redis.call('PEXPIRE', KEYS[1], want)
end
return 1
`)

// Create stores a new session and adds it to its user's index, in one
// pipeline (one round trip). Returns an error if the ID is taken, after
// putting the index back as it was.
func (s *Store) Create(ctx context.Context, sess session.Session) error {
	return s.CreateAhead(ctx, sess)() // with the writes queued, in one round trip
}

// CreateAhead is Create sent ahead (rediscas.Ahead): the session and its
// index entry ride with the request's next round trip (a sign-in's, the
// swap that completes its auth request), and written returns what Create
// would, sending them first if nothing has carried them yet.
func (s *Store) CreateAhead(ctx context.Context, sess session.Session) (written func() error) {
	b, err := encode(sess)
	if err != nil {
		return func() error { return fmt.Errorf("create session: %w", err) }
	}
	now := s.kv.Clock.Now()
	key, index := s.sessionKey(sess.ID), s.userKey(sess.UserID)
	indexArgs := []any{sess.ID, rediscas.TTL(sess.ExpiresAt, now).Milliseconds(), sess.ExpiresAt.UnixMilli(), now.UnixMilli()}
	var set *redis.BoolCmd
	var indexed *redis.Cmd
	sent := rediscas.Ahead(ctx, s.kv.Client, func(ctx context.Context, p redis.Pipeliner) {
		set = p.SetNX(ctx, key, b, rediscas.TTL(idleEnd(sess), now))
		indexed = indexScript.EvalSha(ctx, p, []string{index}, indexArgs...)
	})
	// The request's later commands on key go out after the write (in its
	// pipeline, or after it), so to this request key holds b from now on:
	// completing the auth request finds the session with its client without
	// reading it. A write that fails is forgotten again (created).
	rediscas.Remember(ctx, key, b)
	return func() error {
		sent()
		if set == nil {
			return errors.New("create session: not sent")
		}
		return s.created(ctx, sess, key, index, b, indexArgs, set, indexed)
	}
}

// created reads the answers of a session's pipeline (CreateAhead): each
// command's own error.
func (s *Store) created(ctx context.Context, sess session.Session, key, index string, b []byte, indexArgs []any, set *redis.BoolCmd, indexed *redis.Cmd) error {
	if err := set.Err(); err != nil {
		rediscas.Forget(ctx, key)
		return fmt.Errorf("create session: %w", err)
	}
	if !set.Val() {
		rediscas.Forget(ctx, key)
		// The ID is someone's session: the pipeline indexed it under
		// sess.UserID all the same. Put that back.
		if err := s.reindexTaken(ctx, sess); err != nil {
			return fmt.Errorf("create session: id taken: %w", err)
		}
		return fmt.Errorf("create session: id taken")
	}
	err := indexed.Err()
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Not cached (a restarted or new node): send it whole.
		err = indexScript.Eval(ctx, s.kv.Client, []string{index}, indexArgs...).Err()
	}
	if err != nil {
		// A session missing from its user's index could not be revoked:
		// take it back. Use a fresh context: ctx may be what failed.
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		s.kv.Client.Del(cleanup, key)
		rediscas.Forget(ctx, key)
		return fmt.Errorf("create session: index by user: %w", err)
	}
	rediscas.Remember(ctx, key, b)
	return nil
}

// reindexTaken undoes what a refused Create's pipeline did to the index of
// sess.UserID: the session holding the ID gets back its own score if it is
// that user's, and the ID leaves the index otherwise (DeleteByUser deletes
// whatever its user's index names).
func (s *Store) reindexTaken(ctx context.Context, sess session.Session) error {
	held, err := s.get(ctx, sess.ID)
	if err != nil && !errors.Is(err, session.ErrNotFound) {
		return err
	}
	if err == nil && held.UserID == sess.UserID {
		return s.kv.Client.ZAdd(ctx, s.userKey(sess.UserID), redis.Z{Score: float64(held.ExpiresAt.UnixMilli()), Member: sess.ID}).Err()
	}
	return s.kv.Client.ZRem(ctx, s.userKey(sess.UserID), sess.ID).Err()
}

// Get returns a live session, or session.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (session.Session, error) {
	sess, err := s.get(ctx, id)
	if err != nil {
		return session.Session{}, fmt.Errorf("get session: %w", err)
	}
	return sess, nil
}

// get reads a live session.
func (s *Store) get(ctx context.Context, id string) (session.Session, error) {
	return rediscas.Get(ctx, s.kv.Client, s.sessionKey(id), s.codec(id))
}

// codec stores session id (the ID in the key only): live while Valid,
// session.ErrNotFound after.
func (s *Store) codec(id string) rediscas.Codec[session.Session] {
	return rediscas.Codec[session.Session]{
		Encode: encode,
		Decode: func(b []byte) (session.Session, error) { return decode(id, b) },
		Live: func(sess session.Session) error {
			if !sess.Valid(s.kv.Clock.Now()) {
				return session.ErrNotFound
			}
			return nil
		},
		Missing: session.ErrNotFound,
	}
}

// Touch slides the idle timer to now, re-sets the TTL and returns the session.
func (s *Store) Touch(ctx context.Context, id string) (session.Session, error) {
	sess, err := s.update(ctx, id, func(sess *session.Session, now time.Time) bool {
		sess.LastSeen = now.UTC()
		return true
	})
	if err != nil {
		return session.Session{}, fmt.Errorf("touch session: %w", err)
	}
	return sess, nil
}

// ReadAhead has the request's next Redis round trip read session id too,
// for a Get or an update later in the request (rediscas.ReadAhead).
func (s *Store) ReadAhead(ctx context.Context, id string) {
	if id != "" {
		rediscas.ReadAhead(ctx, s.sessionKey(id))
	}
}

// AddClient records that clientID received tokens in the session.
func (s *Store) AddClient(ctx context.Context, id, clientID string) error {
	_, err := s.update(ctx, id, func(sess *session.Session, _ time.Time) bool {
		if slices.Contains(sess.Clients, clientID) {
			return false
		}
		sess.Clients = append(sess.Clients, clientID)
		return true
	})
	if err != nil {
		return fmt.Errorf("add client to session: %w", err)
	}
	return nil
}

// update applies fn to a live session by compare-and-swap (rediscas: one
// GET, then a script that writes only if the key still holds what was read),
// retried on the session as it then is a bounded number of times. fn reports
// whether it changed anything worth saving; if not, nothing is written.
func (s *Store) update(ctx context.Context, id string, fn func(sess *session.Session, now time.Time) bool) (session.Session, error) {
	return rediscas.UpdateValue(ctx, s.kv.Client, s.sessionKey(id), s.codec(id), func(sess *session.Session) (time.Duration, error) {
		now := s.kv.Clock.Now()
		if !fn(sess, now) {
			return 0, rediscas.ErrSkipWrite
		}
		return rediscas.TTL(idleEnd(*sess), now), nil
	})
}

// Delete ends a session; deleting a missing session is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	b, err := s.kv.Client.GetDel(ctx, s.sessionKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		rediscas.Gone(ctx, s.sessionKey(id))
		return nil
	}
	if err != nil {
		rediscas.Forget(ctx, s.sessionKey(id))
		return fmt.Errorf("delete session: %w", err)
	}
	rediscas.Gone(ctx, s.sessionKey(id))
	sess, err := decode(id, b)
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	if err := s.unindex(ctx, sess.UserID, id); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// unindex removes ids from the user's index (and its legacy set), in one
// pipeline of single-key commands.
func (s *Store) unindex(ctx context.Context, userID string, ids ...any) error {
	_, err := s.kv.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.userKey(userID), ids...)
		p.SRem(ctx, s.legacyUserKey(userID), ids...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("unindex: %w", err)
	}
	return nil
}

// ListByUser returns the user's live sessions, oldest first. Index entries
// whose session has gone are pruned.
func (s *Store) ListByUser(ctx context.Context, userID string) ([]session.Session, error) {
	out, err := s.byUser(ctx, userID, false)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return out, nil
}

// DeleteByUser ends every session of the user and returns those that were
// live, oldest first. Each session is read and deleted in one step (GETDEL),
// so two concurrent calls never both return the same session.
func (s *Store) DeleteByUser(ctx context.Context, userID string) ([]session.Session, error) {
	out, err := s.byUser(ctx, userID, true)
	if err != nil {
		return nil, fmt.Errorf("delete sessions: %w", err)
	}
	return out, nil
}

// byUser reads (or, if del, reads and deletes) every session in the user's
// index and returns the live ones. It removes from the index the IDs it
// deleted or found gone; one pipeline of single-key commands, so it runs on
// Cluster.
func (s *Store) byUser(ctx context.Context, userID string, del bool) ([]session.Session, error) {
	var zs, legacy *redis.StringSliceCmd
	if _, err := s.kv.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		zs = p.ZRange(ctx, s.userKey(userID), 0, -1)
		legacy = p.SMembers(ctx, s.legacyUserKey(userID))
		return nil
	}); err != nil {
		return nil, err
	}
	ids := zs.Val()
	for _, id := range legacy.Val() {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.StringCmd, len(ids))
	_, err := s.kv.Client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			if del {
				cmds[i] = p.GetDel(ctx, s.sessionKey(id))
			} else {
				cmds[i] = p.Get(ctx, s.sessionKey(id))
			}
		}
		return nil
	})
	for i, id := range ids { // what this request now knows of each (rediscas memo)
		switch b, err := cmds[i].Bytes(); {
		case err == nil && !del:
			rediscas.Remember(ctx, s.sessionKey(id), b)
		case err == nil || errors.Is(err, redis.Nil):
			rediscas.Gone(ctx, s.sessionKey(id))
		default:
			rediscas.Forget(ctx, s.sessionKey(id))
		}
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	now := s.kv.Clock.Now()
	var out []session.Session
	var gone []any
	for i, id := range ids {
		b, err := cmds[i].Bytes()
		if errors.Is(err, redis.Nil) {
			gone = append(gone, id)
			continue
		}
		if err != nil {
			return nil, err
		}
		sess, err := decode(id, b)
		if err != nil {
			return nil, err
		}
		if del {
			gone = append(gone, id)
		}
		if sess.UserID == userID && sess.Valid(now) {
			out = append(out, sess)
		}
	}
	if len(gone) > 0 {
		if err := s.unindex(ctx, userID, gone...); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b session.Session) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}
