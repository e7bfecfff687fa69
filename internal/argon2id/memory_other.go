//go:build !unix

package argon2id

// newMemory allocates n blocks on the heap.
func newMemory(n int) []block { return make([]block, n) }
