package rediscas

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// MaxAttempts bounds how many times Update calls fn before it gives up with
// ErrConflict.
const MaxAttempts = 64

var (
	// ErrNotFound: the key does not exist (or vanished between attempts).
	ErrNotFound = errors.New("rediscas: no such key")
	// ErrConflict: other writers changed the key before each of
	// MaxAttempts writes.
	ErrConflict = errors.New("rediscas: too much contention")
)

// Client is what Update needs of a go-redis client (a redis.UniversalClient
// has it).
type Client interface {
	redis.Scripter
	Get(ctx context.Context, key string) *redis.StringCmd
}

// Write is what fn asks Update to store.
type Write struct {
	// Value replaces the key's value. A nil Value writes nothing: Update
	// returns nil at once, for an fn that found nothing to change.
	Value []byte
	// TTL is the key's new time to live, rounded down to whole
	// milliseconds; zero keeps the TTL the key has.
	TTL time.Duration
}

// swap sets KEYS[1] to ARGV[2] if it holds exactly ARGV[1], with a TTL of
// ARGV[3] ms (0: keep the TTL it has), and returns 1. Otherwise it sets
// nothing and returns what KEYS[1] holds (nil if nothing).
var swap = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur ~= ARGV[1] then
	return cur
end
if ARGV[3] == '0' then
	redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
else
	redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1
`)

// Update calls fn on the value of key (from ctx's memo if this request knows
// it: see WithMemo) and stores the Write it returns, if key
// still holds the value fn was given; otherwise it calls fn again on the
// value key now holds, up to MaxAttempts times. fn may therefore run more
// than once and must depend only on its argument.
//
// Errors: ErrNotFound if key does not exist (fn is not called, or not
// again); fn's own error, as it returned it, with nothing written;
// ErrConflict after MaxAttempts lost races; the context's error if ctx ends
// between attempts; otherwise Redis's.
func Update(ctx context.Context, c Client, key string, fn func(old []byte) (Write, error)) error {
	old, err := Read(ctx, c, key)
	if err != nil {
		return err
	}
	m := memoOf(ctx)
	for range MaxAttempts {
		w, err := fn(old)
		if err != nil {
			return err
		}
		if w.Value == nil {
			return nil
		}
		ttl := "0"
		if w.TTL > 0 {
			ttl = strconv.FormatInt(max(w.TTL.Milliseconds(), 1), 10)
		}
		res, err := runSwap(ctx, c, key, old, w.Value, ttl)
		switch cur := res.(type) {
		case int64:
			m.advance(key, old, w.Value)
			return nil
		case string:
			m.advance(key, old, []byte(cur))
			old = []byte(cur) // lost a race (or the memo was stale): try again on what won
		default:
			if errors.Is(err, redis.Nil) {
				m.set(key, nil)
				return ErrNotFound
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("rediscas: script returned %T", res)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return ErrConflict
}

// runSwap runs the swap script, in one pipeline with the writes Later
// queued when there are any (and c can pipeline).
func runSwap(ctx context.Context, c Client, key string, old, val []byte, ttl string) (any, error) {
	m := memoOf(ctx)
	pc, ok := c.(redis.Cmdable)
	if !ok || !m.hasLater() {
		return swap.Run(ctx, c, []string{key}, old, val, ttl).Result()
	}
	var cmd *redis.Cmd
	_, _ = Pipelined(ctx, pc, func(p redis.Pipeliner) error {
		cmd = swap.EvalSha(ctx, p, []string{key}, old, val, ttl)
		return nil
	})
	if cmd == nil || redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
		// Not cached (a restarted or new node): the queued writes went
		// out; the swap goes whole.
		return swap.Run(ctx, c, []string{key}, old, val, ttl).Result()
	}
	return cmd.Result()
}
