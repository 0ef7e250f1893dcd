package xlsxio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a minimal pull tokenizer for the worksheet and shared-string
// parts. encoding/xml allocates per token and measured several times slower
// than the whole rest of the reader; these parts use a tiny, regular subset
// of XML, so a byte scanner over a sliding buffer is enough: start and end
// tags with the namespace prefix stripped, text, and skipped comments,
// processing instructions and DOCTYPE. CDATA sections become text.
//
// Token slices point into the buffer and are valid only until the next call
// to next.
type xmlScanner struct {
	r   io.Reader
	buf []byte
	pos int
	end int
	eof bool

	kind      tokenKind
	name      []byte // local name of a start or end tag
	attrs     []byte // raw attribute text of a start tag
	selfClose bool
	text      []byte // raw (still escaped) text, or CDATA content
	cdata     bool

	// maxBuf bounds the buffer, and so the longest tag, comment or CDATA
	// section; 0 means scanBufSize × 64. Text is returned in pieces
	// instead, so its length is for the caller to bound.
	maxBuf int
	// piece overrides textPiece (tests cut text finely); at least 32.
	piece int
}

type tokenKind uint8

const (
	tokEOF tokenKind = iota
	tokStart
	tokEnd
	tokText
)

const scanBufSize = 256 << 10

// textPiece is the size from which text without its closing '<' in the
// buffer is returned as a token of its own, so that one long text never
// needs a buffer of its size.
const textPiece = scanBufSize / 2

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, scanBufSize)}
}

// scanLimit is the buffer bound for parts whose cells hold at most
// maxCellBytes of text: a CDATA section may carry a whole cell.
func scanLimit(maxCellBytes int) int {
	return max(scanBufSize, maxCellBytes+64<<10)
}

// fill moves unread bytes to the front and reads more, growing the buffer
// when a single token fills it. It returns false at end of input.
func (s *xmlScanner) fill() (bool, error) {
	if s.eof {
		return false, nil
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		limit := s.maxBuf
		if limit <= 0 {
			limit = 64 * scanBufSize
		}
		if len(s.buf) >= limit {
			return false, &LimitError{What: "an XML tag, comment or CDATA section is longer than", Limit: bytesLimit(int64(limit)), Option: "max_cell_bytes"}
		}
		nb := make([]byte, min(2*len(s.buf), limit))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if errors.Is(err, io.EOF) {
			s.eof = true
			return n > 0, nil
		}
		if err != nil {
			return false, err
		}
		if n > 0 {
			return true, nil
		}
	}
}

// indexFrom finds sep in the unread bytes at or after offset off (relative
// to pos), reading more input as needed. It returns -1 at end of input.
func (s *xmlScanner) indexFrom(off int, sep []byte) (int, error) {
	for {
		if i := bytes.Index(s.buf[s.pos+off:s.end], sep); i >= 0 {
			return off + i, nil
		}
		// Keep the last len(sep)-1 bytes searchable after the refill.
		off = max(off, s.end-s.pos-len(sep)+1)
		more, err := s.fill()
		if err != nil {
			return -1, err
		}
		if !more {
			return -1, nil
		}
	}
}

var (
	sepComment  = []byte("-->")
	sepCDATA    = []byte("]]>")
	sepPI       = []byte("?>")
	prefixCDATA = []byte("<![CDATA[")
)

// next advances to the next token.
func (s *xmlScanner) next() error {
	for {
		if s.pos >= s.end {
			more, err := s.fill()
			if err != nil {
				return err
			}
			if !more {
				s.kind = tokEOF
				return nil
			}
		}
		if s.buf[s.pos] != '<' {
			i, err := s.textEnd()
			if err != nil {
				return err
			}
			s.kind, s.text, s.cdata = tokText, s.buf[s.pos:s.pos+i], false
			s.pos += i
			return nil
		}
		// Make sure the bytes needed to classify the markup are buffered.
		for s.end-s.pos < len(prefixCDATA) && !s.eof {
			if _, err := s.fill(); err != nil {
				return err
			}
		}
		rest := s.buf[s.pos:s.end]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			if err := s.skipPast(4, sepComment); err != nil {
				return err
			}
			continue
		case bytes.HasPrefix(rest, prefixCDATA):
			i, err := s.indexFrom(len(prefixCDATA), sepCDATA)
			if err != nil {
				return err
			}
			if i < 0 {
				return errors.New("unterminated CDATA section")
			}
			s.kind, s.text, s.cdata = tokText, s.buf[s.pos+len(prefixCDATA):s.pos+i], true
			s.pos += i + len(sepCDATA)
			return nil
		case bytes.HasPrefix(rest, []byte("<?")):
			if err := s.skipPast(2, sepPI); err != nil {
				return err
			}
			continue
		case bytes.HasPrefix(rest, []byte("<!")):
			if err := s.skipTag(); err != nil {
				return err
			}
			continue
		}
		return s.tag()
	}
}

