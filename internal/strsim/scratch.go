package strsim

import (
	"encoding/binary"
	"unicode/utf8"
	"unsafe"
)

// stackUnits is the longest input, in code points, whose working buffers
// live on the stack. Names, cities and e-mail addresses fit comfortably.
const stackUnits = 64

// unit is a comparable character: a byte when both inputs are ASCII (a
// byte then equals a code point) and a rune otherwise.
type unit interface{ byte | rune }

// Scratch holds heap buffers reused across comparisons of long strings
// (more than 64 code points), so that a caller comparing millions of pairs
// allocates only while the buffers grow. Short strings never touch it.
//
// The zero value is ready to use. A Scratch is not safe for concurrent
// use: give each goroutine its own.
type Scratch struct {
	runesA, runesB []rune
	cells          []int32
	flags          []uint64
}

// isASCII reports whether every byte of s is below 0x80.
func isASCII(s string) bool {
	// Eight bytes at a time: a set top bit in any byte marks non-ASCII.
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if binary.LittleEndian.Uint64(bytesOf(s[i:i+8]))&(lsbs<<7) != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// bytesOf views s as bytes without copying. The callers only read the
// slice, which keeps the string immutable; copying would cost an
// allocation per comparison on the hot path.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// decode returns the code points of s, in stack when they fit (the caller
// passes a stack array as stack), else in keep (a Scratch buffer, grown and
// stored back through keep) or, without a Scratch, in a fresh slice.
func decode(s string, stack []rune, keep *[]rune) []rune {
	n := utf8.RuneCountInString(s)
	var out []rune
	switch {
	case n <= len(stack):
		out = stack[:n]
	case keep != nil:
		if cap(*keep) < n {
			*keep = make([]rune, n)
		}
		out = (*keep)[:n]
	default:
		out = make([]rune, n)
	}
	i := 0
	for _, r := range s {
		out[i] = r
		i++
	}
	return out
}

// runeBuffers returns where decode may keep long inputs: the Scratch
// buffers, or nil (allocate) without a Scratch.
func (s *Scratch) runeBuffers() (a, b *[]rune) {
	if s == nil {
		return nil, nil
	}
	return &s.runesA, &s.runesB
}

// int32s returns a buffer of n int32s, reused from s when possible. Its
// contents are arbitrary: callers write every cell before reading it.
func (s *Scratch) int32s(n int) []int32 {
	if s == nil {
		return make([]int32, n)
	}
	if cap(s.cells) < n {
		s.cells = make([]int32, n)
	}
	return s.cells[:n]
}

// words returns n zeroed uint64s, reused from s when possible.
func (s *Scratch) words(n int) []uint64 {
	if s == nil {
		return make([]uint64, n)
	}
	if cap(s.flags) < n {
		s.flags = make([]uint64, n)
	}
	w := s.flags[:n]
	clear(w)
	return w
}
