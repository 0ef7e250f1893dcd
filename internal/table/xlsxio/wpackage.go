package xlsxio

import (
	"archive/zip"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// Namespaces and content types of the parts written.
const (
	nsMain      = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel       = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkgRel    = "http://schemas.openxmlformats.org/package/2006/relationships"
	xmlDecl     = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	ctWorksheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
)

// themeXML is Office's default theme, cut to what the schema requires.
// Nothing written refers to it, but readers such as excelize resolve every
// colour through the theme and report none without one.
const themeXML = xmlDecl + `<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Office Theme"><a:themeElements>` +
	`<a:clrScheme name="Office"><a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1><a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1>` +
	`<a:dk2><a:srgbClr val="44546A"/></a:dk2><a:lt2><a:srgbClr val="E7E6E6"/></a:lt2><a:accent1><a:srgbClr val="4472C4"/></a:accent1>` +
	`<a:accent2><a:srgbClr val="ED7D31"/></a:accent2><a:accent3><a:srgbClr val="A5A5A5"/></a:accent3><a:accent4><a:srgbClr val="FFC000"/></a:accent4>` +
	`<a:accent5><a:srgbClr val="5B9BD5"/></a:accent5><a:accent6><a:srgbClr val="70AD47"/></a:accent6><a:hlink><a:srgbClr val="0563C1"/></a:hlink>` +
	`<a:folHlink><a:srgbClr val="954F72"/></a:folHlink></a:clrScheme>` +
	`<a:fontScheme name="Office"><a:majorFont><a:latin typeface="Calibri Light"/><a:ea typeface=""/><a:cs typeface=""/></a:majorFont>` +
	`<a:minorFont><a:latin typeface="Calibri"/><a:ea typeface=""/><a:cs typeface=""/></a:minorFont></a:fontScheme>` +
	`<a:fmtScheme name="Office"><a:fillStyleLst>` + phFill + phFill + phFill + `</a:fillStyleLst>` +
	`<a:lnStyleLst>` + phLine + phLine + phLine + `</a:lnStyleLst>` +
	`<a:effectStyleLst><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle><a:effectStyle><a:effectLst/></a:effectStyle></a:effectStyleLst>` +
	`<a:bgFillStyleLst>` + phFill + phFill + phFill + `</a:bgFillStyleLst></a:fmtScheme></a:themeElements></a:theme>`

const (
	phFill = `<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>`
	phLine = `<a:ln w="6350"><a:solidFill><a:schemeClr val="phClr"/></a:solidFill></a:ln>`
)

// The fixed cell formats (cellXfs) of styles.xml; header formats follow,
// one per distinct header fill.
const (
	xfDefault = iota
	xfDate
	xfTimestamp
	xfFirstHeader
)

// Custom number format ids start at 164; lower ids are built in.
const (
	numFmtDate      = 164
	numFmtTimestamp = 165
)

// sheetSpec is a validated sheet: its name, columns and styling, with the
// style indexes its cells refer to.
type sheetSpec struct {
	name     string
	schema   table.Schema
	opts     SheetOptions // defaults applied
	headerXF int
	bandCol  int // schema index of the banded column, or -1
	rules    []bandRule
	rows     int // data rows written
}

// bandRule is one conditional-format rule of ColourBands.
type bandRule struct {
	op    string // cellIs operator
	value string
	fill  string // ARGB
	font  string // ARGB or ""
	dxf   int
}

// newSheetSpec checks name and opts against schema and applies defaults.
func newSheetSpec(name string, schema table.Schema, opts SheetOptions) (*sheetSpec, error) {
	if err := checkSheetName(name); err != nil {
		return nil, err
	}
	if opts.MaxColumnWidth <= 0 {
		opts.MaxColumnWidth = DefaultMaxColumnWidth
	}
	if opts.HeaderFill == "" {
		opts.HeaderFill = DefaultHeaderFill
	}
	s := &sheetSpec{name: name, schema: schema, opts: opts, bandCol: -1}
	if !opts.PlainHeader {
		if _, err := argb(opts.HeaderFill); err != nil {
			return nil, fmt.Errorf("sheet %q: header fill: %w", name, err)
		}
	}
	for _, f := range schema.Fields() {
		if n := utf16Len(f.Name); n > MaxCellChars {
			return nil, fmt.Errorf("sheet %q: a column name of %d characters exceeds Excel's limit of %d per cell; rename the column", name, n, MaxCellChars)
		}
	}
	if b := opts.Bands; b != nil {
		idx, ok := schema.Index(b.Column)
		if !ok {
			return nil, fmt.Errorf("sheet %q: colour bands on unknown column %q (columns: %s)", name, b.Column, strings.Join(schema.Names(), ", "))
		}
		if t := schema.Field(idx).Type; t != table.Int64 && t != table.Float64 {
			return nil, fmt.Errorf("sheet %q: colour bands need a numeric column, but %q is %s", name, b.Column, t)
		}
		s.bandCol = idx
		rules, err := bandRules(b)
		if err != nil {
			return nil, fmt.Errorf("sheet %q: colour bands on %q: %w", name, b.Column, err)
		}
		s.rules = rules
	}
	return s, nil
}

// bandRules turns bands into cellIs rules: "< Below" for each bounded band
// and ">= previous Below" for a last unbounded one. With stopIfTrue the
// first matching rule wins, so the rules partition the values.
func bandRules(b *ColourBands) ([]bandRule, error) {
	rules := make([]bandRule, 0, len(b.Bands))
	lower := math.Inf(-1)
	for i, band := range b.Bands {
		r := bandRule{}
		var err error
		if r.fill, err = argb(band.Fill); err != nil {
			return nil, fmt.Errorf("band %d fill: %w", i+1, err)
		}
		if band.Font != "" {
			if r.font, err = argb(band.Font); err != nil {
				return nil, fmt.Errorf("band %d font: %w", i+1, err)
			}
		}
		switch {
		case !math.IsInf(band.Below, 1):
			r.op, r.value = "lessThan", strconv.FormatFloat(band.Below, 'g', -1, 64)
		case !math.IsInf(lower, -1):
			r.op, r.value = "greaterThanOrEqual", strconv.FormatFloat(lower, 'g', -1, 64)
		default:
			continue // a single unbounded band colours nothing specific
		}
		rules = append(rules, r)
		lower = band.Below
	}
	return rules, nil
}

// checkSheetName applies Excel's rules for sheet names.
func checkSheetName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("sheet name is empty")
	case utf16Len(name) > 31:
		return fmt.Errorf("sheet name %q is longer than Excel's 31 characters", name)
	case strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'"):
		return fmt.Errorf("sheet name %q starts or ends with an apostrophe, which Excel does not allow", name)
	case strings.ContainsAny(name, `:\/?*[]`):
		return fmt.Errorf(`sheet name %q contains one of the characters :\/?*[] that Excel does not allow`, name)
	case !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool { return r < 0x20 || r == 0xFFFE || r == 0xFFFF }) >= 0:
		return fmt.Errorf("sheet name %q contains control characters or invalid UTF-8", name)
	}
	return nil
}

