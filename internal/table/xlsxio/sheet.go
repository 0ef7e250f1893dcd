package xlsxio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// cellKind is what a cell holds once its type attribute, style and
// formula are taken into account.
type cellKind uint8

const (
	cellEmpty    cellKind = iota // no value (or a formula without cached value)
	cellNumber                   // numeric, plain number format
	cellDate                     // numeric with a date format, or an ISO date cell
	cellDateTime                 // numeric with a date-and-time format
	cellTime                     // numeric with a time-only or duration format
	cellBool                     // t="b"
	cellText                     // shared, inline or formula string
	cellError                    // t="e": #N/A, #DIV/0!, ...
)

// rawCell is one cell with a value, or a formula cell without one.
type rawCell struct {
	col     int // 1-based
	kind    cellKind
	text    string // stored text: number digits, string, "1"/"0", error code
	formula bool   // the cell has a formula (text is its cached value)
	num     float64
	iso     bool // t="d": text is an ISO 8601 date or date-time
	// noCache marks a formula cell without a cached value; text then holds
	// the formula, which must never be returned as data.
	noCache bool
}

// sheetScanner walks <sheetData> row by row.
type sheetScanner struct {
	x       *xmlScanner
	rc      io.Closer
	part    string
	sst     *sharedStrings
	styles  []fmtKind
	started bool
	done    bool
	row     int // number of the last row returned
	cells   []rawCell
	buf     []byte // scratch for the type attribute
	val     []byte // scratch for <v>
	istr    []byte // scratch for inline strings
	ftext   []byte // scratch for formula text
	maxCell int    // bytes of text one cell may hold
}

func newSheetScanner(rc io.ReadCloser, part string, sst *sharedStrings, styles []fmtKind, maxCell int) *sheetScanner {
	x := newXMLScanner(rc)
	x.maxBuf = scanLimit(maxCell)
	return &sheetScanner{x: x, rc: rc, part: part, sst: sst, styles: styles, maxCell: maxCell}
}

func (s *sheetScanner) close() error { return s.rc.Close() }

// nextRow returns the number and cells of the next <row> element, or
// io.EOF after </sheetData>. The cells slice is reused by the next call.
func (s *sheetScanner) nextRow() (int, []rawCell, error) {
	if s.done {
		return 0, nil, io.EOF
	}
	x := s.x
	for {
		if err := x.next(); err != nil {
			return 0, nil, partError(s.part, err)
		}
		switch {
		case x.kind == tokEOF:
			s.done = true
			if !s.started {
				return 0, nil, partError(s.part, errors.New("no <sheetData> element"))
			}
			return 0, nil, io.EOF
		case x.is(tokStart, "sheetData"):
			s.started = true
			if x.selfClose {
				s.done = true
				return 0, nil, io.EOF
			}
		case x.is(tokEnd, "sheetData"):
			s.done = true
			return 0, nil, io.EOF
		case s.started && x.is(tokStart, "row"):
			num := s.row + 1
			if v, ok := attr(x.attrs, "r"); ok {
				n, err := strconv.Atoi(string(v))
				if err != nil || n < 1 {
					return 0, nil, partError(s.part, fmt.Errorf("row number %q is not a positive integer", v))
				}
				num = n
			}
			if num <= s.row {
				return 0, nil, partError(s.part, fmt.Errorf("row %d follows row %d: rows are out of order", num, s.row))
			}
			s.row = num
			s.cells = s.cells[:0]
			if x.selfClose {
				return num, s.cells, nil
			}
			if err := s.readCells(); err != nil {
				return 0, nil, partError(s.part, fmt.Errorf("row %d: %w", num, err))
			}
			return num, s.cells, nil
		}
	}
}

func (s *sheetScanner) readCells() error {
	x := s.x
	col := 0
	for {
		if err := x.next(); err != nil {
			return err
		}
		switch {
		case x.kind == tokEOF:
			return errors.New("unexpected end of part inside <row>")
		case x.is(tokEnd, "row"):
			return nil
		case x.is(tokStart, "c"):
			if len(s.cells) >= maxColumns {
				return fmt.Errorf("more than %d cells in one row", maxColumns)
			}
			col++
			if v, ok := attr(x.attrs, "r"); ok {
				c, ok := columnOf(v)
				if !ok {
					return fmt.Errorf("bad cell reference %q", v)
				}
				col = c
			}
			style := 0
			if v, ok := attr(x.attrs, "s"); ok {
				style, _ = strconv.Atoi(string(v))
			}
			var typ []byte
			if v, ok := attr(x.attrs, "t"); ok {
				typ = append(s.buf[:0], v...)
				s.buf = typ
			}
			if x.selfClose {
				continue
			}
			c, err := s.readCell(col, style, string(typ))
			if err != nil {
				var le *LimitError
				if errors.As(err, &le) {
					if le.Option == "max_cell_bytes" {
						le.Cell = cellRef(col, s.row)
					}
					return le
				}
				return fmt.Errorf("cell %s: %w", cellRef(col, s.row), err)
			}
			if c.kind != cellEmpty || c.formula {
				s.cells = append(s.cells, c)
			}
		}
	}
}

