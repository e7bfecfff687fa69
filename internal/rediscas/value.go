package rediscas

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/carekey/carekey/internal/clock"
)

// Codec is how a backend keeps values of one type T under its keys: the
// stored form and back, and when a value read is still live.
type Codec[T any] struct {
	Encode func(v T) ([]byte, error)
	Decode func(b []byte) (T, error)
	// Live, if not nil, judges each value Get and UpdateValue read, before
	// it is used: its error (the contract's ErrNotFound for a record that
	// has ended) is returned as is. What fn leaves is not judged.
	Live func(v T) error
	// Missing, if not nil, is what Get and UpdateValue return in place of
	// ErrNotFound for a key that does not exist: the contract's sentinel.
	Missing error
}

// missing returns err, or cd.Missing in place of ErrNotFound.
func (cd Codec[T]) missing(err error) error {
	if cd.Missing != nil && errors.Is(err, ErrNotFound) {
		return cd.Missing
	}
	return err
}

// read decodes b and judges it live.
func (cd Codec[T]) read(b []byte) (T, error) {
	v, err := cd.Decode(b)
	if err != nil {
		return v, err
	}
	if cd.Live != nil {
		if err := cd.Live(v); err != nil {
			var zero T
			return zero, err
		}
	}
	return v, nil
}

// Getter is what Get needs of a go-redis client.
type Getter interface {
	Get(ctx context.Context, key string) *redis.StringCmd
}

// Get returns the live value key holds (read through ctx's memo: Read):
// ErrNotFound (or Missing) if there is none, or Decode's or Live's error as
// it is.
func Get[T any](ctx context.Context, c Getter, key string, cd Codec[T]) (T, error) {
	var zero T
	b, err := Read(ctx, c, key)
	if err != nil {
		return zero, cd.missing(err)
	}
	return cd.read(b)
}

// ErrSkipWrite, returned by the fn of UpdateValue, writes nothing: UpdateValue
// returns the value as fn left it, and nil.
var ErrSkipWrite = errors.New("rediscas: nothing to write")

// UpdateValue is Update on a key holding one T. It decodes what the key
// holds (judging it with Live), calls fn on it, then encodes what fn left
// and swaps it in with the TTL fn returns (zero keeps the key's TTL). Like
// Update's, fn may run more than once, each time on a value decoded afresh,
// and must only change v. It returns the value as stored: the bytes written,
// decoded again, which is what a later Get returns.
//
// Errors: as Update's (Missing in place of ErrNotFound); Decode's, Live's
// and fn's are returned as they are, with nothing written.
func UpdateValue[T any](ctx context.Context, c Client, key string, cd Codec[T], fn func(v *T) (time.Duration, error)) (T, error) {
	var out T
	err := Update(ctx, c, key, func(old []byte) (Write, error) {
		v, err := cd.read(old)
		if err != nil {
			return Write{}, err
		}
		ttl, err := fn(&v)
		if errors.Is(err, ErrSkipWrite) {
			out = v
			return Write{}, nil
		}
		if err != nil {
			return Write{}, err
		}
		b, err := cd.Encode(v)
		if err != nil {
			return Write{}, err
		}
		if out, err = cd.Decode(b); err != nil {
			return Write{}, err
		}
		return Write{Value: b, TTL: ttl}, nil
	})
	if err != nil {
		var zero T
		return zero, cd.missing(err)
	}
	return out, nil
}

// TTLMargin is added to a record's remaining lifetime for its Redis TTL, so
// that a replica whose clock runs a little behind still finds it.
const TTLMargin = 5 * time.Second

// TTL is the Redis TTL of a record that ends at end, the time being now:
// what remains plus TTLMargin, rounded to the second, and at least a second.
func TTL(end, now time.Time) time.Duration {
	return max(end.Sub(now)+TTLMargin, time.Second).Round(time.Second)
}

// Keyspace is what each Redis backend holds: the client, the prefix of
// every key it writes, and the clock it judges records live by.
type Keyspace struct {
	Client redis.UniversalClient
	Prefix string
	Clock  clock.Clock
}

// Key returns the key of the record kind id: Prefix, kind, ":", id.
func (k Keyspace) Key(kind, id string) string { return k.Prefix + kind + ":" + id }