// argb turns hex RGB ("D9E1F2", optionally with a leading #) or ARGB
// into the opaque ARGB that styles.xml uses.
func argb(hex string) (string, error) {
	h := strings.ToUpper(strings.TrimPrefix(hex, "#"))
	valid := len(h) == 6 || len(h) == 8
	for i := 0; valid && i < len(h); i++ {
		valid = h[i] >= '0' && h[i] <= '9' || h[i] >= 'A' && h[i] <= 'F'
	}
	if !valid {
		return "", fmt.Errorf("colour %q is not hex RGB such as D9E1F2", hex)
	}
	if len(h) == 6 {
		h = "FF" + h
	}
	return h, nil
}

// styleSheet collects the header fills and conditional formats of all
// sheets of a workbook, which styles.xml lists by index.
type styleSheet struct {
	headerFills []string // ARGB, distinct
	dxfs        []bandRule
}

// register assigns s its header format and dxf indexes.
func (st *styleSheet) register(s *sheetSpec) {
	s.headerXF = xfDefault
	if !s.opts.PlainHeader {
		fill, _ := argb(s.opts.HeaderFill)
		i := 0
		for i < len(st.headerFills) && st.headerFills[i] != fill {
			i++
		}
		if i == len(st.headerFills) {
			st.headerFills = append(st.headerFills, fill)
		}
		s.headerXF = xfFirstHeader + i
	}
	for i := range s.rules {
		s.rules[i].dxf = len(st.dxfs)
		st.dxfs = append(st.dxfs, s.rules[i])
	}
}

