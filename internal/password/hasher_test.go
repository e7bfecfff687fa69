package password

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// cheap are fast parameters for tests.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashVerify(t *testing.T) {
	h := NewHasher(cheap, 2)
	phc, err := h.Hash(t.Context(), "Correct-Horse-1")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(phc) {
		t.Fatalf("Hash = %q, not a PHC string", phc)
	}
	other, _ := h.Hash(t.Context(), "Correct-Horse-1")
	if other == phc {
		t.Error("two hashes of one password are equal: salt not random")
	}
	for _, tc := range []struct {
		name, pw string
		want     bool
	}{
		{"right", "Correct-Horse-1", true},
		{"wrong", "Correct-Horse-2", false},
		{"case", "correct-horse-1", false},
		{"prefix", "Correct-Horse-", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(t.Context(), tc.pw, phc)
			if err != nil || ok != tc.want || rehash {
				t.Errorf("Verify = %v, %v, %v; want %v, false, nil", ok, rehash, err, tc.want)
			}
		})
	}
}

// TestReferenceVector verifies a PHC string built from a test vector of the
// argon2 reference implementation (as used in x/crypto/argon2's tests):
// argon2id, password "password", salt "somesalt", t=1, m=64, p=1, 24-byte tag.
func TestReferenceVector(t *testing.T) {
	tag, _ := hex.DecodeString("655ad15eac652dc59f7170a7332bf49b8469be1fdb9c28bb")
	phc := "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$" + base64.RawStdEncoding.EncodeToString(tag)
	ok, rehash, err := NewHasher(cheap, 1).Verify(t.Context(), "password", phc)
	if err != nil || !ok {
		t.Fatalf("Verify(reference vector) = %v, %v; want true, nil", ok, err)
	}
	if !rehash {
		t.Error("needsRehash = false for an 8-byte salt and 24-byte tag, want true")
	}
}

func TestDefaultParams(t *testing.T) {
	h := NewHasher(DefaultParams(), 1)
	phc, err := h.Hash(t.Context(), "Correct-Horse-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("Hash = %q, want the default parameters", phc)
	}
	if ok, rehash, err := h.Verify(t.Context(), "Correct-Horse-1", phc); !ok || rehash || err != nil {
		t.Errorf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

func TestNeedsRehash(t *testing.T) {
	old := NewHasher(cheap, 1)
	phc, err := old.Hash(t.Context(), "Correct-Horse-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		have Params
		want bool
	}{
		{"same", cheap, false},
		{"memory", Params{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"time", Params{Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"threads", Params{Memory: 64, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}, true},
		{"salt", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 32, KeyLen: 32}, true},
		{"key", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 16}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := NewHasher(tc.have, 1).Verify(t.Context(), "Correct-Horse-1", phc)
			if err != nil || !ok || rehash != tc.want {
				t.Errorf("Verify = %v, %v, %v; want true, %v, nil", ok, rehash, err, tc.want)
			}
		})
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := NewHasher(cheap, 1)
	good, _ := h.Hash(t.Context(), "x")
	salt, key := strings.Split(good, "$")[4], strings.Split(good, "$")[5]
	for _, phc := range []string{
		"",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt,
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$m=64,t=1,p=1$" + salt + "$" + key,
		"argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1,k=2$" + salt + "$" + key,
		"$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4294967360,t=1,p=1$" + salt + "$" + key, // 2^32+64
		"$argon2id$v=19$m=1048577,t=1,p=1$" + salt + "$" + key,    // over 1 GiB
		"$argon2id$v=19$m=64,t=21,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=17$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=7,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "=$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "==",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:len(key)-1] + "B", // stray bits
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key,                          // 4-byte salt
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$AAAA",                      // 3-byte key
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt[:8] + "\n" + salt[8:] + "$" + key, // the decoder skips CR/LF
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:8] + "\r" + key[8:],
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + " ",
	} {
		t.Run(phc, func(t *testing.T) {
			ok, rehash, err := h.Verify(t.Context(), "x", phc)
			if ok || rehash || !errors.Is(err, ErrMalformedHash) {
				t.Errorf("Verify(%q) = %v, %v, %v; want ErrMalformedHash", phc, ok, rehash, err)
			}
		})
	}
}

