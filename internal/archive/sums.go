package archive

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ChecksumsName is the member that lists the SHA-256 of every other member,
// in the format of `sha256sum`: "<hex>  <name>" per line.
const ChecksumsName = "SHA256SUMS"

// maxChecksumsBytes bounds how much of a SHA256SUMS member is read: a list of
// even 10,000 members is well under it, and it keeps a hostile archive from
// making the reader hold an arbitrary amount in memory.
const maxChecksumsBytes = 4 << 20

// ParseChecksums reads a SHA256SUMS listing and returns the lowercase hex
// digest of each listed name. A leading '*' before a name (binary mode in
// sha256sum) is accepted. Blank lines and lines starting with '#' are
// ignored. Every other malformed line, a name listed twice, or an unsafe
// name is an error naming the line.
func ParseChecksums(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		sum, name, ok := strings.Cut(text, " ")
		if !ok {
			return nil, fmt.Errorf("%s line %d: want \"<sha256 hex>  <name>\", got %q", ChecksumsName, line, text)
		}
		name = strings.TrimPrefix(strings.TrimPrefix(name, " "), "*")
		raw, err := hex.DecodeString(sum)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("%s line %d: %q is not a SHA-256 digest (64 hex digits)", ChecksumsName, line, sum)
		}
		if err := CheckName(name); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", ChecksumsName, line, err)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%s line %d: %s is listed twice", ChecksumsName, line, name)
		}
		out[name] = strings.ToLower(sum)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s line %d: %w", ChecksumsName, line+1, err)
	}
	return out, nil
}

// FormatChecksums renders digests by name as a SHA256SUMS listing, sorted by
// name so that the same inputs always give the same bytes.
func FormatChecksums(sums map[string]string) []byte {
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", sums[n], n)
	}
	return b.Bytes()
}
