package decode_test

import (
	"fmt"
	"testing"

	"github.com/hotpass/hotpass/specs/decode"
)

func TestByteSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{"1024", 1024, false},
		{"4GiB", 4 << 30, false},
		{"4 GiB", 4 << 30, false},
		{"512mib", 512 << 20, false},
		{"1.5KiB", 1536, false},
		{"2GB", 2e9, false},
		{"10KB", 10_000, false},
		{"1_000B", 1000, false},
		{"1TiB", 1 << 40, false},
		{"", 0, true},
		{"GiB", 0, true},
		{"four GiB", 0, true},
		{"-1GiB", 0, true},
		{"0", 0, true},
		{"0.1B", 0, true},
		{"NaN", 0, true},
		{"1e30TB", 0, true},
		{"4 GiBs", 0, true},
	}
	for _, tc := range tests {
		got, err := decode.ByteSize(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ByteSize(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func FuzzByteSize(f *testing.F) {
	for _, s := range []string{"4GiB", "1.5 MB", "12", "-3KiB", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := decode.ByteSize(s)
		if err == nil && n <= 0 {
			t.Fatalf("ByteSize(%q) = %d without an error", s, n)
		}
	})
}

func ExampleByteSize() {
	n, _ := decode.ByteSize("4GiB")
	fmt.Println(n)
	// Output: 4294967296
}

func TestFormatByteSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 4 << 30: "4.0 GiB", 3 << 40: "3.0 TiB"} {
		got := decode.FormatByteSize(n)
		if got != want {
			t.Errorf("FormatByteSize(%d) = %q, want %q", n, got, want)
		}
		if back, err := decode.ByteSize(got); n > 0 && (err != nil || back != n) {
			t.Errorf("ByteSize(%q) = %d, %v; want %d", got, back, err, n)
		}
	}
}
