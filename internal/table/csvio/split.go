package csvio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
	"unsafe"

	"github.com/hotpass/hotpass/internal/table"
)

// splitter cuts the input into records. It is a hand-written replacement for
// encoding/csv because the reader needs physical line numbers, the raw text
// of rejected records, UTF-8 checks per line and a fast path for lines
// without quotes (the common case) that does one allocation per record.
type splitter struct {
	br    *bufio.Reader
	delim byte
	quote byte
	mode  textMode

	line    int    // number of the last line read
	lineBuf []byte // holds a line longer than the bufio buffer
	decBuf  []byte // a single-byte line decoded to UTF-8
	recBuf  []byte // unquoted field bytes of a slow-path record
	ends    []int  // end offsets of fields in recBuf
	raw     []byte // raw text of a slow-path record
	fields  []string
	eof     bool
	arena   []byte // backing store for record strings, see intern

	maxField, maxRow int // byte limits; 0 means none
}

// limitError is a field or a record over its byte limit: unlike a
// malformed record it ends the read, whatever the bad-row policy, because
// going on would mean holding the record. Field is the 0-based field
// being read, or -1 for the whole record.
type limitError struct {
	line, field int
	err         *table.SizeLimitError
}

func (e *limitError) Error() string { return e.err.Error() }

func (s *splitter) fieldTooLong(line, field int) error {
	return &limitError{line: line, field: field, err: &table.SizeLimitError{What: "value", Limit: s.maxField, Option: "max_field_bytes"}}
}

func (s *splitter) rowTooLong(line int) error {
	return &limitError{line: line, field: -1, err: &table.SizeLimitError{What: "record", Limit: s.maxRow, Option: "max_row_bytes"}}
}

// longRun tracks, over the pieces of a line too long for the read buffer,
// the field being read and its length so far, so that a huge field is
// refused before the rest of its line is read. Quoted delimiters count as
// delimiters here; the fields are checked again once split.
func (s *splitter) longRun(piece []byte, run, field int) (int, int) {
	n := bytes.Count(piece, []byte{s.delim})
	if n == 0 {
		return run + len(piece), field
	}
	return len(piece) - bytes.LastIndexByte(piece, s.delim) - 1, field + n
}

// appendBounded appends b to buf, growing it four times at a step but to
// no more than limit+len(b) (when limit is set). A Go heap never gives
// address space back, so the steps a long line took stay reserved: four
// times at a step, a line refused at 64 MiB has taken 1+4+16+65 MiB rather
// than twice as much by doubling.
func appendBounded(buf, b []byte, limit int) []byte {
	if need := len(buf) + len(b); need > cap(buf) && limit > 0 {
		grown := make([]byte, len(buf), max(need, min(4*cap(buf), limit+len(b))))
		copy(grown, buf)
		buf = grown
	}
	return append(buf, b...)
}

// checkFields refuses a split record with a field over the limit.
func (s *splitter) checkFields(fields []string, line int) error {
	if s.maxField <= 0 {
		return nil
	}
	for i, f := range fields {
		if len(f) > s.maxField {
			return s.fieldTooLong(line, i)
		}
	}
	return nil
}

// arenaChunk is the allocation unit for record text. One allocation per
// chunk instead of one per record cuts allocation and GC work by orders of
// magnitude on large files; a chunk stays alive while any string in it is
// referenced, which batches do anyway.
const arenaChunk = 1 << 20

// intern returns b as a string backed by the arena. Bytes handed out are
// never written again (appends only go past them, and a full chunk is
// replaced, not reused), which is what makes the unsafe.String view sound.
func (s *splitter) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaChunk/4 {
		return string(b)
	}
	if cap(s.arena)-len(s.arena) < len(b) {
		s.arena = make([]byte, 0, arenaChunk)
	}
	start := len(s.arena)
	s.arena = append(s.arena, b...)
	return unsafe.String(&s.arena[start], len(b))
}

// errRecord is a malformed record: the caller applies the bad-row policy.
type errRecord struct{ msg string }

func (e *errRecord) Error() string { return e.msg }

// record is one split record. fields and rawb are valid until the next
// call; raw, when set, is a string the record may keep.
type record struct {
	fields []string
	line   int
	raw    string
	rawb   []byte
}

// text returns the raw record text, allocating only for quoted records.
func (r record) text() string {
	if r.rawb != nil {
		return string(r.rawb)
	}
	return r.raw
}

// readBufSize is the read buffer of a splitter; lines up to this long are
// split without copying.
const readBufSize = 1 << 20

func newSplitter(br *bufio.Reader, delim, quote byte, mode textMode) *splitter {
	return &splitter{br: br, delim: delim, quote: quote, mode: mode}
}

// text checks or decodes a physical line according to the encoding and
// returns it as UTF-8.
func (s *splitter) text(line []byte, lineNo int) ([]byte, error) {
	switch s.mode {
	case modeUTF8, modeUTF8Auto:
		if !utf8.Valid(line) {
			return line, s.invalidUTF8Err(line, lineNo)
		}
	case modeWindows1252, modeLatin1:
		return s.decodeLine(line)
	}
	return line, nil
}

