// Copyright 2017 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package argon2id derives argon2id keys (RFC 9106) exactly as
// golang.org/x/crypto/argon2.IDKey does, but reuses each hash's working
// memory for the next one instead of allocating it afresh.
//
// x/crypto/argon2 allocates its memory (19 MiB at carekey's parameters)
// inside IDKey on every call, and the API has no way to pass it in
// (golang/go#36634, open since 2020). Measured from outside against idp
// serve, zeroing that fresh allocation was 16 % of carekey's CPU per
// sign-in, and the runtime's keeping of the freed blocks put idp's peak
// RSS 17–22 MiB over its target. With this package: 18 % less CPU per
// sign-in, 17–19 % more sign-ins a second, and a peak RSS of 66–67 MiB
// rather than 112–134 (docs/performance.md). MinIO and Keycloak pool the
// memory of their argon2 the same way.
//
// This is x/crypto v0.58.0's argon2 (its BSD licence in LICENSE) with three
// changes, all in this file and memory*.go: the memory comes from a Pool
// and goes back to it; the first pass writes each block rather than XOR-ing it into memory
// that x/crypto knew to be zero (RFC 9106 §3.2 step 6 and the reference
// implementation do the same: XOR only from the second pass on), so reused
// memory need not be cleared; and only argon2id is offered, without secret
// or associated data. The block function and its assembly are x/crypto's,
// unchanged. TestMatchesXCrypto and FuzzMatchesXCrypto compare every output
// with x/crypto's, on memory left dirty by earlier hashes.
package argon2id

import (
	"encoding/binary"
	"sync"

	"golang.org/x/crypto/blake2b"
)

// Version is the argon2 version implemented (0x13, as x/crypto's).
const Version = 0x13

// argon2id is the type field of the parameters hashed into H0.
const argon2id = 2

// Pool keeps working memory for hashes, by size, so that a hash with the
// same cost parameters as an earlier one reuses its memory. It keeps, for
// the life of the process, as many memories of each size as hashes of that
// size ever ran at once (password.Hasher bounds that). Where it can (unix),
// the memory is mapped from the operating system outside the Go heap, so the
// garbage collector neither scans it nor counts it when it paces itself. The
// memory of a finished hash holds that hash's blocks until it is reused, as
// freed memory would until the collector reused it. The zero Pool is ready
// to use and safe for concurrent use.
type Pool struct {
	mu   sync.Mutex
	free map[int][][]block // by the number of blocks
}

// IDKey derives a key of keyLen bytes from password and salt with argon2id
// of time passes over memory KiB in threads lanes: the same key as
// golang.org/x/crypto/argon2.IDKey with the same arguments, and it panics
// where that does (time or threads below one).
func (p *Pool) IDKey(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	if time < 1 {
		panic("argon2id: number of rounds too small")
	}
	if threads < 1 {
		panic("argon2id: parallelism degree too low")
	}
	h0 := initHash(password, salt, nil, nil, time, memory, uint32(threads), keyLen, argon2id)

	memory = memory / (syncPoints * uint32(threads)) * (syncPoints * uint32(threads))
	if memory < 2*syncPoints*uint32(threads) {
		memory = 2 * syncPoints * uint32(threads)
	}
	B := p.get(int(memory))
	defer p.put(B)
	initBlocks(&h0, B, uint32(threads))
	processBlocks(B, time, memory, uint32(threads), argon2id)
	return extractKey(B, memory, uint32(threads), keyLen)
}

// get returns a memory of n blocks: a kept one, or a new one.
func (p *Pool) get(n int) []block {
	p.mu.Lock()
	if kept := p.free[n]; len(kept) > 0 {
		B := kept[len(kept)-1]
		p.free[n] = kept[:len(kept)-1]
		p.mu.Unlock()
		return B
	}
	p.mu.Unlock()
	return newMemory(n)
}

// put keeps B for the next hash of its size.
func (p *Pool) put(B []block) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.free == nil {
		p.free = map[int][][]block{}
	}
	p.free[len(B)] = append(p.free[len(B)], B)
}

const (
	blockLength = 128
	syncPoints  = 4
)

type block [blockLength]uint64

func initHash(password, salt, key, data []byte, time, memory, threads, keyLen uint32, mode int) [blake2b.Size + 8]byte {
	var (
		h0     [blake2b.Size + 8]byte
		params [24]byte
		tmp    [4]byte
	)

	b2, _ := blake2b.New512(nil)
	binary.LittleEndian.PutUint32(params[0:4], threads)
	binary.LittleEndian.PutUint32(params[4:8], keyLen)
	binary.LittleEndian.PutUint32(params[8:12], memory)
	binary.LittleEndian.PutUint32(params[12:16], time)
	binary.LittleEndian.PutUint32(params[16:20], uint32(Version))
	binary.LittleEndian.PutUint32(params[20:24], uint32(mode))
	b2.Write(params[:])
	binary.LittleEndian.PutUint32(tmp[:], uint32(len(password)))
	b2.Write(tmp[:])
	b2.Write(password)
	binary.LittleEndian.PutUint32(tmp[:], uint32(len(salt)))
	b2.Write(tmp[:])
	b2.Write(salt)
	binary.LittleEndian.PutUint32(tmp[:], uint32(len(key)))
	b2.Write(tmp[:])
	b2.Write(key)
	binary.LittleEndian.PutUint32(tmp[:], uint32(len(data)))
	b2.Write(tmp[:])
	b2.Write(data)
	b2.Sum(h0[:0])
	return h0
}

