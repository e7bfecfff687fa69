package argon2id

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"golang.org/x/crypto/argon2"
)

// The keys are x/crypto's, for every shape of parameters, on memory that
// earlier hashes (other passwords, salts and passes) left dirty: one Pool
// serves the whole table twice over, in a shuffled order the second time.
func TestMatchesXCrypto(t *testing.T) {
	type params struct {
		time, memory uint32
		threads      uint8
		keyLen       uint32
	}
	var cases []params
	for _, threads := range []uint8{1, 2, 3, 4} {
		for _, memory := range []uint32{1, 8, 16, 33, 64, 256} {
			for _, time := range []uint32{1, 2, 3} {
				cases = append(cases, params{time, memory, threads, 32})
			}
		}
	}
	cases = append(cases, params{2, 19 * 1024, 1, 32}, params{1, 1024, 1, 4}, params{1, 1024, 1, 64}, params{2, 1024, 1, 100})
	rng := rand.New(rand.NewPCG(1, 2))
	var pool Pool
	for round := range 2 {
		rng.Shuffle(len(cases), func(i, j int) { cases[i], cases[j] = cases[j], cases[i] })
		for _, c := range cases {
			password, salt := make([]byte, rng.IntN(40)), make([]byte, 8+rng.IntN(24))
			for _, b := range [][]byte{password, salt} {
				for i := range b {
					b[i] = byte(rng.Uint32())
				}
			}
			want := argon2.IDKey(password, salt, c.time, c.memory, c.threads, c.keyLen)
			if got := pool.IDKey(password, salt, c.time, c.memory, c.threads, c.keyLen); !bytes.Equal(got, want) {
				t.Fatalf("round %d, %+v: %x, want x/crypto's %x", round, c, got, want)
			}
		}
	}
}

// A known answer, independent of x/crypto: the argon2id vector of the
// reference implementation's test.c (v=0x13, t=2, m=2^16 KiB, p=1,
// "password", "somesalt"), which x/crypto's tests use too.
func TestReferenceVector(t *testing.T) {
	var pool Pool
	got := pool.IDKey([]byte("password"), []byte("somesalt"), 2, 1<<16, 1, 32)
	const want = "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7"
	if hex.EncodeToString(got) != want {
		t.Fatalf("%x, want %s", got, want)
	}
}

// Concurrent hashes share the pool without sharing memory (run with -race).
func TestConcurrentHashes(t *testing.T) {
	var pool Pool
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			password, salt := []byte{byte(i), 'p', 'w'}, []byte("saltsaltsalt")
			want := argon2.IDKey(password, salt, 1, 64, 2, 32)
			for range 5 {
				if got := pool.IDKey(password, salt, 1, 64, 2, 32); !bytes.Equal(got, want) {
					t.Errorf("hash %d: %x, want %x", i, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// The point of the package: a later hash of the same size runs in the same
// memory and allocates almost nothing on the heap (x/crypto allocates the
// whole memory every time); the pool keeps one memory per hash that ran at
// once, and no more.
func TestMemoryIsReused(t *testing.T) {
	var pool Pool
	const memory = 4096 // KiB, which is 4096 blocks
	kept := func() [][]block {
		pool.mu.Lock()
		defer pool.mu.Unlock()
		return append([][]block(nil), pool.free[memory]...)
	}
	pool.IDKey([]byte("pw"), []byte("saltsalt"), 1, memory, 1, 32)
	first := kept()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	pool.IDKey([]byte("pw"), []byte("saltsalt"), 1, memory, 1, 32)
	runtime.ReadMemStats(&after)
	second := kept()
	if len(first) != 1 || len(second) != 1 || &first[0][0] != &second[0][0] {
		t.Fatalf("kept %d then %d memories (the same: %v); want the one memory reused",
			len(first), len(second), len(first) == 1 && len(second) == 1 && &first[0][0] == &second[0][0])
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Errorf("the second hash allocated %d bytes on the heap; want a few KiB", n)
	}

	// Four at once need four memories; the pool keeps those four.
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			<-start
			pool.IDKey([]byte("pw"), []byte("saltsalt"), 1, memory, 1, 32)
		})
	}
	close(start)
	wg.Wait()
	if n := len(kept()); n < 1 || n > 4 {
		t.Errorf("after four hashes at once the pool keeps %d memories; want 1 to 4", n)
	}
}

func TestPanicsAsXCrypto(t *testing.T) {
	var pool Pool
	for _, c := range []struct {
		time    uint32
		threads uint8
	}{{0, 1}, {1, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("time %d, threads %d: no panic", c.time, c.threads)
				}
			}()
			pool.IDKey([]byte("pw"), []byte("saltsalt"), c.time, 64, c.threads, 32)
		}()
	}
}

// Any password, salt and small parameters: x/crypto's key, on memory reused
// from the fuzzer's earlier inputs.
func FuzzMatchesXCrypto(f *testing.F) {
	f.Add([]byte("password"), []byte("somesalt"), uint8(2), uint8(16), uint8(1), uint8(32))
	f.Add([]byte(""), []byte("saltsalt"), uint8(1), uint8(1), uint8(4), uint8(4))
	var pool Pool
	f.Fuzz(func(t *testing.T, password, salt []byte, time, memory, threads, keyLen uint8) {
		tm, m, th, kl := uint32(time%3)+1, uint32(memory), threads%4+1, uint32(keyLen%64)+4
		want := argon2.IDKey(password, salt, tm, m, th, kl)
		if got := pool.IDKey(password, salt, tm, m, th, kl); !bytes.Equal(got, want) {
			t.Fatalf("t=%d m=%d p=%d len=%d: %x, want %x", tm, m, th, kl, got, want)
		}
	})
}

func BenchmarkIDKey(b *testing.B) {
	password, salt := []byte("Correct-horse-battery-1"), []byte("0123456789abcdef")
	b.Run("pooled", func(b *testing.B) {
		var pool Pool
		b.ReportAllocs()
		for b.Loop() {
			pool.IDKey(password, salt, 2, 19*1024, 1, 32)
		}
	})
	b.Run("x-crypto", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			argon2.IDKey(password, salt, 2, 19*1024, 1, 32)
		}
	})
}
