package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/carekey/carekey/internal/argon2id"
)

// ErrMalformedHash: a stored hash is not an argon2id PHC string this package
// accepts (wrong syntax, version, or parameters outside the limits below).
var ErrMalformedHash = errors.New("password: malformed hash")

// ErrBusy: every hashing slot is taken and the queue of callers waiting for
// one is full, so the call gave up at once instead of waiting. The web layer
// answers 503 Service Unavailable with Retry-After.
var ErrBusy = errors.New("password: too many passwords being checked")

// Limits on parameters, both for a Hasher and for stored hashes, so that a
// corrupt or hostile stored hash cannot exhaust memory or CPU.
const (
	MaxMemory  = 1 << 20 // KiB: 1 GiB
	MaxTime    = 20
	MaxThreads = 16
	MinSaltLen = 8
	MaxSaltLen = 64
	MinKeyLen  = 16
	MaxKeyLen  = 64
)

// Params are argon2id parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams returns OWASP's argon2id recommendation: 19 MiB, two passes,
// one thread, a 16-byte salt and a 32-byte hash.
func DefaultParams() Params {
	return Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Validate reports whether p is within the limits above (and Memory is at
// least 8 KiB per thread, as argon2 requires).
func (p Params) Validate() error {
	var errs []error
	if p.Threads < 1 || p.Threads > MaxThreads {
		errs = append(errs, fmt.Errorf("threads %d: must be 1..%d", p.Threads, MaxThreads))
	}
	if p.Memory < 8*uint32(max(p.Threads, 1)) || p.Memory > MaxMemory {
		errs = append(errs, fmt.Errorf("memory %d KiB: must be 8×threads..%d", p.Memory, MaxMemory))
	}
	if p.Time < 1 || p.Time > MaxTime {
		errs = append(errs, fmt.Errorf("time %d: must be 1..%d", p.Time, MaxTime))
	}
	if p.SaltLen < MinSaltLen || p.SaltLen > MaxSaltLen {
		errs = append(errs, fmt.Errorf("salt length %d: must be %d..%d", p.SaltLen, MinSaltLen, MaxSaltLen))
	}
	if p.KeyLen < MinKeyLen || p.KeyLen > MaxKeyLen {
		errs = append(errs, fmt.Errorf("key length %d: must be %d..%d", p.KeyLen, MinKeyLen, MaxKeyLen))
	}
	return errors.Join(errs...)
}

// Limits bound the work a Hasher does at once.
type Limits struct {
	// Concurrency is how many argon2id computations run at once (< 1: one
	// fewer than GOMAXPROCS, at least one, leaving a CPU for everything
	// else, as config.DefaultHashConcurrency).
	Concurrency int
	// Queue is how many callers may wait for a free slot (< 1: 8 ×
	// GOMAXPROCS). A caller finding the queue full gets ErrBusy at once:
	// nobody waits without bound behind a flood of requests.
	Queue int
}

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	if l.Concurrency < 1 {
		l.Concurrency = max(1, runtime.GOMAXPROCS(0)-1)
	}
	if l.Queue < 1 {
		l.Queue = 8 * runtime.GOMAXPROCS(0)
	}
	return l
}

// Stats count a Hasher's work since it was made.
type Stats struct {
	Computed uint64 // argon2id computations run (Hash, Verify, VerifyDummy)
	Busy     uint64 // calls refused with ErrBusy
}

// Hasher hashes and verifies passwords with fixed parameters, running at most
// Limits.Concurrency argon2id computations at once with at most Limits.Queue
// callers waiting. It is safe for concurrent use.
type Hasher struct {
	params Params
	sem    chan struct{} // one token per running computation
	queue  chan struct{} // one token per caller waiting for sem
	dummy  string        // PHC string VerifyDummy checks against
	// kdf is argon2id.Pool.IDKey (x/crypto's argon2id, its 19 MiB reused
	// from one hash to the next); tests replace it with one that blocks.
	kdf      func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte
	computed atomic.Uint64
	busy     atomic.Uint64
}

// NewHasher returns a Hasher using p that runs at most maxConcurrent
// computations at once (maxConcurrent < 1: the default of Limits), with the
// default queue (see Limits). It panics if p fails Validate: configuration
// is validated before anything starts.
func NewHasher(p Params, maxConcurrent int) *Hasher {
	return NewHasherLimits(p, Limits{Concurrency: maxConcurrent})
}

// NewHasherLimits is NewHasher with both limits given.
func NewHasherLimits(p Params, l Limits) *Hasher {
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("password: NewHasher: invalid params: %v", err))
	}
	l = l.withDefaults()
	// The dummy hash has the hasher's own parameters, so verifying against it
	// costs what verifying a real user's current hash costs. Its salt and key
	// are fixed bytes: no password matches it except by a 2^-256 accident,
	// and its result is ignored anyway.
	dummy := encodePHC(p, make([]byte, p.SaltLen), make([]byte, p.KeyLen))
	mem := &argon2id.Pool{}
	return &Hasher{params: p, sem: make(chan struct{}, l.Concurrency), queue: make(chan struct{}, l.Queue),
		dummy: dummy, kdf: mem.IDKey}
}

