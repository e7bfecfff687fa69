//go:build unix

package argon2id

import (
	"syscall"
	"unsafe"
)

// newMemory maps n blocks of anonymous memory, outside the Go heap (the
// kernel hands it out zeroed, page by page as it is first written); it falls
// back to the heap if the mapping fails. Pool keeps it for the process's
// life, so it is never unmapped.
func newMemory(n int) []block {
	b, err := syscall.Mmap(-1, 0, n*blockLength*8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]block, n)
	}
	return unsafe.Slice((*block)(unsafe.Pointer(unsafe.SliceData(b))), n)
}