// textEnd returns the length of the text at pos: up to the next '<', or
// to the end of input, or, when the text runs on past textPiece bytes,
// a piece of it that does not end inside an entity reference.
func (s *xmlScanner) textEnd() (int, error) {
	off := 0
	for {
		if i := bytes.IndexByte(s.buf[s.pos+off:s.end], '<'); i >= 0 {
			return off + i, nil
		}
		n := s.end - s.pos
		if n >= textPiece || (s.piece > 0 && n >= s.piece) {
			// Entity references are at most 12 bytes long (see
			// appendUnescaped): cut before an '&' without its ';'.
			if a := bytes.LastIndexByte(s.buf[s.pos+n-16:s.end], '&'); a >= 0 &&
				bytes.IndexByte(s.buf[s.pos+n-16+a:s.end], ';') < 0 {
				n -= 16 - a
			}
			return n, nil
		}
		off = n
		more, err := s.fill()
		if err != nil {
			return 0, err
		}
		if !more {
			return s.end - s.pos, nil
		}
	}
}

func (s *xmlScanner) skipPast(off int, sep []byte) error {
	i, err := s.indexFrom(off, sep)
	if err != nil {
		return err
	}
	if i < 0 {
		return errors.New("unterminated markup at end of part")
	}
	s.pos += i + len(sep)
	return nil
}

// tagEnd returns the offset of the '>' closing the tag at pos, skipping
// quoted attribute values (which may legally contain '>').
func (s *xmlScanner) tagEnd() (int, error) {
	i := 1
	var quote byte
	for {
		for ; s.pos+i < s.end; i++ {
			c := s.buf[s.pos+i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '>':
				return i, nil
			}
		}
		more, err := s.fill()
		if err != nil {
			return 0, err
		}
		if !more {
			return 0, errors.New("unterminated tag at end of part")
		}
	}
}

func (s *xmlScanner) skipTag() error {
	i, err := s.tagEnd()
	if err != nil {
		return err
	}
	s.pos += i + 1
	return nil
}

