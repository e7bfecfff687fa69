package rediscas

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// memo holds, for one request, what each key held when this request last
// read or wrote it (nil: gone).
type memo struct {
	mu   sync.Mutex
	vals map[string][]byte
	// later are the writes Later queued, not yet sent; laterErrs the
	// errors of those sent, until Flush returns them.
	later     []func(context.Context, redis.Pipeliner)
	laterErrs []error
	// ahead are the GETs ReadAhead queued, by key, until a Read takes the
	// answer: nil until the GET has gone out.
	ahead map[string]*redis.StringCmd
}

type memoKey struct{}

// WithMemo returns ctx carrying an empty memo, for one HTTP request. Read
// (and so Get), Update (and so UpdateValue), Create and Delete use it, and
// a backend's own writes tell it with Remember, Gone and Forget: a key this request has read or written
// is not read from Redis again while the request lasts, and Update starts
// its compare-and-swap from the memo's value instead of a GET. Without a
// memo in ctx they go to Redis every time.
//
// Reads are then as of the request's first read of the key (or its own last
// write), which a request could have seen anyway had it run a moment
// earlier; writes stay exact, because Update's script compares with what
// Redis holds and, if the memo was stale, calls fn again on the fresh value.
func WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{vals: map[string][]byte{}})
}

func memoOf(ctx context.Context) *memo {
	m, _ := ctx.Value(memoKey{}).(*memo)
	return m
}

// lookup returns what the memo holds for key: val (nil: gone) and whether
// it knows the key at all.
func (m *memo) lookup(key string) ([]byte, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.vals[key]
	return v, ok
}

func (m *memo) set(key string, val []byte) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.vals[key] = val
	delete(m.ahead, key) // older than what the memo now knows
}

// advance sets key to val in the memo if it still holds from, the value
// this request's write started from; otherwise another goroutine of the
// request has moved it meanwhile, in an order this one cannot tell, and
// the key is forgotten (read from Redis next time).
func (m *memo) advance(key string, from, val []byte) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.ahead, key)
	if cur, ok := m.vals[key]; ok && cur != nil && string(cur) == string(from) {
		m.vals[key] = val
		return
	}
	delete(m.vals, key)
}

