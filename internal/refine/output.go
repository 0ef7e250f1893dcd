package refine

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hotpass/hotpass/internal/quality"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/internal/table/xlsxio"
)

// Timings are the wall-clock durations of the refinement stages.
type Timings struct {
	Ingest, Normalise, Aggregate, Build time.Duration
	// Resolve is the time entity resolution took (part of Aggregate).
	Resolve time.Duration
}

// Result is what Refine produces.
type Result struct {
	// Table is the SSOT table (SSOTSchema).
	Table *table.Table
	// Batch holds the normalised records, warnings and ingest counts.
	Batch   *Batch
	Timings Timings
}

// Refine runs ingest, normalise, aggregate (or, with o.Resolve, entity
// resolution and MergeClusters) and build.
func (r *Refiner) Refine(ctx context.Context, o IngestOptions) (*Result, error) {
	res := &Result{}
	t0 := time.Now()
	b, err := r.Ingest(ctx, o)
	if err != nil {
		return nil, err
	}
	res.Batch = b
	t1 := time.Now()
	r.Normalise(b, o.Workers)
	t2 := time.Now()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var orgs []Organisation
	var resolve time.Duration
	if o.Resolve != nil {
		clusters, err := o.Resolve(ctx, b.Records)
		if err != nil {
			return nil, fmt.Errorf("entity resolution: %w", err)
		}
		resolve = time.Since(t2)
		if orgs, err = r.MergeClusters(b.Records, clusters, o.Workers); err != nil {
			return nil, fmt.Errorf("entity resolution: %w", err)
		}
	} else {
		orgs = r.Aggregate(b.Records, o.Workers)
	}
	if !o.KeepRecords {
		b.Records = nil
	}
	t3 := time.Now()
	res.Table, err = Build(orgs)
	if err != nil {
		return nil, fmt.Errorf("build SSOT table: %w", err)
	}
	t4 := time.Now()
	res.Timings = Timings{Ingest: t1.Sub(t0), Normalise: t2.Sub(t1), Aggregate: t3.Sub(t2), Build: t4.Sub(t3), Resolve: resolve}
	return res, nil
}

// SummarySchema is the layout of the Summary sheet.
var SummarySchema = table.MustSchema(
	table.Field{Name: "metric", Type: table.String},
	table.Field{Name: "value", Type: table.Float64},
	table.Field{Name: "detail", Type: table.String},
)