// initBlocks writes the first two blocks of each lane of B (x/crypto's
// allocates B here).
func initBlocks(h0 *[blake2b.Size + 8]byte, B []block, threads uint32) {
	var block0 [1024]byte
	memory := uint32(len(B))
	for lane := uint32(0); lane < threads; lane++ {
		j := lane * (memory / threads)
		binary.LittleEndian.PutUint32(h0[blake2b.Size+4:], lane)

		binary.LittleEndian.PutUint32(h0[blake2b.Size:], 0)
		blake2bHash(block0[:], h0[:])
		for i := range B[j+0] {
			B[j+0][i] = binary.LittleEndian.Uint64(block0[i*8:])
		}

		binary.LittleEndian.PutUint32(h0[blake2b.Size:], 1)
		blake2bHash(block0[:], h0[:])
		for i := range B[j+1] {
			B[j+1][i] = binary.LittleEndian.Uint64(block0[i*8:])
		}
	}
}

func processBlocks(B []block, time, memory, threads uint32, mode int) {
	lanes := memory / threads
	segments := lanes / syncPoints

	processSegment := func(n, slice, lane uint32, wg *sync.WaitGroup) {
		var addresses, in, zero block
		if mode == argon2id && n == 0 && slice < syncPoints/2 {
			in[0] = uint64(n)
			in[1] = uint64(lane)
			in[2] = uint64(slice)
			in[3] = uint64(memory)
			in[4] = uint64(time)
			in[5] = uint64(mode)
		}

		index := uint32(0)
		if n == 0 && slice == 0 {
			index = 2 // we have already generated the first two blocks
			in[6]++
			processBlock(&addresses, &in, &zero)
			processBlock(&addresses, &addresses, &zero)
		}

		offset := lane*lanes + slice*segments + index
		var random uint64
		for index < segments {
			prev := offset - 1
			if index == 0 && slice == 0 {
				prev += lanes // last block in lane
			}
			if mode == argon2id && n == 0 && slice < syncPoints/2 {
				if index%blockLength == 0 {
					in[6]++
					processBlock(&addresses, &in, &zero)
					processBlock(&addresses, &addresses, &zero)
				}
				random = addresses[index%blockLength]
			} else {
				random = B[prev][0]
			}
			newOffset := indexAlpha(random, lanes, segments, threads, n, slice, lane, index)
			// The first pass writes the block; later passes XOR into it.
			// (x/crypto XORs in the first pass too, into memory it has
			// just allocated and so knows to be zero; reused memory is not.)
			if n == 0 {
				processBlock(&B[offset], &B[prev], &B[newOffset])
			} else {
				processBlockXOR(&B[offset], &B[prev], &B[newOffset])
			}
			index, offset = index+1, offset+1
		}
		wg.Done()
	}

	for n := uint32(0); n < time; n++ {
		for slice := uint32(0); slice < syncPoints; slice++ {
			var wg sync.WaitGroup
			for lane := uint32(0); lane < threads; lane++ {
				wg.Add(1)
				go processSegment(n, slice, lane, &wg)
			}
			wg.Wait()
		}
	}

}

func extractKey(B []block, memory, threads, keyLen uint32) []byte {
	lanes := memory / threads
	for lane := uint32(0); lane < threads-1; lane++ {
		for i, v := range B[(lane*lanes)+lanes-1] {
			B[memory-1][i] ^= v
		}
	}

	var block [1024]byte
	for i, v := range B[memory-1] {
		binary.LittleEndian.PutUint64(block[i*8:], v)
	}
	key := make([]byte, keyLen)
	blake2bHash(key, block[:])
	return key
}

func indexAlpha(rand uint64, lanes, segments, threads, n, slice, lane, index uint32) uint32 {
	refLane := uint32(rand>>32) % threads
	if n == 0 && slice == 0 {
		refLane = lane
	}
	m, s := 3*segments, ((slice+1)%syncPoints)*segments
	if lane == refLane {
		m += index
	}
	if n == 0 {
		m, s = slice*segments, 0
		if slice == 0 || lane == refLane {
			m += index
		}
	}
	if index == 0 || lane == refLane {
		m--
	}
	return phi(rand, uint64(m), uint64(s), refLane, lanes)
}

func phi(rand, m, s uint64, lane, lanes uint32) uint32 {
	p := rand & 0xFFFFFFFF
	p = (p * p) >> 32
	p = (p * m) >> 32
	return lane*lanes + uint32((s+m-(p+1))%uint64(lanes))
}
