// Package tablebench generates the synthetic data used to benchmark the
// table codecs end to end (CSV → table → Parquet).
package tablebench

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

var (
	prefixes  = []string{"Blue Sky", "Cape", "Highveld", "Karoo", "Eagle", "Falcon", "Table Mountain", "Lowveld", "Savanna", "Drakensberg", "Kalahari", "Garden Route"}
	suffixes  = []string{"Aviation", "Flight School", "Air Charter", "Aero Club", "Helicopters", "Flying Academy", "Air Services", "Aviation (Pty) Ltd"}
	provinces = []string{"Gauteng", "Western Cape", "KwaZulu-Natal", "Eastern Cape", "Free State", "Limpopo", "Mpumalanga", "North West", "Northern Cape"}
	notes     = []string{"", "", "", "renewal due", "ATO approved", "contact via \"ops\" desk", "multi-line\nnote", "part 141, part 61"}
)

// Header is the header line GenerateCSV writes.
const Header = "id,name,email,phone,province,website,employees,revenue,founded,active,updated_at,notes"

// GenerateCSV writes a deterministic CSV of rows organisation records with
// the 12 columns of Header: quoted names with commas, quoted multi-line and
// quote-bearing notes, empty (null) fields, ints, floats, dates, bools and
// timestamps. A million rows is about 150 MB.
func GenerateCSV(path string, rows int) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Abort() }()
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(42, 1969))
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	buf := make([]byte, 0, 512)
	buf = append(buf, Header...)
	buf = append(buf, '\n')
	for i := 1; i <= rows; i++ {
		p := prefixes[rng.IntN(len(prefixes))]
		s := suffixes[rng.IntN(len(suffixes))]
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, ',')
		if rng.IntN(4) == 0 {
			buf = fmt.Appendf(buf, "\"%s %s, Branch %d\"", p, s, rng.IntN(90)+10)
		} else {
			buf = fmt.Appendf(buf, "%s %s %d", p, s, i)
		}
		buf = fmt.Appendf(buf, ",ops%d@org%d.co.za,", i, rng.IntN(50000))
		buf = fmt.Appendf(buf, "0%d%08d,", 60+rng.IntN(30), rng.IntN(100000000))
		buf = append(buf, provinces[rng.IntN(len(provinces))]...)
		buf = fmt.Appendf(buf, ",www.org%d.co.za,", rng.IntN(50000))
		if rng.IntN(20) != 0 {
			buf = strconv.AppendInt(buf, int64(rng.IntN(5000)), 10)
		}
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, float64(rng.IntN(100000000))/100, 'f', 2, 64)
		buf = append(buf, ',')
		buf = time.Unix(int64(-rng.IntN(60*365))*86400+base, 0).UTC().AppendFormat(buf, time.DateOnly)
		buf = append(buf, ',')
		buf = strconv.AppendBool(buf, rng.IntN(3) != 0)
		buf = append(buf, ',')
		buf = time.Unix(base+int64(rng.IntN(5*365*86400)), 0).UTC().AppendFormat(buf, time.RFC3339)
		buf = append(buf, ',')
		switch n := notes[rng.IntN(len(notes))]; {
		case n == "":
		case n[0] == 'c' || n[0] == 'm' || n[0] == 'p':
			buf = append(buf, '"')
			for j := 0; j < len(n); j++ {
				if n[j] == '"' {
					buf = append(buf, '"')
				}
				buf = append(buf, n[j])
			}
			buf = append(buf, '"')
		default:
			buf = append(buf, n...)
		}
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
		buf = buf[:0]
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Commit()
}