// Params returns the hasher's parameters.
func (h *Hasher) Params() Params { return h.params }

// Stats returns the counts of work done and refused (for metrics and tests).
func (h *Hasher) Stats() Stats {
	return Stats{Computed: h.computed.Load(), Busy: h.busy.Load()}
}

// acquire takes a free slot; if there is none it joins the queue and waits
// for one or for ctx to end. A full queue returns ErrBusy at once.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("wait to hash: %w", err)
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	select {
	case h.queue <- struct{}{}:
	default:
		h.busy.Add(1)
		return ErrBusy
	}
	defer func() { <-h.queue }()
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait to hash: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

// key runs argon2id, holding a slot.
func (h *Hasher) key(ctx context.Context, password string, salt []byte, p Params, keyLen uint32) ([]byte, error) {
	if err := h.acquire(ctx); err != nil {
		return nil, err
	}
	defer h.release()
	h.computed.Add(1)
	return h.kdf([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen), nil
}

// Hash returns the PHC string of password with a fresh random salt. It waits
// for a free slot; if ctx ends first it returns ctx's error (wrapped), and if
// the queue is full, ErrBusy.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	rand.Read(salt) // never fails since Go 1.24
	k, err := h.key(ctx, password, salt, h.params, h.params.KeyLen)
	if err != nil {
		return "", err
	}
	return encodePHC(h.params, salt, k), nil
}

// Verify reports whether password matches the PHC string phc (compared in
// constant time) and whether phc should be replaced by a fresh Hash because
// its parameters differ from the hasher's. It returns an error wrapping
// ErrMalformedHash if phc cannot be parsed or has parameters outside the
// limits, ctx's error if ctx ends while waiting for a slot, or ErrBusy.
func (h *Hasher) Verify(ctx context.Context, password, phc string) (ok, needsRehash bool, err error) {
	p, salt, want, err := parsePHC(phc)
	if err != nil {
		return false, false, err
	}
	have, err := h.key(ctx, password, salt, p, uint32(len(want)))
	if err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(have, want) == 1
	return ok, p != h.params, nil
}

// VerifyDummy runs one verification with the hasher's parameters against a
// fixed hash and ignores the result. Call it when the user is unknown, so the
// answer takes as long as for a known user. It returns what Verify would
// have returned instead of running (ErrBusy, ctx's error), so that an unknown
// user meets a busy hasher exactly as a known one does.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	_, _, err := h.Verify(ctx, password, h.dummy)
	return err
}

var b64 = base64.RawStdEncoding.Strict()

func encodePHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2id.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parsePHC parses "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH" strictly: exactly
// those fields in that order, decimal numbers without sign or leading zeros,
// raw standard base64 with no stray bits, and parameters within the limits.
func parsePHC(s string) (p Params, salt, key []byte, err error) {
	fail := func(what string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%s: %w", what, ErrMalformedHash)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return fail("want 5 $-separated fields")
	}
	if parts[1] != "argon2id" {
		return fail("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2id.Version) {
		return fail("unsupported version")
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return fail("want parameters m, t, p")
	}
	var nums [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(kv[i], name+"=")
		if !ok {
			return fail("want parameters m, t, p")
		}
		n, ok := parseDecimal(v)
		if !ok {
			return fail("bad number for " + name)
		}
		nums[i] = n
	}
	if nums[0] > MaxMemory || nums[1] > MaxTime || nums[2] > MaxThreads || nums[2] < 1 {
		return fail("parameters out of range")
	}
	if !isB64(parts[4]) || !isB64(parts[5]) {
		return fail("bad base64")
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return fail("bad base64")
	}
	p = Params{
		Memory: uint32(nums[0]), Time: uint32(nums[1]), Threads: uint8(nums[2]),
		SaltLen: uint32(len(salt)), KeyLen: uint32(len(key)),
	}
	if p.Validate() != nil {
		return fail("parameters out of range")
	}
	return p, salt, key, nil
}

// isB64 reports whether s holds only the raw standard base64 alphabet (the
// decoder alone would skip CR and LF).
func isB64(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// parseDecimal parses a non-negative decimal of at most 10 digits with no
// sign and no leading zeros.
func parseDecimal(s string) (uint64, bool) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + uint64(s[i]-'0')
	}
	return n, true
}
