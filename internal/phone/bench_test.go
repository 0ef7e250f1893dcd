package phone

import (
	"fmt"
	"strconv"
	"testing"
)

// phoneInputs returns n distinct phone cells in the shapes the workbooks
// hold.
func phoneInputs(n int) []string {
	out := make([]string, n)
	for i := range out {
		d := fmt.Sprintf("%07d", i)
		switch i % 6 {
		case 0:
			out[i] = "082 " + d[:3] + " " + d[3:]
		case 1:
			out[i] = "+27 82 " + d[:3] + " " + d[3:]
		case 2:
			out[i] = "2782" + d
		case 3:
			out[i] = "(011) " + d[:3] + "-" + d[3:]
		case 4:
			out[i] = "072-" + d[:3] + "-" + d[3:]
		default:
			out[i] = "0" + strconv.Itoa(21+i%9) + d
		}
	}
	return out
}

// BenchmarkNormalisePhones normalises distinct numbers (no cache hits)
// across all cores.
func BenchmarkNormalisePhones(b *testing.B) {
	in := phoneInputs(200000)
	b.ResetTimer()
	for b.Loop() {
		NormaliseAll("ZA", in, 0)
	}
	b.ReportMetric(float64(len(in)*b.N)/b.Elapsed().Seconds(), "numbers/s")
}

// BenchmarkPhoneSlowPath is the full libphonenumber parse, for comparison.
func BenchmarkPhoneSlowPath(b *testing.B) {
	in := phoneInputs(20000)
	for i := range in {
		in[i] = "tel " + in[i] // letters force the full parser
	}
	b.ResetTimer()
	for b.Loop() {
		n := NewNormaliser(ForRegion("ZA"))
		for _, s := range in {
			n.Normalise(s)
		}
	}
	b.ReportMetric(float64(len(in)*b.N)/b.Elapsed().Seconds(), "numbers/s")
}
