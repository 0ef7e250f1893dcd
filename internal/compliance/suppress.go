package compliance

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hotpass/hotpass/internal/compliance/detect"
	"github.com/hotpass/hotpass/internal/phone"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// Identifier kinds an erasure matches on.
const (
	KindEmail = "email"
	KindPhone = "phone"
)

// IdentifierHash is the SHA-256 of an identifier in its normal form
// (emails trimmed and in lower case, phones in E.164 read in South Africa
// when they have no country code), prefixed with its kind. Erasure records
// and suppression lists hold only these.
func IdentifierHash(kind, value string) string {
	sum := sha256.Sum256([]byte(kind + ":" + NormalIdentifier(kind, value)))
	return hex.EncodeToString(sum[:])
}

// NormalIdentifier is the form identifiers are compared in.
func NormalIdentifier(kind, value string) string {
	v := strings.TrimSpace(value)
	if kind == KindPhone {
		if num, ok := phone.ForRegion(detect.DefaultRegion).Parse(v); ok {
			return num.E164()
		}
		var b strings.Builder
		for _, r := range v {
			if r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	return strings.ToLower(v)
}

// SuppressionEntry is one line of a suppression list.
type SuppressionEntry struct {
	Kind string `json:"kind"`
	Hash string `json:"hash"`
	// ErasedAt is when the person was erased (RFC 3339).
	ErasedAt string `json:"erased_at,omitempty"`
}

// Suppression is the set of hashed identifiers of erased people.
type Suppression struct {
	hashes map[string]bool
	scan   *detect.Scanner
}

// NewSuppression returns a set holding entries.
func NewSuppression(entries ...SuppressionEntry) *Suppression {
	s := &Suppression{hashes: map[string]bool{}, scan: detect.New()}
	for _, e := range entries {
		s.hashes[e.Hash] = true
	}
	return s
}

// LoadSuppression reads a suppression list; a missing file is an empty
// list.
func LoadSuppression(path string) (*Suppression, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewSuppression(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read suppression list: %w", err)
	}
	defer f.Close()
	s := NewSuppression()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var e SuppressionEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Hash == "" {
			return nil, fmt.Errorf("%s:%d: not a suppression entry (want {\"kind\":...,\"hash\":...}); restore the file from a backup or remove the line", path, line)
		}
		s.hashes[e.Hash] = true
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read suppression list %s: %w", path, err)
	}
	return s, nil
}

// Len returns the number of hashes.
func (s *Suppression) Len() int { return len(s.hashes) }

// Matches reports whether row r of t holds an email address or phone
// number of an erased person, in its columns named like email or phone.
func (s *Suppression) Matches(t *table.Table, r int) bool {
	for i, f := range t.Schema().Fields() {
		if f.Type != table.String {
			continue
		}
		kind := IdentifierColumnKind(f.Name)
		if kind == "" || t.Column(i).IsNull(r) {
			continue
		}
		for _, id := range Identifiers(s.scan, kind, t.Column(i).Strings()[r]) {
			if s.hashes[IdentifierHash(kind, id)] {
				return true
			}
		}
	}
	return false
}

// IdentifierColumnKind says whether a column holds emails or phones, by
// its name.
func IdentifierColumnKind(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "email") && !strings.Contains(n, "status") && !strings.Contains(n, "confidence") && !strings.Contains(n, "domain"):
		return KindEmail
	case strings.Contains(n, "phone") && !strings.Contains(n, "status") && !strings.Contains(n, "confidence") && !strings.Contains(n, "type"):
		return KindPhone
	}
	return ""
}

// Identifiers returns the emails or phones (by kind) in a value, which may
// list several.
func Identifiers(sc *detect.Scanner, kind, v string) []string {
	want := detect.Email
	if kind == KindPhone {
		want = detect.Phone
	}
	var out []string
	for _, m := range sc.Value(v, nil, nil) {
		if m.Type == want {
			out = append(out, v[m.Start:m.End])
		}
	}
	return out
}

// PrivacyDir is the directory under a state directory (HOTPASS_HOME) that
// holds the audit trail and the suppression list.
const PrivacyDir = "privacy"

// AuditPath is the default audit trail of a state directory.
func AuditPath(home string) string { return filepath.Join(home, PrivacyDir, "audit.jsonl") }

// SuppressionPath is the default suppression list of a state directory.
func SuppressionPath(home string) string { return filepath.Join(home, PrivacyDir, "suppression.jsonl") }

// AddSuppression adds entries to the suppression list at path, rewriting
// it atomically; entries already listed are not repeated.
func AddSuppression(path string, entries ...SuppressionEntry) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("suppression list: %w", err)
	}
	have, err := LoadSuppression(path)
	if err != nil {
		return err
	}
	buf := append([]byte(nil), old...)
	if len(buf) > 0 && buf[len(buf)-1] != '\n' {
		buf = append(buf, '\n')
	}
	for _, e := range entries {
		if have.hashes[e.Hash] {
			continue
		}
		have.hashes[e.Hash] = true
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf = append(append(buf, line...), '\n')
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("suppression list: %w", err)
	}
	if err := atomicfile.WriteFile(path, buf); err != nil {
		return fmt.Errorf("suppression list %s: %w", path, err)
	}
	return nil
}
