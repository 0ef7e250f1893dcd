package tmpl

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is a template error with its position inside the template text. The
// spec loader adds the position of the scalar to report file:line:col.
type Error struct {
	Line, Col int    // 1-based position inside the template, Col in code points; 0 when unknown
	Msg       string // what is wrong, e.g. `unknown variable "parms"`
	Hint      string // what to do, e.g. `did you mean "params"?`; may be empty

	off int // byte offset, resolved into Line and Col by locate
}

// Error formats the error as "line:col: message: hint".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Col)
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(": " + e.Hint)
	}
	return b.String()
}

// errAt builds an error at a byte offset; locate turns it into line and column.
func errAt(off int, msg, hint string) *Error {
	return &Error{off: off, Msg: msg, Hint: hint}
}

// locate fills in Line and Col from the byte offset. Offsets past the end
// point at the end of src.
func (e *Error) locate(src string) *Error {
	if e.off < 0 {
		return e
	}
	off := min(e.off, len(src))
	e.Line = 1 + strings.Count(src[:off], "\n")
	lineStart := strings.LastIndexByte(src[:off], '\n') + 1
	e.Col = 1 + utf8.RuneCountInString(src[lineStart:off])
	return e
}

// noPos marks an error that has no position inside the template.
const noPos = -1

func quote(s string) string { return strconv.Quote(s) }

func quoteRune(r rune) string { return strconv.QuoteRune(r) }

// supportedHint summarises the language for errors about unsupported syntax.
const supportedHint = "templates support literals, params.NAME, run.id, run.date, run.ts, env_var(...), " +
	"+ - *, == != < > <= >=, and/or/not, filters " + filterList + " and {% if %}/{% elif %}/{% else %}/{% endif %}"
