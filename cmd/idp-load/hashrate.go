package main

import (
	"context"
	"crypto/rand"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carekey/carekey/internal/argon2id"
	"github.com/carekey/carekey/internal/password"
)

// hashRate measures this machine's argon2id rate in this process: lanes
// goroutines (0: as many as cores) hash with p (the parameters carekey uses, so a
// server-side hash costs the same) for d, with the implementation carekey
// uses (internal/argon2id, its memory reused from hash to hash). It is the
// ceiling of logins per second, each of which costs the server one argon2id
// computation.
func hashRate(ctx context.Context, p password.Params, d time.Duration, lanes int) float64 {
	if lanes <= 0 {
		lanes = runtime.GOMAXPROCS(0)
	}
	var n atomic.Int64
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	var mem argon2id.Pool
	for range lanes {
		wg.Go(func() {
			salt := make([]byte, p.SaltLen)
			_, _ = rand.Read(salt)
			for ctx.Err() == nil {
				mem.IDKey([]byte("Correct-Horse-42!"), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}