func (s *xmlScanner) tag() error {
	i, err := s.tagEnd()
	if err != nil {
		return err
	}
	body := s.buf[s.pos+1 : s.pos+i]
	s.pos += i + 1
	s.kind = tokStart
	if len(body) > 0 && body[0] == '/' {
		s.kind = tokEnd
		body = body[1:]
	}
	s.selfClose = false
	if s.kind == tokStart && len(body) > 0 && body[len(body)-1] == '/' {
		s.selfClose = true
		body = body[:len(body)-1]
	}
	n := 0
	for n < len(body) && !isSpace(body[n]) {
		n++
	}
	name := body[:n]
	if c := bytes.IndexByte(name, ':'); c >= 0 {
		name = name[c+1:]
	}
	s.name = name
	s.attrs = body[n:]
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// is reports whether the current token is a start or end tag named name.
func (s *xmlScanner) is(kind tokenKind, name string) bool {
	return s.kind == kind && string(s.name) == name
}

// attr returns the raw value of the attribute with the given local name.
// Values are not unescaped: the attributes read here (cell references,
// style indexes, types) never contain entities.
func attr(attrs []byte, name string) ([]byte, bool) {
	i := 0
	for i < len(attrs) {
		for i < len(attrs) && isSpace(attrs[i]) {
			i++
		}
		start := i
		for i < len(attrs) && attrs[i] != '=' && !isSpace(attrs[i]) {
			i++
		}
		key := attrs[start:i]
		for i < len(attrs) && (isSpace(attrs[i]) || attrs[i] == '=') {
			i++
		}
		if i >= len(attrs) {
			return nil, false
		}
		q := attrs[i]
		if q != '"' && q != '\'' {
			return nil, false
		}
		j := bytes.IndexByte(attrs[i+1:], q)
		if j < 0 {
			return nil, false
		}
		val := attrs[i+1 : i+1+j]
		i += j + 2
		if c := bytes.IndexByte(key, ':'); c >= 0 {
			key = key[c+1:]
		}
		if string(key) == name {
			return val, true
		}
	}
	return nil, false
}

// Openings of a plain text run, as nearly every writer spells them.
var (
	openT         = []byte("<t>")
	openTPreserve = []byte(`<t xml:space="preserve">`)
)

// plainRun reads, when the buffered input at the scanner's position is
// exactly one text run and the end tag named end (<t>text</t></end>, the
// form of almost every string cell and shared string), that run's text,
// unescaped, onto dst and moves past the end tag. Otherwise (rich text,
// phonetic runs, CDATA, a prefix, input not yet buffered) it consumes
// nothing and returns false, and the caller tokenizes as usual.
func (s *xmlScanner) plainRun(dst []byte, end string) ([]byte, bool) {
	rest := s.buf[s.pos:s.end]
	var n int
	switch {
	case bytes.HasPrefix(rest, openT):
		n = len(openT)
	case bytes.HasPrefix(rest, openTPreserve):
		n = len(openTPreserve)
	default:
		return dst, false
	}
	i := bytes.IndexByte(rest[n:], '<')
	if i < 0 {
		return dst, false
	}
	text, tail := rest[n:n+i], rest[n+i:]
	// The closing tags: </t></end>
	if len(tail) < len("</t></>")+len(end) || string(tail[:6]) != "</t></" ||
		string(tail[6:6+len(end)]) != end || tail[6+len(end)] != '>' {
		return dst, false
	}
	dst = appendUnescaped(dst, text)
	s.pos += n + i + len("</t></>") + len(end)
	return dst, true
}

// appendText appends the current text token, unescaped, to dst.
func (s *xmlScanner) appendText(dst []byte) []byte {
	if s.cdata {
		return append(dst, s.text...)
	}
	return appendUnescaped(dst, s.text)
}

// appendUnescaped decodes the five predefined entities and character
// references. An unknown entity is kept literally rather than failing the
// whole read.
func appendUnescaped(dst, raw []byte) []byte {
	for {
		i := bytes.IndexByte(raw, '&')
		if i < 0 {
			return append(dst, raw...)
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		semi := bytes.IndexByte(raw, ';')
		if semi < 0 || semi > 12 {
			dst = append(dst, '&')
			raw = raw[1:]
			continue
		}
		ent := raw[1:semi]
		switch string(ent) {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ent)
			if !ok {
				dst = append(dst, raw[:semi+1]...)
				raw = raw[semi+1:]
				continue
			}
			dst = utf8.AppendRune(dst, r)
		}
		raw = raw[semi+1:]
	}
}

func charRef(ent []byte) (rune, bool) {
	if len(ent) < 2 || ent[0] != '#' {
		return 0, false
	}
	var v uint64
	var err error
	if ent[1] == 'x' || ent[1] == 'X' {
		v, err = strconv.ParseUint(string(ent[2:]), 16, 32)
	} else {
		v, err = strconv.ParseUint(string(ent[1:]), 10, 32)
	}
	if err != nil || !utf8.ValidRune(rune(v)) {
		return 0, false
	}
	return rune(v), true
}

// decodeXString undoes the OOXML ST_Xstring escaping, in which characters
// that XML cannot carry (and literal "_x" sequences) are written as _xHHHH_.
func decodeXString(b []byte) []byte {
	if !bytes.Contains(b, []byte("_x")) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if i+7 <= len(b) && b[i] == '_' && b[i+1] == 'x' && b[i+6] == '_' {
			if v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 16); err == nil {
				out = utf8.AppendRune(out, rune(v))
				i += 7
				continue
			}
		}
		out = append(out, b[i])
		i++
	}
	return out
}

// partError names the zip part that failed to parse. A LimitError gets
// the part as a field instead.
func partError(part string, err error) error {
	var le *LimitError
	if errors.As(err, &le) {
		if le.Part == "" {
			le.Part = part
		}
		return le
	}
	return fmt.Errorf("parse %s: %w", part, err)
}
