package xlsxio

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hotpass/hotpass/internal/table"
)

// flushSize is how much rendered XML the encoder collects before handing
// it to the zip part, which deflates it while the next rows are rendered.
const flushSize = 128 << 10

// sheetEncoder renders one worksheet part as rows arrive. Rows are
// appended to one reused buffer; cell references are the column's
// precomputed `<c r="AB` prefix plus the row's digits, so a cell costs no
// allocation.
type sheetEncoder struct {
	w       io.Writer
	spec    *sheetSpec
	first   bool // the workbook's first sheet, selected when opened
	started bool
	buf     []byte
	prefix  [][]byte // per column: `<c r="` and its letters
	num     []byte   // digits of the current row number
	cols    []colView
}

// colView caches a batch column's typed slice for the row loop.
type colView struct {
	col    *table.Column
	typ    table.Type
	nulls  bool
	strs   []string
	ints   []int64 // Int64 and Timestamp
	floats []float64
	bools  []bool
	dates  []int32
}

func newSheetEncoder(w io.Writer, spec *sheetSpec, first bool) *sheetEncoder {
	n := spec.schema.Len()
	s := &sheetEncoder{w: w, spec: spec, first: first, buf: make([]byte, 0, flushSize+64<<10),
		prefix: make([][]byte, n), cols: make([]colView, n)}
	for j := range s.prefix {
		s.prefix[j] = []byte(`<c r="` + columnName(j+1))
	}
	return s
}

// check rejects a batch that cannot be written, before any of it is.
func (s *sheetSpec) check(t *table.Table) error {
	if d := s.schema.Diff(t.Schema()); d != "" {
		return fmt.Errorf("sheet %q: batch schema differs from the writer's: %s", s.name, d)
	}
	if s.rows+t.NumRows() > MaxDataRows {
		return fmt.Errorf("sheet %q: %d rows exceed Excel's limit of %d data rows per sheet; write CSV or Parquet instead, or split the table", s.name, s.rows+t.NumRows(), MaxDataRows)
	}
	for j := 0; j < t.NumCols(); j++ {
		c := t.Column(j)
		if c.Type() != table.String {
			continue
		}
		// Null slots hold "", so only the length test is needed.
		for i, v := range c.Strings() {
			if len(v) > MaxCellChars && utf16Len(v) > MaxCellChars {
				return fmt.Errorf("sheet %q: row %d, column %q: text of %d characters exceeds Excel's limit of %d per cell; shorten it or write CSV or Parquet instead",
					s.name, s.rows+i+1, s.schema.Field(j).Name, utf8.RuneCountInString(v), MaxCellChars)
			}
		}
	}
	return nil
}

// utf16Len is the length of s in UTF-16 units, which Excel's limits count.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// start writes everything before the data rows: the frozen pane and the
// column widths, fitted to sample (which may be nil), and the header row.
func (s *sheetEncoder) start(sample *table.Table) error {
	s.started = true
	o := &s.spec.opts
	b := append(s.buf[:0], xmlDecl...)
	b = append(b, `<worksheet xmlns="`+nsMain+`" xmlns:r="`+nsRel+`"><sheetViews><sheetView workbookViewId="0"`...)
	if s.first {
		b = append(b, ` tabSelected="1"`...)
	}
	if o.NoFreeze {
		b = append(b, `/>`...)
	} else {
		b = append(b, `><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>`+
			`<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView>`...)
	}
	b = append(b, `</sheetViews><sheetFormatPr defaultRowHeight="15"/>`...)
	n := s.spec.schema.Len()
	if n > 0 {
		b = append(b, `<cols>`...)
		for j, w := range s.spec.widths(sample) {
			b = append(b, `<col min="`...)
			b = strconv.AppendInt(b, int64(j+1), 10)
			b = append(b, `" max="`...)
			b = strconv.AppendInt(b, int64(j+1), 10)
			b = append(b, `" width="`...)
			b = strconv.AppendFloat(b, math.Round(w*100)/100, 'f', -1, 64)
			b = append(b, `" customWidth="1"/>`...)
		}
		b = append(b, `</cols>`...)
	}
	b = append(b, `<sheetData>`...)
	if n > 0 {
		b = append(b, `<row r="1">`...)
		for j, name := range s.spec.schema.Names() {
			b = append(b, s.prefix[j]...)
			b = append(b, `1" t="inlineStr"`...)
			if s.spec.headerXF != xfDefault {
				b = append(b, ` s="`...)
				b = strconv.AppendInt(b, int64(s.spec.headerXF), 10)
				b = append(b, '"')
			}
			b = appendStrBody(b, name)
		}
		b = append(b, `</row>`...)
	}
	s.buf = b
	return nil
}

