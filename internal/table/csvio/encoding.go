package csvio

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding names accepted by ReadOptions.Encoding and WriteOptions.Encoding.
const (
	// Auto detects the encoding of a file: a byte-order mark first, then
	// UTF-8 if the sniffed prefix is valid UTF-8, else Windows-1252. It never
	// guesses latin-1, which turns Windows-1252's quotes and dashes into
	// control characters. Writers treat it as UTF-8.
	Auto = "auto"
	// UTF8 is UTF-8; a byte-order mark is skipped when reading.
	UTF8 = "utf-8"
	// UTF8BOM is UTF-8 with a byte-order mark, which Excel needs to open a
	// UTF-8 CSV correctly. Reading accepts the file with or without one.
	UTF8BOM = "utf-8-sig"
	// UTF16 is UTF-16 whose byte-order mark gives the byte order (Excel's
	// "Unicode Text"). Writers use little-endian with a mark.
	UTF16 = "utf-16"
	// UTF16LE and UTF16BE are UTF-16 of a fixed byte order, without a
	// byte-order mark when writing.
	UTF16LE = "utf-16le"
	UTF16BE = "utf-16be"
	// Windows1252 is the Windows code page Excel writes for "CSV" on most
	// Windows machines; a superset of latin-1's printable characters.
	Windows1252 = "windows-1252"
	// Latin1 is ISO 8859-1. Only ever used when asked for.
	Latin1 = "latin-1"
)

// Encodings lists the canonical encoding names, in documentation order.
var Encodings = []string{Auto, UTF8, UTF8BOM, UTF16, UTF16LE, UTF16BE, Windows1252, Latin1}

// sniffBytes bounds the prefix that encoding detection and dialect sniffing
// look at: enough for a few hundred typical rows, small enough to cost
// nothing next to a large file.
const sniffBytes = 64 << 10

// NormalizeEncoding returns the canonical name of an encoding name or alias
// ("cp1252" is windows-1252); "" is Auto.
func NormalizeEncoding(e string) (string, error) { return normEncoding(e, Auto) }

// encodingSpellings maps every accepted spelling of an encoding, as
// normEncoding compares it (lower case, '-' for '_'), to its canonical name.
// The JSON Schemas are generated from it, so that an editor accepts exactly
// what a read or write does.
var encodingSpellings = map[string]string{
	Auto: Auto,
	UTF8: UTF8, "utf8": UTF8,
	UTF8BOM: UTF8BOM, "utf8-sig": UTF8BOM, "utf-8-bom": UTF8BOM, "utf8-bom": UTF8BOM,
	UTF16: UTF16, "utf16": UTF16,
	UTF16LE: UTF16LE, "utf-16-le": UTF16LE, "utf16le": UTF16LE,
	UTF16BE: UTF16BE, "utf-16-be": UTF16BE, "utf16be": UTF16BE,
	Windows1252: Windows1252, "windows1252": Windows1252, "cp1252": Windows1252, "cp-1252": Windows1252, "win-1252": Windows1252,
	Latin1: Latin1, "latin1": Latin1, "iso-8859-1": Latin1, "iso8859-1": Latin1,
}

// EncodingAliases returns the spellings accepted besides the canonical
// names ("cp1252", "utf8"), sorted. Case and '_' for '-' do not matter.
func EncodingAliases() []string {
	var out []string
	for sp, canon := range encodingSpellings {
		if sp != canon {
			out = append(out, sp)
		}
	}
	slices.Sort(out)
	return out
}