func (st *styleSheet) xml() []byte {
	b := []byte(xmlDecl)
	b = append(b, `<styleSheet xmlns="`+nsMain+`">`...)
	b = append(b, `<numFmts count="2"><numFmt numFmtId="`+strconv.Itoa(numFmtDate)+`" formatCode="`+dateFormat+`"/><numFmt numFmtId="`+strconv.Itoa(numFmtTimestamp)+`" formatCode="`+timestampFormat+`"/></numFmts>`...)
	b = append(b, `<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>`...)
	b = append(b, `<fills count="`...)
	b = strconv.AppendInt(b, int64(2+len(st.headerFills)), 10)
	b = append(b, `"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>`...)
	for _, f := range st.headerFills {
		b = append(b, `<fill><patternFill patternType="solid"><fgColor rgb="`...)
		b = append(b, f...)
		b = append(b, `"/><bgColor indexed="64"/></patternFill></fill>`...)
	}
	b = append(b, `</fills>`...)
	b = append(b, `<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border><left/><right/><top/><bottom style="thin"><color rgb="FF8EA9DB"/></bottom><diagonal/></border></borders>`...)
	b = append(b, `<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>`...)
	b = append(b, `<cellXfs count="`...)
	b = strconv.AppendInt(b, int64(xfFirstHeader+len(st.headerFills)), 10)
	b = append(b, `"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`...)
	b = append(b, `<xf numFmtId="`+strconv.Itoa(numFmtDate)+`" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`...)
	b = append(b, `<xf numFmtId="`+strconv.Itoa(numFmtTimestamp)+`" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`...)
	for i := range st.headerFills {
		b = append(b, `<xf numFmtId="0" fontId="1" fillId="`...)
		b = strconv.AppendInt(b, int64(2+i), 10)
		b = append(b, `" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>`...)
	}
	b = append(b, `</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>`...)
	b = append(b, `<dxfs count="`...)
	b = strconv.AppendInt(b, int64(len(st.dxfs)), 10)
	b = append(b, `">`...)
	for _, d := range st.dxfs {
		b = append(b, `<dxf>`...)
		if d.font != "" {
			b = append(b, `<font><color rgb="`...)
			b = append(b, d.font...)
			b = append(b, `"/></font>`...)
		}
		// A dxf's solid fill takes its colour from bgColor, unlike a
		// cell format's.
		b = append(b, `<fill><patternFill patternType="solid"><bgColor rgb="`...)
		b = append(b, d.fill...)
		b = append(b, `"/></patternFill></fill></dxf>`...)
	}
	b = append(b, `</dxfs><tableStyles count="0"/></styleSheet>`...)
	return b
}

// pkgWriter writes a workbook package (a zip of XML parts) to a temporary
// file that is renamed into place on commit.
type pkgWriter struct {
	path   string
	af     *atomicfile.File
	zw     *zip.Writer
	sheets []*sheetSpec
	styles styleSheet
}

// createPackage starts the file at path for sheets and writes the parts
// that do not depend on the sheet data.
func createPackage(path string, sheets []*sheetSpec) (*pkgWriter, error) {
	af, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	zw := zip.NewWriter(af)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return newParallelDeflater(out), nil
	})
	p := &pkgWriter{path: path, af: af, zw: zw, sheets: sheets}
	for _, s := range sheets {
		p.styles.register(s)
	}
	for _, part := range []struct {
		name string
		data []byte
	}{
		{"[Content_Types].xml", p.contentTypes()},
		{"_rels/.rels", []byte(xmlDecl + `<Relationships xmlns="` + nsPkgRel + `">` +
			`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
			`<Relationship Id="rId3" Type="` + nsRel + `/extended-properties" Target="docProps/app.xml"/>` +
			`</Relationships>`)},
		{"docProps/app.xml", []byte(xmlDecl + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">` +
			`<Application>hotpass</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop></Properties>`)},
		// No creation time: the same table always gives the same bytes.
		{"docProps/core.xml", []byte(xmlDecl + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">` +
			`<dc:creator>hotpass</dc:creator></cp:coreProperties>`)},
	} {
		if err := p.writePart(part.name, part.data); err != nil {
			p.abort()
			return nil, err
		}
	}
	return p, nil
}

func (p *pkgWriter) contentTypes() []byte {
	b := []byte(xmlDecl + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`)
	for i := range p.sheets {
		b = append(b, `<Override PartName="/`...)
		b = appendSheetPart(b, i)
		b = append(b, `" ContentType="`+ctWorksheet+`"/>`...)
	}
	b = append(b, `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`+
		`<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>`+
		`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>`+
		`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>`+
		`</Types>`...)
	return b
}

