package xlsxio

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// cfbMagic starts every OLE2 compound file: legacy .xls workbooks and
// encrypted .xlsx workbooks alike.
var cfbMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// pkg is an opened workbook package: the zip and the workbook-level parts
// the sheet reader needs.
type pkg struct {
	file     string
	closer   io.Closer
	parts    map[string]*zip.File // by lower-case name
	sheets   []sheetRef
	date1904 bool
	styles   string // part names from the workbook relationships
	strings  string
	limits   Limits
	size     int64 // bytes of the zip, bounding what a part can consume
}

type sheetRef struct {
	name string
	part string // zip part name, e.g. xl/worksheets/sheet1.xml
}

func (p *pkg) close() error {
	if p.closer != nil {
		return p.closer.Close()
	}
	return nil
}

func (p *pkg) sheetNames() []string {
	names := make([]string, len(p.sheets))
	for i, s := range p.sheets {
		names[i] = s.name
	}
	return names
}

func (p *pkg) part(name string) *zip.File {
	return p.parts[strings.ToLower(strings.TrimPrefix(name, "/"))]
}

// openPart opens a zip part for streaming, within the part size and
// compression ratio limits.
func (p *pkg) openPart(name string) (io.ReadCloser, error) {
	return p.openLimited(name, p.limits.MaxPartBytes, "max_part_bytes")
}

// openWhole opens a part that is decoded whole into memory, within the
// smaller of the part size limit and wholePartBytes.
func (p *pkg) openWhole(name string) (io.ReadCloser, error) {
	if p.limits.MaxPartBytes <= wholePartBytes {
		return p.openPart(name)
	}
	return p.openLimited(name, wholePartBytes, "")
}

func (p *pkg) openLimited(name string, limit int64, option string) (io.ReadCloser, error) {
	zf := p.part(name)
	if zf == nil {
		return nil, fmt.Errorf("%s: %w: part %s is missing", p.file, ErrNotWorkbook, name)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: open part %s: %v", p.file, ErrNotWorkbook, name, err)
	}
	compressed := min(int64(min(zf.CompressedSize64, uint64(1<<62))), p.size)
	return &partReader{rc: rc, file: p.file, part: zf.Name, max: limit, option: option,
		ratio: p.limits.MaxRatio, compressed: compressed}, nil
}

