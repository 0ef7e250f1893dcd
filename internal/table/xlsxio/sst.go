package xlsxio

// sharedStrings is the shared-string table, held while a sheet is read.
// Workbooks may have millions of entries, so it is stored compactly: the
// texts one after another in chunks of sstChunk bytes, and per entry its
// chunk and end offset, 8 bytes where a []string would take 16 plus an
// allocation per text. Entries are substrings of the chunks, so reading
// one allocates nothing.
type sharedStrings struct {
	chunks  []string
	cur     []byte   // the chunk being filled
	chunkOf []uint32 // chunk of entry i
	ends    []uint32 // end of entry i within its chunk
}

const sstChunk = 1 << 20

func newSharedStrings(capacity int) *sharedStrings {
	return &sharedStrings{chunkOf: make([]uint32, 0, capacity), ends: make([]uint32, 0, capacity)}
}

// add appends an entry.
func (t *sharedStrings) add(text []byte) {
	if len(t.cur)+len(text) > cap(t.cur) {
		t.seal()
		t.cur = make([]byte, 0, max(sstChunk, len(text)))
	}
	t.cur = append(t.cur, text...)
	t.chunkOf = append(t.chunkOf, uint32(len(t.chunks)))
	t.ends = append(t.ends, uint32(len(t.cur)))
}

// seal turns the chunk being filled into a string; call it after the
// last add.
func (t *sharedStrings) seal() {
	if n := len(t.chunkOf); n > 0 && int(t.chunkOf[n-1]) == len(t.chunks) {
		t.chunks = append(t.chunks, string(t.cur))
	}
	t.cur = nil
}

func (t *sharedStrings) len() int {
	if t == nil {
		return 0
	}
	return len(t.ends)
}

// get returns entry i, which must be below len.
func (t *sharedStrings) get(i int) string {
	c := t.chunkOf[i]
	start := uint32(0)
	if i > 0 && t.chunkOf[i-1] == c {
		start = t.ends[i-1]
	}
	return t.chunks[c][start:t.ends[i]]
}