// FuzzParsePHC checks that the parser never panics, and that whatever it
// accepts has parameters within the limits (so verifying it is bounded) and
// encodes back to exactly the input.
func FuzzParsePHC(f *testing.F) {
	h := NewHasher(cheap, 1)
	good, _ := h.Hash(context.Background(), "x")
	for _, s := range []string{good, "", "$", "$$$$$", "$argon2id$v=19$m=4294967295,t=4294967295,p=255$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=10,t=1,p=1$00000000\n000$00000000000000000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := parsePHC(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("parsePHC(%q): error %v does not wrap ErrMalformedHash", s, err)
			}
			return
		}
		if p.Validate() != nil {
			t.Fatalf("parsePHC(%q) accepted params %+v", s, p)
		}
		if back := encodePHC(p, salt, key); back != s {
			t.Fatalf("parsePHC(%q) round trip gives %q", s, back)
		}
	})
}

func TestVerifyDummy(t *testing.T) {
	h := NewHasher(cheap, 1)
	p, _, _, err := parsePHC(h.dummy)
	if err != nil {
		t.Fatalf("dummy hash does not parse: %v", err)
	}
	if p != cheap {
		t.Errorf("dummy hash params = %+v, want the hasher's %+v", p, cheap)
	}
	h.VerifyDummy(t.Context(), "anything")
}

// TestConcurrencyBound holds the only slot and checks that Hash, Verify and
// VerifyDummy wait for it and give up when ctx ends.
func TestConcurrencyBound(t *testing.T) {
	h := NewHasher(cheap, 1)
	phc, err := h.Hash(t.Context(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	h.sem <- struct{}{} // every slot taken

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash with no free slot = %v, want DeadlineExceeded", err)
	}
	if _, _, err := h.Verify(ctx, "pw", phc); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Verify with no free slot = %v, want DeadlineExceeded", err)
	}

	// A waiting Hash proceeds once the slot is freed.
	done := make(chan error)
	go func() {
		_, err := h.Hash(t.Context(), "pw")
		done <- err
	}()
	h.release()
	if err := <-done; err != nil {
		t.Errorf("Hash after release: %v", err)
	}
	if len(h.sem) != 0 {
		t.Errorf("%d slots still held after Hash returned", len(h.sem))
	}
}

func TestCancelledContext(t *testing.T) {
	h := NewHasher(cheap, 4)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash = %v, want Canceled", err)
	}
}

func TestParamsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		have Params
		ok   bool
	}{
		{"default", DefaultParams(), true},
		{"cheap", cheap, true},
		{"zero", Params{}, false},
		{"memory below 8 per thread", Params{Memory: 15, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}, false},
		{"short salt", Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.have.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate = %v, want ok %v", err, tc.ok)
			}
		})
	}
	defer func() {
		if recover() == nil {
			t.Error("NewHasher(Params{}) did not panic")
		}
	}()
	NewHasher(Params{}, 1)
}

// BenchmarkHashDefault measures one hash with the default parameters:
// go test -bench HashDefault -benchmem ./internal/password/
func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(DefaultParams(), 1)
	for b.Loop() {
		if _, err := h.Hash(b.Context(), "Correct-Horse-Battery-1"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFullQueueIsBusy: with the one slot computing (a blocking fake KDF) and
// the one place in the queue taken, Hash, Verify and VerifyDummy answer
// ErrBusy at once instead of waiting; the running and the queued calls
// finish once the KDF is let go.
func TestFullQueueIsBusy(t *testing.T) {
	h := NewHasherLimits(cheap, Limits{Concurrency: 1, Queue: 1})
	phc, err := h.Hash(t.Context(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}, 2), make(chan struct{})
	real := h.kdf
	h.kdf = func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
		started <- struct{}{}
		<-release
		return real(pw, salt, time, memory, threads, keyLen)
	}
	done := make(chan error, 2)
	hash := func() {
		_, err := h.Hash(t.Context(), "pw")
		done <- err
	}
	go hash()
	<-started // the slot is computing
	go hash()
	waitFor(t, func() bool { return len(h.queue) == 1 }) // the queue is full

	if _, err := h.Hash(t.Context(), "pw"); !errors.Is(err, ErrBusy) {
		t.Errorf("Hash with a full queue = %v, want ErrBusy", err)
	}
	if _, _, err := h.Verify(t.Context(), "pw", phc); !errors.Is(err, ErrBusy) {
		t.Errorf("Verify with a full queue = %v, want ErrBusy", err)
	}
	if err := h.VerifyDummy(t.Context(), "pw"); !errors.Is(err, ErrBusy) {
		t.Errorf("VerifyDummy with a full queue = %v, want ErrBusy", err)
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("running or queued Hash: %v", err)
		}
	}
	if st := h.Stats(); st.Busy != 3 || st.Computed != 3 {
		t.Errorf("stats %+v, want 3 refused and 3 computed", st)
	}
	if len(h.sem) != 0 || len(h.queue) != 0 {
		t.Errorf("%d slots and %d queue places still held", len(h.sem), len(h.queue))
	}
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}