// readLine returns the next physical line without its terminator, or io.EOF.
func (s *splitter) readLine() ([]byte, error) {
	if s.eof {
		return nil, io.EOF
	}
	line, err := s.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		s.lineBuf = append(s.lineBuf[:0], line...)
		run, field := s.longRun(line, 0, 0)
		for errors.Is(err, bufio.ErrBufferFull) {
			switch {
			case s.maxField > 0 && run > s.maxField:
				return nil, s.fieldTooLong(s.line+1, field)
			case s.maxRow > 0 && len(s.lineBuf) > s.maxRow:
				return nil, s.rowTooLong(s.line + 1)
			}
			line, err = s.br.ReadSlice('\n')
			s.lineBuf = appendBounded(s.lineBuf, line, max(s.maxRow, s.maxField))
			run, field = s.longRun(line, run, field)
		}
		line = s.lineBuf
	}
	if err != nil {
		if !errors.Is(err, io.EOF) {
			return nil, err
		}
		s.eof = true
		if len(line) == 0 {
			return nil, io.EOF
		}
	}
	s.line++
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
		if n > 0 && line[n-1] == '\r' {
			n--
		}
	}
	if s.maxRow > 0 && n > s.maxRow {
		return nil, s.rowTooLong(s.line)
	}
	return line[:n], nil
}

// next returns the next record, skipping blank lines. A malformed record is
// reported as *errRecord with rec.line and rec.raw set, and reading may
// continue after it.
func (s *splitter) next() (record, error) {
	var line []byte
	var err error
	for {
		line, err = s.readLine()
		if err != nil {
			return record{}, err
		}
		if len(line) > 0 {
			break
		}
	}
	start := s.line
	if s.mode != modeDecoded {
		text, err := s.text(line, start)
		if err != nil {
			return record{line: start, raw: string(line)}, err
		}
		line = text
	}
	if bytes.IndexByte(line, s.quote) < 0 {
		full := s.intern(line)
		str := full
		s.fields = s.fields[:0]
		for {
			i := indexByteString(str, s.delim)
			if i < 0 {
				s.fields = append(s.fields, str)
				break
			}
			s.fields = append(s.fields, str[:i])
			str = str[i+1:]
		}
		if len(full) > s.maxField {
			if err := s.checkFields(s.fields, start); err != nil {
				return record{}, err
			}
		}
		return record{fields: s.fields, line: start, raw: full}, nil
	}
	return s.slow(line, start)
}

func indexByteString(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// slow parses a record containing quotes, reading continuation lines while a
// quoted field is open.
func (s *splitter) slow(line []byte, start int) (record, error) {
	s.recBuf = s.recBuf[:0]
	s.ends = s.ends[:0]
	s.raw = append(s.raw[:0], line...)
	bad := func(format string, args ...any) (record, error) {
		return record{line: start, raw: string(s.raw)}, &errRecord{msg: fmt.Sprintf(format, args...)}
	}
	pos := 0
	for {
		if pos < len(line) && line[pos] == s.quote {
			pos++
			for {
				i := bytes.IndexByte(line[pos:], s.quote)
				if i < 0 {
					s.recBuf = append(s.recBuf, line[pos:]...)
					s.recBuf = append(s.recBuf, '\n')
					next, err := s.readLine()
					if errors.Is(err, io.EOF) {
						return bad("quoted field %d is never closed", len(s.ends)+1)
					}
					if err != nil {
						return record{}, err
					}
					if s.mode != modeDecoded {
						text, err := s.text(next, s.line)
						if err != nil {
							s.raw = append(append(s.raw, '\n'), next...)
							if isRecordErr(err) {
								return bad("line %d: %v", s.line, err)
							}
							return record{line: start, raw: string(s.raw)}, err
						}
						next = text
					}
					s.raw = append(append(s.raw, '\n'), next...)
					if s.maxRow > 0 && len(s.raw) > s.maxRow {
						return record{}, s.rowTooLong(start)
					}
					line, pos = next, 0
					continue
				}
				s.recBuf = append(s.recBuf, line[pos:pos+i]...)
				pos += i + 1
				if pos < len(line) && line[pos] == s.quote {
					s.recBuf = append(s.recBuf, s.quote)
					pos++
					continue
				}
				break
			}
			if pos == len(line) {
				s.ends = append(s.ends, len(s.recBuf))
				break
			}
			if line[pos] != s.delim {
				return bad("unexpected %q after the closing quote of field %d (double quotes inside quoted fields)", line[pos], len(s.ends)+1)
			}
			pos++
			s.ends = append(s.ends, len(s.recBuf))
			if pos == len(line) {
				s.ends = append(s.ends, len(s.recBuf))
				break
			}
			continue
		}
		i := bytes.IndexByte(line[pos:], s.delim)
		if i < 0 {
			s.recBuf = append(s.recBuf, line[pos:]...)
			s.ends = append(s.ends, len(s.recBuf))
			break
		}
		s.recBuf = append(s.recBuf, line[pos:pos+i]...)
		pos += i + 1
		s.ends = append(s.ends, len(s.recBuf))
		if pos == len(line) {
			s.ends = append(s.ends, len(s.recBuf))
			break
		}
	}
	str := s.intern(s.recBuf)
	s.fields = s.fields[:0]
	prev := 0
	for _, e := range s.ends {
		s.fields = append(s.fields, str[prev:e])
		prev = e
	}
	if err := s.checkFields(s.fields, start); err != nil {
		return record{}, err
	}
	return record{fields: s.fields, line: start, rawb: s.raw}, nil
}