// Read returns the bytes key holds, or ErrNotFound: from ctx's memo when
// this request has read or written the key already, else with a GET whose
// answer the memo then keeps. The bytes returned must not be changed. Get
// decodes what Read returns.
func Read(ctx context.Context, c Getter, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil { // an ended request reads nothing, not even its memo
		return nil, err
	}
	m := memoOf(ctx)
	if v, ok := m.lookup(key); ok {
		if v == nil {
			return nil, ErrNotFound
		}
		return v, nil
	}
	cmd := m.takeAhead(ctx, c, key)
	if cmd == nil {
		cmd = get(ctx, c, key)
	}
	v, err := cmd.Bytes()
	if errors.Is(err, redis.Nil) {
		m.set(key, nil)
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	m.set(key, v)
	return v, nil
}

// ReadAhead queues a GET of key to ride with this request's next round
// trip (as Later's writes do), so that a Read of key later in the request
// costs none: for a key the request will read once it has done something
// else first (a flow's auth request, the session of a callback). Nothing
// without a memo, or for a key the memo knows. The request must read from
// one goroutine at a time, as requests do.
func ReadAhead(ctx context.Context, key string) {
	m := memoOf(ctx)
	if m == nil {
		return
	}
	if _, ok := m.lookup(key); ok {
		return
	}
	m.mu.Lock()
	if m.ahead == nil {
		m.ahead = map[string]*redis.StringCmd{}
	}
	_, queued := m.ahead[key]
	m.ahead[key] = nil
	m.mu.Unlock()
	if queued {
		return
	}
	Later(ctx, func(ctx context.Context, p redis.Pipeliner) {
		cmd := p.Get(ctx, key)
		m.mu.Lock()
		defer m.mu.Unlock()
		if _, ok := m.ahead[key]; ok { // not superseded meanwhile
			m.ahead[key] = cmd
		}
	})
}

// takeAhead returns, once, the GET of key ReadAhead queued, after sending
// what is queued if it has not gone yet; nil if none was queued.
func (m *memo) takeAhead(ctx context.Context, c Getter, key string) *redis.StringCmd {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	cmd, queued := m.ahead[key]
	m.mu.Unlock()
	if !queued {
		return nil
	}
	if cmd == nil {
		pc, ok := c.(redis.Cmdable)
		if !ok {
			return nil
		}
		_, _ = Pipelined(ctx, pc, func(redis.Pipeliner) error { return nil })
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cmd = m.ahead[key]
	delete(m.ahead, key)
	return cmd
}

// get is GET key, in one pipeline with the commands queued ahead (Ahead,
// Later) when there are any and c can pipeline.
func get(ctx context.Context, c Getter, key string) *redis.StringCmd {
	pc, ok := c.(redis.Cmdable)
	if !ok || !memoOf(ctx).hasLater() {
		return c.Get(ctx, key)
	}
	var cmd *redis.StringCmd
	_, _ = Pipelined(ctx, pc, func(p redis.Pipeliner) error {
		cmd = p.Get(ctx, key)
		return nil
	})
	return cmd
}

// Create sets key to val with a TTL if it does not exist (SET NX) and tells
// ctx's memo; false if the key was taken.
func Create(ctx context.Context, c redis.Cmdable, key string, val []byte, ttl time.Duration) (bool, error) {
	return CreateAhead(ctx, c, key, val, ttl)() // with the writes queued, in one round trip
}

// CreateAhead is Create sent ahead (Ahead): the SET NX rides with the
// request's next round trip, and await returns what Create would, sending it
// first if nothing has carried it yet.
func CreateAhead(ctx context.Context, c redis.Cmdable, key string, val []byte, ttl time.Duration) (await func() (bool, error)) {
	var set *redis.BoolCmd
	sent := Ahead(ctx, c, func(ctx context.Context, p redis.Pipeliner) { set = p.SetNX(ctx, key, val, ttl) })
	return func() (bool, error) {
		sent()
		if set == nil {
			return false, errors.New("rediscas: create not sent")
		}
		ok, err := set.Result()
		switch {
		case err != nil:
			Forget(ctx, key)
		case ok:
			Remember(ctx, key, val)
		}
		return ok, err
	}
}

// Delete deletes key (a missing key is no error) and tells ctx's memo; a
// key the memo knows gone is not deleted again.
func Delete(ctx context.Context, c redis.Cmdable, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if KnownGone(ctx, key) {
		return nil
	}
	if err := c.Del(ctx, key).Err(); err != nil {
		Forget(ctx, key)
		return err
	}
	Gone(ctx, key)
	return nil
}

// Remember tells ctx's memo that key now holds val, after a write of the
// caller's own (a SETNX, a pipeline). val must not be changed afterwards.
func Remember(ctx context.Context, key string, val []byte) {
	if val == nil {
		val = []byte{}
	}
	memoOf(ctx).set(key, val)
}

// Gone tells ctx's memo that key no longer exists (the caller deleted it).
func Gone(ctx context.Context, key string) { memoOf(ctx).set(key, nil) }

// Forget drops key from ctx's memo, after a write whose result the caller
// does not know: the next Get reads Redis again.
func Forget(ctx context.Context, key string) {
	if m := memoOf(ctx); m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		delete(m.vals, key)
		delete(m.ahead, key)
	}
}

// KnownGone reports whether ctx's memo knows key not to exist (this
// request deleted it or found it missing), so that deleting it again can
// be skipped.
func KnownGone(ctx context.Context, key string) bool {
	v, ok := memoOf(ctx).lookup(key)
	return ok && v == nil
}