// Summary describes the SSOT for the workbook's Summary sheet: total and
// invalid records, whether the expectations passed, unmatched source
// columns, what became of every source sheet's rows (read, merged, kept,
// rejected, unjoined) and the completeness of every column, where the
// values ph names count as missing. ev may be nil when no expectations
// were checked, sheets nil when the sources are not known, ph nil for
// DefaultPlaceholders.
func Summary(ssot *table.Table, ev *quality.Evaluation, unmatched []Unmatched, sheets []SheetStats, ph *Placeholders) *table.Table {
	b := table.NewBuilder(SummarySchema, ssot.NumCols()+8)
	row := func(metric string, v float64, detail string) {
		b.Column(0).AppendString(metric)
		b.Column(1).AppendFloat64(v)
		if detail == "" {
			b.Column(2).AppendNull()
		} else {
			b.Column(2).AppendString(detail)
		}
	}
	n := ssot.NumRows()
	row("total_records", float64(n), "organisations in the Data sheet")
	// Each expectation reports its own failures below: a row lacking an
	// email is not "invalid" because one expectation wants most to have
	// one.
	passed, failed, checked := true, 0, 0
	if ev != nil {
		passed = ev.Report.Passed
		checked = len(ev.Report.Results)
		failed = len(ev.Report.FailedExpectations())
	}
	row("validation_passed", boolFloat(passed), fmt.Sprintf("%t: %d of %d expectations failed", passed, failed, checked))
	if ev != nil {
		for _, r := range ev.Report.Results {
			detail := fmt.Sprintf("%d failed rows; needs %s", r.Failed, pct(r.Threshold))
			if r.Error != "" {
				detail += "; " + r.Error
			}
			row("expectation: "+r.Name, r.PassRate, detail)
		}
	}
	for _, u := range unmatched {
		where := u.Dataset
		if u.File != "" {
			where = u.File
			if u.Sheet != "" {
				where += " / " + u.Sheet
			}
		}
		row("unmatched_columns", float64(len(u.Columns)), where+": "+strings.Join(u.Columns, ", "))
	}
	for _, st := range sheets {
		where := st.Sheet
		if st.File != "" {
			where = st.File + " / " + st.Sheet
		}
		row("source_rows: "+where, float64(st.Read), st.Detail())
	}
	// Placeholders ("unknown" statuses, "none" flags) are not values.
	if ph == nil {
		ph = NewPlaceholders(nil)
	}
	for _, c := range quality.ColumnCompletenessFunc(ssot, ph.Is) {
		row("completeness: "+c.Column, round3(c.Share), strconv.Itoa(c.NonNull)+" of "+strconv.Itoa(n))
	}
	t, err := b.Build()
	if err != nil {
		panic(err) // unreachable: every row appends every column
	}
	return t
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', -1, 64) + "%" }

// Bands returns the colour bands of data_quality_score for thresholds
// (defaults: amber from 0.5, green from 0.8).
func Bands(th Thresholds) *xlsxio.ColourBands {
	amber, green := th.Amber, th.Green
	if amber == 0 && green == 0 {
		return xlsxio.QualityBands(ColDataQualityScore)
	}
	if green == 0 {
		green = math.Max(amber, 0.8)
	}
	bands := xlsxio.QualityBands(ColDataQualityScore)
	bands.Bands[0].Below = amber
	bands.Bands[1].Below = green
	return bands
}

// ParquetSibling returns the Parquet path written next to an xlsx output:
// the same name with a .parquet extension.
func ParquetSibling(xlsxPath string) string {
	return strings.TrimSuffix(xlsxPath, filepath.Ext(xlsxPath)) + ".parquet"
}

// WriteOutputs writes the SSOT workbook at path (see WriteWorkbook) and
// the SSOT table as Parquet next to it (see ParquetSibling), each to a
// temporary file renamed into place. It returns the Parquet path.
func WriteOutputs(path string, ssot, summary *table.Table, th Thresholds) (string, error) {
	// The Parquet copy is written while the workbook is saved, so the two
	// encoders overlap rather than wait on each other.
	pq := ParquetSibling(path)
	pqErr := make(chan error, 1)
	go func() { pqErr <- writeParquet(pq, ssot) }()
	err := WriteWorkbook(path, ssot, summary, th)
	if perr := <-pqErr; err == nil && perr != nil {
		return "", perr
	}
	if err != nil {
		return "", err
	}
	return pq, nil
}

// WriteWorkbook writes the SSOT workbook at path atomically: a Data sheet
// with a styled, frozen, filtered header and data_quality_score colour
// bands, and a Summary sheet.
func WriteWorkbook(path string, ssot, summary *table.Table, th Thresholds) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	wb := xlsxio.NewWorkbook()
	if err := wb.AddSheet("Data", ssot, xlsxio.SheetOptions{Bands: Bands(th)}); err != nil {
		_ = wb.Close()
		return fmt.Errorf("write %s: Data sheet: %w", path, err)
	}
	if err := wb.AddSheet("Summary", summary, xlsxio.SheetOptions{NoAutoFilter: true}); err != nil {
		_ = wb.Close()
		return fmt.Errorf("write %s: Summary sheet: %w", path, err)
	}
	if err := wb.Save(path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func writeParquet(path string, t *table.Table) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w, err := parquetio.Create(path, t.Schema(), parquetio.WriteOptions{})
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Write(t); err != nil {
		_ = table.Abort(w)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