// openPackage opens the workbook at file, decrypting it when password is
// set, and reads the sheet list. limits must have its defaults applied.
func openPackage(file, password string, limits Limits) (*pkg, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("open workbook: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("open workbook: %w", err)
	}
	head := make([]byte, len(cfbMagic))
	n, _ := io.ReadFull(f, head)
	var zr *zip.Reader
	p := &pkg{file: file, limits: limits, size: st.Size()}
	if n == len(cfbMagic) && bytes.Equal(head, cfbMagic) {
		// An encrypted workbook is decrypted in memory, a few copies of
		// the file at once.
		if limit := min(limits.MaxPartBytes, encryptedBytes); st.Size() > limit {
			_ = f.Close()
			option := "max_part_bytes"
			if limit == encryptedBytes {
				option = ""
			}
			return nil, &LimitError{File: file, What: fmt.Sprintf("the file, an OLE2 compound file (encrypted or legacy) of %d bytes, is larger than", st.Size()),
				Limit: bytesLimit(limit), Option: option}
		}
		raw, err := io.ReadAll(io.NewSectionReader(f, 0, st.Size()))
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		plain, err := decryptCFB(file, raw, password)
		if err != nil {
			return nil, err
		}
		p.size = int64(len(plain))
		if zr, err = zip.NewReader(bytes.NewReader(plain), int64(len(plain))); err != nil {
			// Decryption with a wrong key yields noise rather than an error.
			return nil, fmt.Errorf("%s: %w: decryption did not produce a workbook (%v); check the password", file, ErrEncrypted, err)
		}
	} else {
		if zr, err = zip.NewReader(f, st.Size()); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("%s: %w: %v (is it a CSV file or a damaged download? re-export it from Excel as .xlsx)", file, ErrNotWorkbook, err)
		}
		p.closer = f
	}
	p.parts = make(map[string]*zip.File, len(zr.File))
	for _, zf := range zr.File {
		p.parts[strings.ToLower(strings.ReplaceAll(zf.Name, `\`, "/"))] = zf
	}
	if err := p.readWorkbook(); err != nil {
		_ = p.close()
		return nil, err
	}
	return p, nil
}

// decryptCFB tells an encrypted workbook from a legacy .xls file and
// decrypts the former when a password is given. Directory entry names of a
// compound file are UTF-16LE, so a byte search finds the stream names.
func decryptCFB(file string, raw []byte, password string) ([]byte, error) {
	if !bytes.Contains(raw, utf16le("EncryptionInfo")) {
		if bytes.Contains(raw, utf16le("Workbook")) || bytes.Contains(raw, utf16le("Book")) {
			return nil, fmt.Errorf("%s: %w: it is a legacy Excel 97-2003 (.xls) file; open it in Excel and save it as .xlsx", file, ErrNotWorkbook)
		}
		return nil, fmt.Errorf("%s: %w: it is an OLE2 compound file, not a zip-based .xlsx", file, ErrNotWorkbook)
	}
	if password == "" {
		return nil, fmt.Errorf("%s: %w: remove the password (in Excel: File > Info > Protect Workbook > Encrypt with Password, clear it, save) or supply the password option", file, ErrEncrypted)
	}
	plain, err := excelize.Decrypt(raw, &excelize.Options{Password: password})
	if err != nil {
		return nil, fmt.Errorf("%s: %w: cannot decrypt it with the given password (%v); check the password", file, ErrEncrypted, err)
	}
	return plain, nil
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

type xmlWorkbook struct {
	WorkbookPr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name string `xml:"name,attr"`
		RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
	} `xml:"sheets>sheet"`
}

type xmlRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

// readWorkbook finds the workbook part through the package relationships
// and resolves each sheet's part.
func (p *pkg) readWorkbook() error {
	wbPart := "xl/workbook.xml"
	var root xmlRels
	if err := p.decodePart("_rels/.rels", &root); err == nil {
		for _, r := range root.Rels {
			if strings.HasSuffix(strings.ToLower(r.Target), "workbook.xml") {
				wbPart = strings.TrimPrefix(r.Target, "/")
			}
		}
	}
	if p.part(wbPart) == nil {
		return fmt.Errorf("%s: %w: it has no %s (is it a Word or PowerPoint file?)", p.file, ErrNotWorkbook, wbPart)
	}
	var wb xmlWorkbook
	if err := p.decodePart(wbPart, &wb); err != nil {
		return err
	}
	p.date1904 = wb.WorkbookPr.Date1904 == "1" || strings.EqualFold(wb.WorkbookPr.Date1904, "true")
	dir := path.Dir(wbPart)
	relsPart := path.Join(dir, "_rels", path.Base(wbPart)+".rels")
	var rels xmlRels
	if err := p.decodePart(relsPart, &rels); err != nil {
		return err
	}
	targets := make(map[string]string, len(rels.Rels))
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join(dir, t)
		}
		targets[r.ID] = t
		switch low := strings.ToLower(t); {
		case strings.HasSuffix(low, "/styles.xml"):
			p.styles = t
		case strings.HasSuffix(low, "/sharedstrings.xml"):
			p.strings = t
		}
	}
	for _, s := range wb.Sheets {
		p.sheets = append(p.sheets, sheetRef{name: s.Name, part: targets[s.RID]})
	}
	return nil
}

func (p *pkg) decodePart(name string, v any) error {
	rc, err := p.openWhole(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		if le, ok := withFile(err, p.file, ""); ok {
			return le
		}
		return fmt.Errorf("%s: %w: %v", p.file, ErrNotWorkbook, partError(name, err))
	}
	return nil
}

// findSheet resolves a sheet by name (exact, then case-insensitive as
// Excel itself compares sheet names) or by 1-based index; neither means the
// first sheet.
func (p *pkg) findSheet(name string, index int) (sheetRef, error) {
	notFound := &SheetNotFoundError{File: p.file, Sheet: name, Index: index, Sheets: p.sheetNames()}
	switch {
	case name != "":
		for _, s := range p.sheets {
			if s.name == name {
				return s, nil
			}
		}
		want := strings.TrimSpace(name)
		for _, s := range p.sheets {
			if strings.EqualFold(strings.TrimSpace(s.name), want) {
				return s, nil
			}
		}
		return sheetRef{}, notFound
	case index > 0:
		if index > len(p.sheets) {
			return sheetRef{}, notFound
		}
		return p.sheets[index-1], nil
	}
	if len(p.sheets) == 0 {
		notFound.Index = 1
		return sheetRef{}, notFound
	}
	return p.sheets[0], nil
}

// Sheets lists the sheet names of the workbook at path in workbook order,
// hidden sheets included.
func Sheets(path string) ([]string, error) {
	limits, _ := Limits{}.withDefaults()
	p, err := openPackage(path, "", limits)
	if err != nil {
		return nil, err
	}
	defer p.close()
	return p.sheetNames(), nil
}

// SheetsWithPassword is Sheets for an encrypted workbook.
func SheetsWithPassword(path, password string) ([]string, error) {
	limits, _ := Limits{}.withDefaults()
	p, err := openPackage(path, password, limits)
	if err != nil {
		return nil, err
	}
	defer p.close()
	return p.sheetNames(), nil
}

// readSharedStrings loads the shared string table with the byte scanner,
// because workbooks with many distinct strings have millions of entries.
// The table is held while the sheet is read, so its entries and their
// total text are limited.
func (p *pkg) readSharedStrings() (*sharedStrings, error) {
	name := p.strings
	if name == "" || p.part(name) == nil {
		return nil, nil
	}
	rc, err := p.openPart(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	s := newXMLScanner(rc)
	s.maxBuf = scanLimit(p.limits.MaxCellBytes)
	out, err := parseSharedStrings(s, p.limits)
	if err != nil {
		if le, ok := withFile(err, p.file, ""); ok {
			if le.Part == "" {
				le.Part = name
			}
			return nil, le
		}
		return nil, fmt.Errorf("%s: %w", p.file, partError(name, err))
	}
	return out, nil
}

// parseSharedStrings reads a shared-strings part within the limits.
func parseSharedStrings(s *xmlScanner, lim Limits) (*sharedStrings, error) {
	out := newSharedStrings(0)
	var buf []byte
	var total int64
	for {
		if err := s.next(); err != nil {
			return nil, err
		}
		switch {
		case s.kind == tokEOF:
			out.seal()
			return out, nil
		case s.is(tokStart, "sst"):
			// uniqueCount is the writer's claim: it sizes the table only
			// within the limits.
			if v, ok := attr(s.attrs, "uniqueCount"); ok {
				if n, err := strconv.Atoi(string(v)); err == nil && n > 0 {
					out = newSharedStrings(min(n, lim.MaxSharedStrings, 1<<20))
				}
			}
		case s.is(tokStart, "si"):
			if out.len() >= lim.MaxSharedStrings {
				return nil, &LimitError{What: "the shared-string table has more entries than", Limit: strconv.Itoa(lim.MaxSharedStrings), Option: "max_shared_strings"}
			}
			if s.selfClose {
				out.add(nil)
				continue
			}
			var err error
			buf, err = readRichText(s, buf[:0], "si", lim.MaxCellBytes)
			if err != nil {
				var le *LimitError
				if errors.As(err, &le) && le.Option == "max_cell_bytes" {
					le.What = fmt.Sprintf("shared string %d is longer than", out.len())
				}
				return nil, err
			}
			text := decodeXString(buf)
			total += int64(len(text))
			if total > lim.MaxSharedStringBytes {
				return nil, &LimitError{What: "the shared strings' text adds up to more than", Limit: bytesLimit(lim.MaxSharedStringBytes), Option: "max_shared_string_bytes"}
			}
			out.add(text)
		}
	}
}

// readRichText collects the text of <t> elements up to the end tag named
// end, leaving out phonetic runs (<rPh>), which are reading aids and not
// part of the value. Text longer than maxBytes is an error.
func readRichText(s *xmlScanner, dst []byte, end string, maxBytes int) ([]byte, error) {
	if d, ok := s.plainRun(dst, end); ok {
		if len(d) > maxBytes {
			return d, cellTooLong(maxBytes)
		}
		return d, nil
	}
	return readRichTokens(s, dst, end, maxBytes)
}

// cellTooLong is the error for text over the max_cell_bytes limit; the
// caller adds the file, part and cell.
func cellTooLong(maxBytes int) error {
	return &LimitError{What: "a cell's text is longer than", Limit: bytesLimit(int64(maxBytes)), Option: "max_cell_bytes"}
}

// readRichTokens is readRichText token by token.
func readRichTokens(s *xmlScanner, dst []byte, end string, maxBytes int) ([]byte, error) {
	inT, inPh := false, false
	for {
		if err := s.next(); err != nil {
			return dst, err
		}
		switch s.kind {
		case tokEOF:
			return dst, fmt.Errorf("unexpected end of part inside <%s>", end)
		case tokText:
			if inT && !inPh {
				dst = s.appendText(dst)
				if len(dst) > maxBytes {
					return dst, cellTooLong(maxBytes)
				}
			}
		case tokStart:
			switch string(s.name) {
			case "t":
				inT = !s.selfClose
			case "rPh":
				inPh = !s.selfClose
			}
		case tokEnd:
			switch string(s.name) {
			case "t":
				inT = false
			case "rPh":
				inPh = false
			case end:
				return dst, nil
			}
		}
	}
}