// EncodingSchema returns the JSON Schema of an encoding option: the
// canonical names, which editors offer, or any spelling normEncoding
// accepts, in any case and with '_' or '-'.
func EncodingSchema() map[string]any {
	spellings := make([]string, 0, len(encodingSpellings))
	for sp := range encodingSpellings {
		spellings = append(spellings, sp)
	}
	// Longest first, so that no alternative is cut short by a prefix.
	slices.SortFunc(spellings, func(a, b string) int {
		if c := cmp.Compare(len(b), len(a)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	alts := make([]string, len(spellings))
	for i, sp := range spellings {
		var b strings.Builder
		for _, r := range sp {
			switch {
			case r == '-':
				b.WriteString("[-_]")
			case r >= 'a' && r <= 'z':
				b.WriteString("[" + string(r) + string(r-'a'+'A') + "]")
			default:
				b.WriteRune(r)
			}
		}
		alts[i] = b.String()
	}
	canonical := make([]any, len(Encodings))
	for i, e := range Encodings {
		canonical[i] = e
	}
	return map[string]any{"anyOf": []any{
		map[string]any{"enum": canonical},
		map[string]any{"type": "string", "pattern": `^\s*(?:` + strings.Join(alts, "|") + `)\s*$`},
	}}
}

// normEncoding returns the canonical name of e; "" becomes def.
func normEncoding(e, def string) (string, error) {
	key := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(e), "_", "-"))
	if key == "" {
		return def, nil
	}
	if canon, ok := encodingSpellings[key]; ok {
		return canon, nil
	}
	return "", fmt.Errorf("csv: unsupported encoding %q: use %s", e, strings.Join(Encodings, ", "))
}

// textMode says how the splitter turns the bytes of a line into text.
type textMode uint8

const (
	// modeUTF8 checks each line; invalid UTF-8 is a bad row.
	modeUTF8 textMode = iota
	// modeUTF8Auto checks each line; invalid UTF-8 stops the read, because
	// the prefix that made auto choose UTF-8 was not the whole story.
	modeUTF8Auto
	// modeDecoded reads text a transformer has already made valid UTF-8.
	modeDecoded
	// modeWindows1252 and modeLatin1 decode single-byte text per line.
	modeWindows1252
	modeLatin1
)

// detection is the outcome of resolving the encoding of an input.
type detection struct {
	name   string // canonical encoding in effect
	mode   textMode
	reason string // why auto chose it, for the log; "" when not auto
	br     *bufio.Reader
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// detectEncoding applies enc to the stream in br: it skips or interprets a
// byte-order mark, wraps UTF-16 in a decoder and, for Auto, looks at a
// bounded prefix. The returned reader yields the bytes the splitter reads.
func detectEncoding(br *bufio.Reader, enc string) (detection, error) {
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		switch enc {
		case Auto, UTF8, UTF8BOM:
			_, _ = br.Discard(len(bomUTF8))
			d := detection{name: UTF8, mode: modeUTF8, br: br}
			if enc == Auto {
				d.name, d.reason = UTF8BOM, "UTF-8 byte-order mark"
			}
			return d, nil
		}
		return detection{}, fmt.Errorf("the file starts with a UTF-8 byte-order mark but the encoding is %s: set encoding: auto or utf-8", enc)
	case bytes.HasPrefix(head, bomUTF16LE), bytes.HasPrefix(head, bomUTF16BE):
		le := bytes.HasPrefix(head, bomUTF16LE)
		order, name := unicode.BigEndian, UTF16BE
		if le {
			order, name = unicode.LittleEndian, UTF16LE
		}
		switch {
		case enc == Auto || enc == UTF16 || enc == name:
			dec := unicode.UTF16(order, unicode.ExpectBOM).NewDecoder()
			d := detection{name: name, mode: modeDecoded, br: bufio.NewReaderSize(transform.NewReader(br, dec), readBufSize)}
			if enc == Auto {
				d.reason = "UTF-16 byte-order mark"
			}
			return d, nil
		case enc == UTF16LE || enc == UTF16BE:
			return detection{}, fmt.Errorf("the file starts with the byte-order mark of %s but the encoding is %s: set encoding: utf-16 (the mark decides)", name, enc)
		}
		return detection{}, fmt.Errorf("the file starts with a UTF-16 byte-order mark (Excel's \"Unicode Text\" export) but the encoding is %s: set encoding: auto or utf-16", enc)
	}
	switch enc {
	case UTF8, UTF8BOM:
		return detection{name: UTF8, mode: modeUTF8, br: br}, nil
	case UTF16:
		return detection{}, errors.New("encoding utf-16 needs a byte-order mark to tell the byte order and the file has none: set encoding: utf-16le or utf-16be")
	case UTF16LE, UTF16BE:
		order := unicode.LittleEndian
		if enc == UTF16BE {
			order = unicode.BigEndian
		}
		dec := unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder()
		return detection{name: enc, mode: modeDecoded, br: bufio.NewReaderSize(transform.NewReader(br, dec), readBufSize)}, nil
	case Windows1252:
		return detection{name: Windows1252, mode: modeWindows1252, br: br}, nil
	case Latin1:
		return detection{name: Latin1, mode: modeLatin1, br: br}, nil
	}
	prefix, err := br.Peek(sniffBytes)
	atEOF := err != nil
	if looksUTF16(prefix) {
		return detection{}, errors.New("the file looks like UTF-16 without a byte-order mark (every other byte is zero): set encoding: utf-16le or utf-16be")
	}
	if bad := invalidUTF8(prefix, atEOF); bad < 0 {
		reason := fmt.Sprintf("the first %d KiB are valid UTF-8", sniffBytes>>10)
		if atEOF {
			reason = fmt.Sprintf("the whole file (%d bytes) is valid UTF-8", len(prefix))
		}
		return detection{name: UTF8, mode: modeUTF8Auto, br: br, reason: reason}, nil
	} else {
		line := 1 + bytes.Count(prefix[:bad], []byte{'\n'})
		return detection{name: Windows1252, mode: modeWindows1252, br: br,
			reason: fmt.Sprintf("byte 0x%02X on line %d is not UTF-8", prefix[bad], line)}, nil
	}
}

// invalidUTF8 returns the offset of the first byte of b that is not UTF-8,
// or -1. Unless atEOF, a sequence cut short by the end of b is not counted
// as invalid: the prefix may end in the middle of a character.
func invalidUTF8(b []byte, atEOF bool) int {
	if utf8.Valid(b) {
		return -1
	}
	i := invalidAt(b)
	if !atEOF && len(b)-i < utf8.UTFMax && !utf8.FullRune(b[i:]) {
		return -1
	}
	return i
}

// looksUTF16 reports whether at least a quarter of the bytes at even or at
// odd offsets of a prefix are zero: text files never hold NUL, UTF-16 of
// Latin-script text is full of them.
func looksUTF16(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	var zeros [2]int
	for i, c := range b {
		if c == 0 {
			zeros[i&1]++
		}
	}
	half := len(b) / 2
	return zeros[0] > half/4 || zeros[1] > half/4
}

// windows1252 maps the bytes 0x80-0xFF to their UTF-8 text; undefined bytes
// (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to "".
var windows1252 = func() (t [128]string) {
	for i := range t {
		r := charmap.Windows1252.DecodeByte(byte(0x80 + i))
		if r != utf8.RuneError {
			t[i] = string(r)
		}
	}
	return t
}()

// errEncoding is invalid text under an encoding that was detected rather
// than declared: it stops the read instead of being a bad row.
type errEncoding struct {
	line int
	msg  string
}

func (e *errEncoding) Error() string { return e.msg }

// decodeLine converts a line of single-byte text to UTF-8 in s.decBuf. It
// returns the line itself when it is ASCII, the common case.
func (s *splitter) decodeLine(line []byte) ([]byte, error) {
	i := 0
	for i < len(line) && line[i] < utf8.RuneSelf {
		i++
	}
	if i == len(line) {
		return line, nil
	}
	buf := append(s.decBuf[:0], line[:i]...)
	for ; i < len(line); i++ {
		c := line[i]
		switch {
		case c < utf8.RuneSelf:
			buf = append(buf, c)
		case s.mode == modeLatin1:
			buf = utf8.AppendRune(buf, rune(c))
		default:
			t := windows1252[c-0x80]
			if t == "" {
				s.decBuf = buf
				return nil, &errRecord{msg: fmt.Sprintf("byte 0x%02X at byte %d of the line is not a Windows-1252 character: the file is in another encoding; convert it to UTF-8", c, i+1)}
			}
			buf = append(buf, t...)
		}
	}
	s.decBuf = buf
	return buf, nil
}

// invalidUTF8Err is the bad-row or stopping error for a line that is not
// UTF-8; it names the encoding auto would choose, never a lossy one.
func (s *splitter) invalidUTF8Err(line []byte, lineNo int) error {
	at := invalidAt(line) + 1
	if s.mode == modeUTF8Auto {
		return &errEncoding{line: lineNo, msg: fmt.Sprintf("invalid UTF-8 at byte %d of the line, after the first %d KiB read as UTF-8: if the file is Windows-1252 (Excel's \"CSV\" on Windows) set encoding: windows-1252; to skip or collect such lines as bad rows set encoding: utf-8", at, sniffBytes>>10)}
	}
	return &errRecord{msg: fmt.Sprintf("invalid UTF-8 at byte %d of the line (if the file is Windows-1252, set encoding: windows-1252 or auto)", at)}
}