// readCell reads the children of <c> up to </c>.
func (s *sheetScanner) readCell(col, style int, typ string) (rawCell, error) {
	x := s.x
	c := rawCell{col: col}
	val := s.val[:0]
	s.ftext = s.ftext[:0]
	hasVal, inV, inF := false, false, false
	for {
		if err := x.next(); err != nil {
			return c, err
		}
		switch x.kind {
		case tokEOF:
			return c, errors.New("unexpected end of part inside <c>")
		case tokText:
			switch {
			case inV:
				val = x.appendText(val)
				if len(val) > s.maxCell {
					return c, cellTooLong(s.maxCell)
				}
			case inF:
				s.ftext = x.appendText(s.ftext)
				if len(s.ftext) > s.maxCell {
					return c, cellTooLong(s.maxCell)
				}
			}
		case tokStart:
			switch string(x.name) {
			case "v":
				hasVal, inV = true, !x.selfClose
			case "f":
				c.formula, inF = true, !x.selfClose
			case "is":
				if x.selfClose {
					continue
				}
				t, err := readRichText(x, s.istr[:0], "is", s.maxCell)
				if err != nil {
					return c, err
				}
				s.istr = t
				c.kind, c.text = cellText, string(decodeXString(t))
				typ = "inlineStr"
			}
		case tokEnd:
			switch string(x.name) {
			case "v":
				inV = false
			case "f":
				inF = false
			case "c":
				s.val = val
				if hasVal && typ != "inlineStr" {
					if err := s.classify(&c, style, typ, val); err != nil {
						return c, err
					}
				}
				if c.formula && c.kind == cellEmpty && !(hasVal && typ == "str") {
					c.noCache = true
					c.text = string(s.ftext)
				}
				return c, nil
			}
		}
	}
}

func (s *sheetScanner) classify(c *rawCell, style int, typ string, val []byte) error {
	switch typ {
	case "s":
		i, err := strconv.Atoi(string(bytes.TrimSpace(val)))
		if err != nil || i < 0 || i >= s.sst.len() {
			return fmt.Errorf("shared string index %q out of range (%d strings)", val, s.sst.len())
		}
		c.kind, c.text = cellText, s.sst.get(i)
	case "str":
		c.kind, c.text = cellText, string(decodeXString(val))
	case "b":
		c.kind = cellBool
		c.text = "0"
		if v := string(bytes.TrimSpace(val)); v == "1" || v == "true" {
			c.text = "1"
		}
	case "e":
		c.kind, c.text = cellError, string(val)
	case "d":
		c.kind, c.text, c.iso = cellDate, string(bytes.TrimSpace(val)), true
		if bytes.IndexByte(val, 'T') >= 0 {
			c.kind = cellDateTime
		}
	case "", "n":
		v := bytes.TrimSpace(val)
		if len(v) == 0 {
			return nil
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return fmt.Errorf("numeric value %q is not a number", v)
		}
		c.kind, c.text, c.num = cellNumber, string(v), f
		if style > 0 && style < len(s.styles) {
			switch s.styles[style] {
			case fmtDate:
				c.kind = cellDate
			case fmtDateTime:
				c.kind = cellDateTime
			case fmtTime:
				c.kind = cellTime
			}
		}
	default:
		return fmt.Errorf("unknown cell type %q", typ)
	}
	return nil
}

// columnOf parses the column letters of an A1 reference ("BC12" → 55).
func columnOf(ref []byte) (int, bool) {
	col := 0
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i]
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A'+1)
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a'+1)
		default:
			if i == 0 {
				return 0, false
			}
			return col, col <= maxColumns
		}
	}
	return col, i > 0 && col <= maxColumns
}

// maxColumns is Excel's column limit (XFD).
const maxColumns = 16384

