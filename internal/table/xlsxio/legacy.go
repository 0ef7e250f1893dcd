package xlsxio

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// StreamSheet adds a sheet and returns excelize's stream writer for it.
// Flush the stream writer before Save. A workbook that uses StreamSheet or
// File is written by excelize and cannot also take AddSheet sheets.
//
// Deprecated: build such workbooks with excelize directly and save them
// through atomicfile; this method remains for callers not yet moved.
func (w *Workbook) StreamSheet(name string) (*excelize.StreamWriter, error) {
	if err := w.checkName(name); err != nil {
		return nil, err
	}
	if len(w.sheets) > 0 {
		return nil, fmt.Errorf("xlsx: sheet %q: StreamSheet cannot be mixed with AddSheet in one workbook", name)
	}
	f := w.File()
	if len(w.names) == 0 {
		// A new excelize file starts with Sheet1; the first sheet takes
		// its place so that no empty sheet is left behind.
		if name != "Sheet1" {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, fmt.Errorf("xlsx: sheet name %q: %w", name, err)
			}
		}
	} else if _, err := f.NewSheet(name); err != nil {
		return nil, fmt.Errorf("xlsx: sheet name %q: %w", name, err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("xlsx: sheet %q: %w", name, err)
	}
	w.names = append(w.names, name)
	return sw, nil
}

// File returns the excelize file behind StreamSheet sheets, creating it on
// first use.
//
// Deprecated: see StreamSheet.
func (w *Workbook) File() *excelize.File {
	if w.legacy == nil {
		f := excelize.NewFile()
		f.ZipWriter = func(w io.Writer) excelize.ZipWriter {
			z := zip.NewWriter(w)
			z.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
				return flate.NewWriter(out, flate.BestSpeed)
			})
			return z
		}
		w.legacy = f
	}
	return w.legacy
}

func (w *Workbook) saveLegacy(path string) error {
	if len(w.sheets) > 0 {
		return fmt.Errorf("xlsx: %s: AddSheet cannot be mixed with StreamSheet or File in one workbook", path)
	}
	af, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := w.legacy.Write(af); err != nil {
		_ = af.Abort()
		return fmt.Errorf("xlsx: write %s: %w", path, err)
	}
	if err := af.Commit(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}