// widths estimates column widths in characters from the header and the
// first rows, with room for the filter button.
func (s *sheetSpec) widths(sample *table.Table) []float64 {
	out := make([]float64, s.schema.Len())
	for i, f := range s.schema.Fields() {
		w := float64(utf8.RuneCountInString(f.Name))
		if !s.opts.PlainHeader {
			w *= 1.15
		}
		if !s.opts.NoAutoFilter {
			w += 2
		}
		if sample != nil {
			c := sample.Column(i)
			n := min(sample.NumRows(), widthSampleRows)
			switch f.Type {
			case table.Date:
				w = max(w, 10)
			case table.Timestamp:
				w = max(w, 19)
			default:
				for r := 0; r < n; r++ {
					w = max(w, float64(displayWidth(c.Format(r))))
				}
			}
		}
		out[i] = math.Min(math.Max(w+2, 8), s.opts.MaxColumnWidth)
	}
	return out
}

// displayWidth is the widest line of s in runes.
func displayWidth(s string) int {
	w := 0
	for line := range strings.SplitSeq(s, "\n") {
		w = max(w, utf8.RuneCountInString(line))
	}
	return w
}

// write renders the rows of t, which check has accepted.
func (s *sheetEncoder) write(t *table.Table) error {
	if !s.started {
		if err := s.start(t); err != nil {
			return err
		}
	}
	for j := range s.cols {
		c := t.Column(j)
		v := colView{col: c, typ: c.Type(), nulls: c.NullCount() > 0}
		switch v.typ {
		case table.String:
			v.strs = c.Strings()
		case table.Int64:
			v.ints = c.Int64s()
		case table.Timestamp:
			v.ints = c.Timestamps()
		case table.Float64:
			v.floats = c.Float64s()
		case table.Bool:
			v.bools = c.Bools()
		case table.Date:
			v.dates = c.Dates()
		default:
			return fmt.Errorf("sheet %q: column %q: unsupported column type %s", s.spec.name, s.spec.schema.Field(j).Name, v.typ)
		}
		s.cols[j] = v
	}
	b := s.buf
	rows := t.NumRows()
	for i := 0; i < rows; i++ {
		s.num = strconv.AppendInt(s.num[:0], int64(s.spec.rows+i+2), 10)
		b = append(b, `<row r="`...)
		b = append(b, s.num...)
		b = append(b, `">`...)
		for j := range s.cols {
			c := &s.cols[j]
			if c.nulls && c.col.IsNull(i) {
				continue
			}
			b = append(b, s.prefix[j]...)
			b = append(b, s.num...)
			switch c.typ {
			case table.String:
				b = append(b, `" t="inlineStr"`...)
				b = appendStrBody(b, c.strs[i])
			case table.Int64:
				b = append(b, `"><v>`...)
				b = strconv.AppendInt(b, c.ints[i], 10)
				b = append(b, `</v></c>`...)
			case table.Float64:
				v := c.floats[i]
				if math.IsNaN(v) || math.IsInf(v, 0) {
					// Excel has no NaN or infinity; a numeric cell holding
					// one makes the file unreadable, so write the text.
					b = append(b, `" t="inlineStr"`...)
					b = appendStrBody(b, table.FormatFloat(v))
					continue
				}
				b = append(b, `"><v>`...)
				b = appendNumber(b, v)
				b = append(b, `</v></c>`...)
			case table.Bool:
				if c.bools[i] {
					b = append(b, `" t="b"><v>1</v></c>`...)
				} else {
					b = append(b, `" t="b"><v>0</v></c>`...)
				}
			case table.Date:
				b = append(b, `" s="1"><v>`...)
				b = strconv.AppendInt(b, dateSerial(c.dates[i]), 10)
				b = append(b, `</v></c>`...)
			case table.Timestamp:
				b = append(b, `" s="2"><v>`...)
				b = appendNumber(b, microsToSerial(c.ints[i]))
				b = append(b, `</v></c>`...)
			}
		}
		b = append(b, `</row>`...)
		if len(b) >= flushSize {
			if err := s.flush(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	s.buf = b
	s.spec.rows += rows
	for j := range s.cols {
		s.cols[j] = colView{} // do not pin the batch
	}
	return nil
}

func (s *sheetEncoder) flush(b []byte) error {
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("sheet %q: %w", s.spec.name, err)
	}
	return nil
}

// finish writes the autofilter and colour bands, which cover the final
// row count, and closes the part.
func (s *sheetEncoder) finish() error {
	if !s.started {
		if err := s.start(nil); err != nil {
			return err
		}
	}
	spec := s.spec
	b := append(s.buf, `</sheetData>`...)
	n := spec.schema.Len()
	if spec.filtered() {
		b = append(b, `<autoFilter ref="A1:`...)
		b = append(b, cellRef(n, spec.rows+1)...)
		b = append(b, `"/>`...)
	}
	if len(spec.rules) > 0 && spec.rows > 0 {
		col := columnName(spec.bandCol + 1)
		b = append(b, `<conditionalFormatting sqref="`...)
		b = append(b, col...)
		b = append(b, '2', ':')
		b = append(b, cellRef(spec.bandCol+1, spec.rows+1)...)
		b = append(b, `">`...)
		for i, r := range spec.rules {
			b = append(b, `<cfRule type="cellIs" dxfId="`...)
			b = strconv.AppendInt(b, int64(r.dxf), 10)
			b = append(b, `" priority="`...)
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, `" stopIfTrue="1" operator="`...)
			b = append(b, r.op...)
			b = append(b, `"><formula>`...)
			b = append(b, r.value...)
			b = append(b, `</formula></cfRule>`...)
		}
		b = append(b, `</conditionalFormatting>`...)
	}
	b = append(b, `<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`...)
	err := s.flush(b)
	s.buf = nil
	return err
}

// dateSerial is the 1900-system serial of a day count, as microsToSerial
// computes it, without going through floating point.
func dateSerial(days int32) int64 {
	serial := int64(days) + unixEpochSerial
	if serial < 61 {
		serial--
	}
	return serial
}

// appendNumber writes v in the shortest form that reads back to the same
// float64, in plain notation unless that would be very long.
func appendNumber(b []byte, v float64) []byte {
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.AppendFloat(b, v, 'E', -1, 64)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// appendStrBody closes a text cell's start tag and writes its inline
// string. Excel drops leading and trailing white space unless told to
// keep it.
func appendStrBody(b []byte, v string) []byte {
	if v != "" && (isXMLSpace(v[0]) || isXMLSpace(v[len(v)-1])) {
		b = append(b, `><is><t xml:space="preserve">`...)
	} else {
		b = append(b, `><is><t>`...)
	}
	b = appendText(b, v)
	return append(b, `</t></is></c>`...)
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// textSpecial marks the bytes appendText cannot copy as they are.
var textSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = c != '\t' && c != '\n'
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	for _, c := range `&<>_` {
		t[c] = true
	}
	return t
}()

// appendText escapes s as XML element text the way Excel does:
//   - & < > " become entity references;
//   - characters XML 1.0 cannot carry (control characters other than tab
//     and line feed, U+FFFE, U+FFFF) become _xHHHH_, Excel's ST_Xstring
//     escape, which Excel, LibreOffice, excelize and this package's reader
//     decode back to the character; carriage return is escaped too, as
//     XML parsers would otherwise turn it into a line feed;
//   - an underscore that starts a literal _xHHHH_ (or _xH_ to _xHHH_,
//     which LibreOffice also decodes) becomes _x005F_ so that the text is
//     not decoded as an escape;
//   - bytes that are not UTF-8 become U+FFFD, as nothing can represent
//     them.
//
// The loop copies runs of ordinary bytes in one append.
func appendText(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if !textSpecial[c] {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch {
		case c == '&':
			b = append(b, "&amp;"...)
			i++
		case c == '<':
			b = append(b, "&lt;"...)
			i++
		case c == '>':
			b = append(b, "&gt;"...)
			i++
		case c == '_':
			if isXEscape(s[i:]) {
				b = append(b, "_x005F_"...)
			} else {
				b = append(b, '_')
			}
			i++
		case c < 0x80:
			b = appendXEscape(b, rune(c))
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				b = append(b, "\uFFFD"...)
			case r == 0xFFFE || r == 0xFFFF:
				b = appendXEscape(b, r)
			default:
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
		start = i
	}
	return append(b, s[start:]...)
}

// isXEscape reports whether s starts with _x, one to four hex digits and
// _. Excel decodes only four digits, but LibreOffice decodes fewer too, and
// escaping the underscore is harmless to both.
func isXEscape(s string) bool {
	if len(s) < 4 || s[1] != 'x' {
		return false
	}
	for i := 2; i < len(s) && i <= 6; i++ {
		c := s[i]
		if c == '_' {
			return i > 2
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return false
}

func appendXEscape(b []byte, r rune) []byte {
	const hex = "0123456789ABCDEF"
	return append(b, '_', 'x', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF], '_')
}

// appendAttr escapes s for a double-quoted attribute value, where white
// space other than the space would be normalised away.
func appendAttr(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '"':
			b = append(b, "&quot;"...)
		case '\t', '\n', '\r':
			b = append(b, "&#x"...)
			b = strconv.AppendInt(b, int64(c), 16)
			b = append(b, ';')
		default:
			b = append(b, c)
		}
	}
	return b
}
