package xlsxio

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/table"
)

// benchTable returns rows × 10 columns: names, emails, phones as text,
// integers, floats, dates and a bool, like a contact export.
func benchTable(tb testing.TB, rows int) *table.Table {
	tb.Helper()
	s := table.MustSchema(
		table.Field{Name: "id", Type: table.Int64},
		table.Field{Name: "name", Type: table.String},
		table.Field{Name: "email", Type: table.String},
		table.Field{Name: "phone", Type: table.String},
		table.Field{Name: "province", Type: table.String},
		table.Field{Name: "score", Type: table.Float64},
		table.Field{Name: "planes", Type: table.Int64},
		table.Field{Name: "joined", Type: table.Date},
		table.Field{Name: "active", Type: table.Bool},
		table.Field{Name: "notes", Type: table.String},
	)
	b := table.NewBuilder(s, rows)
	provinces := []string{"Gauteng", "Western Cape", "KwaZulu-Natal", "Limpopo"}
	base := table.TimeToDate(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	for i := 0; i < rows; i++ {
		n := strconv.Itoa(i)
		b.Column(0).AppendInt64(int64(i + 1))
		b.Column(1).AppendString("Organisation " + n)
		b.Column(2).AppendString("contact" + n + "@example.co.za")
		b.Column(3).AppendString("+27 82 " + n)
		b.Column(4).AppendString(provinces[i%len(provinces)])
		b.Column(5).AppendFloat64(float64(i%1000) / 1000)
		b.Column(6).AppendInt64(int64(i % 17))
		b.Column(7).AppendDate(base + int32(i%2000))
		b.Column(8).AppendBool(i%3 == 0)
		if i%5 == 0 {
			b.Column(9).AppendNull()
		} else {
			b.Column(9).AppendString("note " + n)
		}
	}
	t, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

const benchRows = 200_000

func BenchmarkWrite200k(b *testing.B) {
	t := benchTable(b, benchRows)
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := WriteFile(filepath.Join(dir, "bench.xlsx"), t, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkRead200k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.xlsx")
	if err := WriteFile(path, benchTable(b, benchRows), WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Open(path, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			t, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += t.NumRows()
		}
		_ = r.Close()
		if n != benchRows {
			b.Fatalf("read %d rows, want %d", n, benchRows)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// ssotRows is the row count of the SSOT table the workbook writer was
// tuned on.
const ssotRows = 44_115

// ssotTable returns rows shaped like the SSOT table: 36 columns, mostly
// text of 5–60 characters (unique names, slugs, addresses, emails and
// phones, and categorical values that repeat), a few float scores, one date
// and a fair share of nulls.
func ssotTable(tb testing.TB, rows int) *table.Table {
	tb.Helper()
	fields := make([]table.Field, 0, 36)
	floats := map[int]bool{19: true, 21: true, 23: true, 27: true, 28: true, 29: true, 30: true}
	for i := 0; i < 36; i++ {
		f := table.Field{Name: "column_" + strconv.Itoa(i), Type: table.String}
		switch {
		case floats[i]:
			f.Type = table.Float64
		case i == 33:
			f.Type = table.Date
		}
		fields = append(fields, f)
	}
	fields[0].Name, fields[30].Name = "organization_name", "data_quality_score"
	s := table.MustSchema(fields...)
	b := table.NewBuilder(s, rows)
	categories := [][]string{
		{"Gauteng", "Western Cape", "KwaZulu-Natal", "Limpopo", "Eastern Cape", "Free State"},
		{"South Africa"},
		{"Flight School", "Charter Operator", "Maintenance Organisation", "Flying Club", "Aircraft Sales"},
		{"active", "pending review", "inactive"},
		{"deliverable", "undeliverable", "unknown", "risky"},
		{"legitimate interest", "consent", "contract"},
	}
	words := []string{"Aero", "Sky", "Falcon", "Eagle", "Kestrel", "Cape", "Highveld", "Karoo", "Blue", "Horizon", "Aviation", "Flight", "Training", "Services"}
	base := table.TimeToDate(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC))
	x := uint64(1)
	rnd := func(n int) int {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return int(x % uint64(n))
	}
	text := func(n int) string {
		var sb strings.Builder
		for sb.Len() < n {
			if sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(words[rnd(len(words))])
		}
		return sb.String()[:n]
	}
	for r := 0; r < rows; r++ {
		id := strconv.Itoa(r)
		for c := 0; c < 36; c++ {
			cb := b.Column(c)
			if c > 1 && rnd(100) < 20 {
				cb.AppendNull()
				continue
			}
			switch f := s.Field(c); {
			case f.Type == table.Float64:
				cb.AppendFloat64(float64(rnd(1000)) / 999)
			case f.Type == table.Date:
				cb.AppendDate(base + int32(rnd(900)))
			case c == 0:
				cb.AppendString(text(5+rnd(30)) + " " + id)
			case c == 1:
				cb.AppendString("org-" + id + "-" + strings.ToLower(strings.ReplaceAll(text(5+rnd(20)), " ", "-")))
			case c%6 == 2:
				cat := categories[(c/6)%len(categories)]
				cb.AppendString(cat[rnd(len(cat))])
			case c%6 == 3:
				cb.AppendString("contact" + id + "@" + strings.ToLower(words[rnd(len(words))]) + ".co.za")
			case c%6 == 4:
				cb.AppendString("+27 82 " + strconv.Itoa(1_000_000+rnd(8_999_999)))
			default:
				cb.AppendString(text(5 + rnd(56)))
			}
		}
	}
	t, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// BenchmarkWriteSSOTShape writes the SSOT-shaped table and a small summary
// sheet through Workbook, as the refine stage does.
func BenchmarkWriteSSOTShape(b *testing.B) {
	data := ssotTable(b, ssotRows)
	sb := table.NewBuilder(table.MustSchema(table.Field{Name: "metric", Type: table.String}, table.Field{Name: "value", Type: table.Float64}), 20)
	for i := 0; i < 20; i++ {
		sb.Column(0).AppendString("metric " + strconv.Itoa(i))
		sb.Column(1).AppendFloat64(float64(i) * 1.5)
	}
	summary, err := sb.Build()
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "ssot.xlsx")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		wb := NewWorkbook()
		if err := wb.AddSheet("Data", data, SheetOptions{Bands: QualityBands("data_quality_score")}); err != nil {
			b.Fatal(err)
		}
		if err := wb.AddSheet("Summary", summary, SheetOptions{NoAutoFilter: true}); err != nil {
			b.Fatal(err)
		}
		if err := wb.Save(path); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(ssotRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size()), "bytes")
	}
}