func appendSheetPart(b []byte, i int) []byte {
	b = append(b, "xl/worksheets/sheet"...)
	b = strconv.AppendInt(b, int64(i+1), 10)
	return append(b, ".xml"...)
}

// create starts a deflated part. Its modification time stays zero (1980
// in the zip), again for reproducible output.
func (p *pkgWriter) create(name string) (io.Writer, error) {
	w, err := p.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		return nil, fmt.Errorf("xlsx: write %s: %s: %w", p.path, name, err)
	}
	return w, nil
}

func (p *pkgWriter) writePart(name string, data []byte) error {
	w, err := p.create(name)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("xlsx: write %s: %s: %w", p.path, name, err)
	}
	return nil
}

// sheet starts the worksheet part of sheet i.
func (p *pkgWriter) sheet(i int) (*sheetEncoder, error) {
	w, err := p.create(string(appendSheetPart(nil, i)))
	if err != nil {
		return nil, err
	}
	return newSheetEncoder(w, p.sheets[i], i == 0), nil
}

// commit writes the parts that depend on the written rows, finishes the
// zip and renames the file into place.
func (p *pkgWriter) commit() error {
	for _, part := range []struct {
		name string
		data []byte
	}{
		{"xl/workbook.xml", p.workbook()},
		{"xl/_rels/workbook.xml.rels", p.workbookRels()},
		{"xl/styles.xml", p.styles.xml()},
		{"xl/theme/theme1.xml", []byte(themeXML)},
	} {
		if err := p.writePart(part.name, part.data); err != nil {
			p.abort()
			return err
		}
	}
	if err := p.zw.Close(); err != nil {
		p.abort()
		return fmt.Errorf("xlsx: write %s: %w", p.path, err)
	}
	if err := p.af.Commit(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// abort removes the temporary file. Deflate jobs still running finish on
// their own; they write only to their own buffers.
func (p *pkgWriter) abort() {
	_ = p.af.Abort()
}

func (p *pkgWriter) workbook() []byte {
	b := []byte(xmlDecl + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">` +
		`<workbookPr/><bookViews><workbookView activeTab="0"/></bookViews><sheets>`)
	for i, s := range p.sheets {
		b = append(b, `<sheet name="`...)
		b = appendAttr(b, s.name)
		b = append(b, `" sheetId="`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `" r:id="rId`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `"/>`...)
	}
	b = append(b, `</sheets>`...)
	// Excel keeps an autofilter's range in a hidden defined name as well as
	// in the sheet, and rebuilds the filter from the name.
	open := false
	for i, s := range p.sheets {
		if !s.filtered() {
			continue
		}
		if !open {
			b = append(b, `<definedNames>`...)
			open = true
		}
		b = append(b, `<definedName name="_xlnm._FilterDatabase" localSheetId="`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `" hidden="1">`...)
		ref := "'" + strings.ReplaceAll(s.name, "'", "''") + "'!$A$1:$" + columnName(s.schema.Len()) + "$" + strconv.Itoa(s.rows+1)
		b = appendText(b, ref)
		b = append(b, `</definedName>`...)
	}
	if open {
		b = append(b, `</definedNames>`...)
	}
	return append(b, `</workbook>`...)
}

func (p *pkgWriter) workbookRels() []byte {
	b := []byte(xmlDecl + `<Relationships xmlns="` + nsPkgRel + `">`)
	for i := range p.sheets {
		b = append(b, `<Relationship Id="rId`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `" Type="`+nsRel+`/worksheet" Target="worksheets/sheet`...)
		b = strconv.AppendInt(b, int64(i+1), 10)
		b = append(b, `.xml"/>`...)
	}
	b = append(b, `<Relationship Id="rId`...)
	b = strconv.AppendInt(b, int64(len(p.sheets)+1), 10)
	b = append(b, `" Type="`+nsRel+`/styles" Target="styles.xml"/><Relationship Id="rId`...)
	b = strconv.AppendInt(b, int64(len(p.sheets)+2), 10)
	b = append(b, `" Type="`+nsRel+`/theme" Target="theme/theme1.xml"/></Relationships>`...)
	return b
}

// filtered reports whether the sheet gets an autofilter.
func (s *sheetSpec) filtered() bool { return !s.opts.NoAutoFilter && s.schema.Len() > 0 }
