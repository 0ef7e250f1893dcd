package decode

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ByteSizeHint is what to write for a size in bytes.
const ByteSizeHint = "write a size like 512MiB, 4GiB or 2GB (or a number of bytes)"

// byteUnits are the suffixes ByteSize accepts, longest first so that "GiB"
// is tried before "B".
var byteUnits = []struct {
	suffix string
	mult   float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"B", 1},
}

// ByteSize parses a size in bytes: a number, optionally fractional, with
// an optional unit, binary (KiB, MiB, GiB, TiB) or decimal (KB, MB, GB,
// TB), case-insensitive. Sizes must be positive.
func ByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errors.New("empty size")
	}
	mult := 1.0
	for _, u := range byteUnits {
		if len(t) >= len(u.suffix) && strings.EqualFold(t[len(t)-len(u.suffix):], u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	v := n * mult
	if v < 1 {
		return 0, fmt.Errorf("size %q is not positive", s)
	}
	if v >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return int64(v), nil
}

// FormatByteSize prints n bytes the way ByteSize reads them back, to one
// decimal in the largest binary unit that keeps the number at least 1:
// 512 B, 1.5 KiB, 4.0 GiB.
func FormatByteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