// columnName returns the letters of a 1-based column ("AA" for 27).
func columnName(col int) string {
	var b [4]byte
	i := len(b)
	for col > 0 {
		col--
		i--
		b[i] = byte('A' + col%26)
		col /= 26
	}
	return string(b[i:])
}

// cellRef returns the A1 reference of a 1-based column and row.
func cellRef(col, row int) string {
	return columnName(col) + strconv.Itoa(row)
}

// tailMerges reads the rest of the part once nextRow has returned io.EOF
// and returns the merged ranges listed there that cover row.
func (s *sheetScanner) tailMerges(row int) ([]cellRange, error) {
	return collectMerges(s.x, s.part, row)
}

// scanMergedCells finds the <mergeCell ref="..."/> elements after
// </sheetData>. The end tag is located with a plain byte search, which is
// exact because cell text cannot contain an unescaped '<'; only the short
// tail is tokenized.
func scanMergedCells(rc io.Reader, part string, row int) ([]cellRange, error) {
	const chunk = 1 << 20
	buf := make([]byte, 0, chunk+64)
	marker := []byte("sheetData")
	for {
		keep := len(buf)
		if keep > len(marker)+32 {
			n := copy(buf, buf[keep-len(marker)-32:])
			buf = buf[:n]
		}
		n, err := io.ReadFull(rc, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if i := findEndTag(buf, marker); i >= 0 {
			tail := io.MultiReader(bytes.NewReader(buf[i:]), rc)
			return parseMergeTail(tail, part, row)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil
		}
		if err != nil {
			return nil, partError(part, err)
		}
	}
}

// findEndTag returns the index just past the "</sheetData>" or
// "<sheetData/>" tag (with or without a namespace prefix) in b, or -1.
func findEndTag(b, name []byte) int {
	off := 0
	for {
		i := bytes.Index(b[off:], name)
		if i < 0 {
			return -1
		}
		i += off
		off = i + len(name)
		j := i - 1
		for j >= 0 && b[j] != '<' && b[j] != '>' && b[j] != '/' && !isSpace(b[j]) {
			j-- // skip a namespace prefix
		}
		if j >= 0 && b[j] == '/' && j >= 1 && b[j-1] == '<' && off < len(b) && b[off] == '>' {
			return off + 1
		}
		if j >= 0 && b[j] == '<' && off+1 < len(b) && b[off] == '/' && b[off+1] == '>' {
			return off + 2
		}
	}
}

func parseMergeTail(r io.Reader, part string, row int) ([]cellRange, error) {
	return collectMerges(newXMLScanner(r), part, row)
}

// collectMerges reads x to the end of the part, collecting the ranges of
// its <mergeCell> elements that cover row (only the header's merges
// matter). Ranges in one row do not overlap, so more than one per column
// are ignored: a part listing millions cannot fill memory.
func collectMerges(x *xmlScanner, part string, row int) ([]cellRange, error) {
	var out []cellRange
	for {
		if err := x.next(); err != nil {
			return nil, partError(part, err)
		}
		if x.kind == tokEOF {
			return out, nil
		}
		if x.is(tokStart, "mergeCell") {
			if v, ok := attr(x.attrs, "ref"); ok {
				if cr, ok := parseRange(string(v)); ok && cr.row1 <= row && row <= cr.row2 && len(out) < maxColumns {
					out = append(out, cr)
				}
			}
		}
	}
}

// cellRange is an inclusive rectangle of 1-based columns and rows.
type cellRange struct {
	col1, row1, col2, row2 int
}

func (c cellRange) String() string {
	return cellRef(c.col1, c.row1) + ":" + cellRef(c.col2, c.row2)
}

func (c cellRange) contains(col, row int) bool {
	return col >= c.col1 && col <= c.col2 && row >= c.row1 && row <= c.row2
}

func parseRange(s string) (cellRange, bool) {
	a, b, found := bytes.Cut([]byte(s), []byte(":"))
	if !found {
		b = a
	}
	c1, r1, ok1 := parseRef(a)
	c2, r2, ok2 := parseRef(b)
	if !ok1 || !ok2 {
		return cellRange{}, false
	}
	return cellRange{min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)}, true
}

func parseRef(ref []byte) (col, row int, ok bool) {
	ref = bytes.ReplaceAll(ref, []byte("$"), nil)
	col, ok = columnOf(ref)
	if !ok {
		return 0, 0, false
	}
	i := bytes.IndexAny(ref, "0123456789")
	if i < 0 {
		return 0, 0, false
	}
	row, err := strconv.Atoi(string(ref[i:]))
	return col, row, err == nil && row > 0
}
