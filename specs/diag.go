package specs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/redact"
	"gopkg.in/yaml.v3"
)

// ErrInvalid is wrapped by every error that means "the spec is wrong". It
// carries exit status 2 (exitcode.Invalid), so every error that wraps it
// does too.
var ErrInvalid = exitcode.New(exitcode.Invalid, "invalid spec")

// Pos is a position in a spec file. Line and Col are 1-based; Col counts
// characters (code points), as editors do.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"column"`
}

// String formats the position as file:line:col, leaving out what is unknown.
func (p Pos) String() string {
	switch {
	case p.Line <= 0:
		return p.File
	case p.Col <= 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// PosOf returns the position of a YAML node in file.
func PosOf(file string, n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: file}
	}
	return Pos{File: file, Line: n.Line, Col: n.Column}
}

// Severity says whether a diagnostic stops the spec from running.
type Severity int

const (
	// SeverityError makes the spec invalid.
	SeverityError Severity = iota
	// SeverityWarning is reported but does not make the spec invalid.
	SeverityWarning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// MarshalJSON encodes the severity as its name.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Diagnostic is one problem found in a spec, with where it is and what to do.
type Diagnostic struct {
	Pos      Pos      `json:"pos"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Hint tells the user what to do, e.g. "did you mean "retries"?".
	Hint string `json:"hint,omitempty"`
	// Line is the source line the position points into, for display.
	Line string `json:"source_line,omitempty"`
}

// Error formats the diagnostic on one line: file:line:col: error: message.
func (d Diagnostic) Error() string {
	d = d.scrubbed()
	msg := fmt.Sprintf("%s: %s: %s", d.Pos, d.Severity, d.Message)
	if d.Hint != "" {
		msg += " (" + d.Hint + ")"
	}
	return msg
}

// Unwrap lets errors.Is(d, ErrInvalid) hold for error diagnostics.
func (d Diagnostic) Unwrap() error {
	if d.Severity == SeverityError {
		return ErrInvalid
	}
	return nil
}

// Diagnostics is a list of problems. As an error it is non-nil only when it holds
// at least one error; warnings alone are returned separately by the validators.
type Diagnostics []Diagnostic

// Error joins the diagnostics, one per line.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap makes errors.Is(ds, ErrInvalid) hold when any diagnostic is an error.
func (ds Diagnostics) Unwrap() error {
	if ds.HasErrors() {
		return ErrInvalid
	}
	return nil
}

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Errors returns only the error diagnostics.
func (ds Diagnostics) Errors() Diagnostics { return ds.filter(SeverityError) }

// Warnings returns only the warnings.
func (ds Diagnostics) Warnings() Diagnostics { return ds.filter(SeverityWarning) }

func (ds Diagnostics) filter(s Severity) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// Err returns ds as an error when it holds an error diagnostic, else nil.
func (ds Diagnostics) Err() error {
	if ds.HasErrors() {
		return ds
	}
	return nil
}

// Sort orders diagnostics by file, line and column, keeping the order of equal ones.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// AsDiagnostics extracts diagnostics from err: a Diagnostics, a Diagnostic, or
// any error wrapping them. Other errors are returned as one diagnostic without a
// position.
func AsDiagnostics(err error) Diagnostics {
	if err == nil {
		return nil
	}
	var ds Diagnostics
	if errors.As(err, &ds) {
		return ds
	}
	var d Diagnostic
	if errors.As(err, &d) {
		return Diagnostics{d}
	}
	var pd *Diagnostic
	if errors.As(err, &pd) {
		return Diagnostics{*pd}
	}
	return Diagnostics{{Severity: SeverityError, Message: err.Error()}}
}

// Errorf builds an error diagnostic at pos.
func Errorf(pos Pos, format string, args ...any) Diagnostic {
	return Diagnostic{Pos: pos, Severity: SeverityError, Message: redact.Credentials(fmt.Sprintf(format, args...))}
}

// Warnf builds a warning diagnostic at pos.
func Warnf(pos Pos, format string, args ...any) Diagnostic {
	return Diagnostic{Pos: pos, Severity: SeverityWarning, Message: redact.Credentials(fmt.Sprintf(format, args...))}
}

// WithHint returns a copy of d with its hint set.
func (d Diagnostic) WithHint(format string, args ...any) Diagnostic {
	d.Hint = redact.Credentials(fmt.Sprintf(format, args...))
	return d
}

// AttachSource fills in each diagnostic's source line from src when the
// diagnostic points into file. Every diagnostic's line, message and hint
// are scrubbed of credentials on the way (see scrub): a spec may hold a
// literal password, and diagnostics reach terminals, API responses and
// stored run errors.
func (ds Diagnostics) AttachSource(file string, src []byte) {
	if len(ds) == 0 {
		return
	}
	lines := strings.Split(string(src), "\n")
	for i := range ds {
		p := ds[i].Pos
		if p.File == file && p.Line > 0 && p.Line <= len(lines) {
			ds[i].Line = strings.TrimRight(lines[p.Line-1], "\r")
		}
		ds[i] = ds[i].scrubbed()
	}
}

// scrubbed returns d with connection-string passwords, and the values of
// YAML password keys in its source line, masked.
func (d Diagnostic) scrubbed() Diagnostic {
	d.Message = redact.Credentials(d.Message)
	d.Hint = redact.Credentials(d.Hint)
	if d.Line != "" {
		d.Line = yamlPassword.ReplaceAllString(redact.Credentials(d.Line), "${1}"+redact.Mask)
	}
	return d
}

// yamlPassword matches the value of a password option on a spec line
// (`password: x`, also inside a flow mapping), which names a secret
// without a connection string around it.
var yamlPassword = regexp.MustCompile(`(?i)(\b(?:ssl)?password\s*:\s+)("(?:[^"\\]|\\.)*"?|'(?:[^']|'')*'?|[^\s,}\]]+)`)

// MarshalJSON encodes the diagnostic with its texts scrubbed, as Print
// shows them.
func (d Diagnostic) MarshalJSON() ([]byte, error) {
	type plain Diagnostic
	return json.Marshal(plain(d.scrubbed()))
}

// Print writes diagnostics in the compiler style: the header line, the offending
// source line and a caret under the column, then the hint.
func (ds Diagnostics) Print(w io.Writer) error {
	var b strings.Builder
	for _, d := range ds {
		d = d.scrubbed()
		fmt.Fprintf(&b, "%s: %s: %s\n", d.Pos, d.Severity, d.Message)
		if d.Line != "" && d.Pos.Line > 0 {
			num := fmt.Sprintf("%d", d.Pos.Line)
			line, col := excerpt(d.Line, d.Pos.Col)
			fmt.Fprintf(&b, " %s | %s\n", num, expandTabs(line))
			if d.Pos.Col > 0 {
				fmt.Fprintf(&b, " %s | %s^\n", strings.Repeat(" ", len(num)), caretPad(line, col))
			}
		}
		if d.Hint != "" {
			fmt.Fprintf(&b, "  hint: %s\n", d.Hint)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// caretPad returns the blank run that puts a caret under column col of line,
// keeping tabs so the caret lines up however the terminal shows them.
func caretPad(line string, col int) string {
	var b strings.Builder
	i := 1
	for _, r := range line {
		if i >= col {
			break
		}
		if r == '\t' {
			b.WriteString("    ")
		} else {
			b.WriteByte(' ')
		}
		i++
	}
	for ; i < col; i++ {
		b.WriteByte(' ')
	}
	return b.String()
}

func expandTabs(s string) string { return strings.ReplaceAll(s, "\t", "    ") }

// colOfByte converts a 0-based byte offset within line to a 1-based column in code points.
func colOfByte(line string, off int) int {
	if off > len(line) {
		off = len(line)
	}
	return utf8.RuneCountInString(line[:off]) + 1
}

// maxLineRunes bounds the source line Print shows: a generated or hostile
// spec may hold its whole content on one line, and every diagnostic on it
// would print all of it.
const maxLineRunes = 160

// excerpt cuts line to at most maxLineRunes characters around column col
// (1-based; 0 when unknown) and returns col's place in the excerpt.
func excerpt(line string, col int) (string, int) {
	n := utf8.RuneCountInString(line)
	if n <= maxLineRunes {
		return line, col
	}
	r := []rune(line)
	start := max(0, min(col-1-maxLineRunes/3, n-maxLineRunes))
	end := start + maxLineRunes
	out := string(r[start:end])
	newCol := col - start
	if start > 0 {
		out = "…" + out
		newCol++
	}
	if end < n {
		out += "…"
	}
	return out, newCol
}
