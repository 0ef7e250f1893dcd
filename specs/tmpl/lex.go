package tmpl

import (
	"strings"
	"unicode/utf8"
)

// pieceKind tells the parser what a piece of the source is.
type pieceKind int

const (
	pieceText    pieceKind = iota // literal text, copied to the output
	pieceOutput                   // {{ expression }}
	pieceTag                      // {% tag arguments %}
	pieceComment                  // {# anything #}
)

// piece is one top-level element of a template. Offsets are byte offsets
// into the source; they become line and column only when an error is built.
type piece struct {
	kind       pieceKind
	start, end int     // the whole piece, delimiters included
	text       string  // pieceText only
	toks       []token // pieceOutput and pieceTag: the tokens between the delimiters
	closeAt    int     // offset of the closing delimiter, for "unexpected end" errors
	trimBefore bool    // "{{-", "{%-", "{#-": strip whitespace before the piece
	trimAfter  bool    // "-}}", "-%}", "-#}": strip whitespace after the piece
}

// tokKind classifies a token inside {{ }} or {% %}.
type tokKind int

const (
	tokIdent  tokKind = iota // names and keywords
	tokInt                   // 42
	tokFloat                 // 4.2
	tokString                // 'text' or "text"; val holds the decoded text
	tokOp                    // operators and punctuation
)

// token is one lexeme inside a block. raw is the source text, val the value
// (decoded for strings).
type token struct {
	kind tokKind
	at   int
	raw  string
	val  string
}

// ops lists the operator tokens the lexer knows, longest first so that "=="
// wins over "=". Several are recognised only so that the parser can say
// precisely why they are not supported.
var ops = []string{
	"==", "!=", "<=", ">=", "<>", "&&", "||", "**", "//",
	"(", ")", ",", ".", "|", ":", "+", "-", "*", "/", "%", "<", ">",
	"=", "!", "[", "]", "^", "~", "{", "}", "?", ";",
}

// lex splits src into pieces. It fails on unclosed delimiters, unclosed
// strings, unknown escape sequences and characters that are not part of the
// expression language.
func lex(src string) ([]piece, *Error) {
	// pongo2's lexer uses the rune U+0001 as its end-of-input marker and
	// silently stops at it, so the character cannot be passed through.
	if i := strings.IndexByte(src, 1); i >= 0 {
		return nil, errAt(i, "control character U+0001 is not allowed in a template", "remove it")
	}
	var out []piece
	pos := 0
	for pos < len(src) {
		next := nextOpen(src, pos)
		if next < 0 {
			out = append(out, piece{kind: pieceText, start: pos, end: len(src), text: src[pos:]})
			break
		}
		if next > pos {
			out = append(out, piece{kind: pieceText, start: pos, end: next, text: src[pos:next]})
		}
		p, err := lexBlock(src, next)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
		pos = p.end
	}
	return out, nil
}

// nextOpen returns the offset of the next "{{", "{%" or "{#" at or after pos,
// or -1.
func nextOpen(src string, pos int) int {
	for {
		i := strings.IndexByte(src[pos:], '{')
		if i < 0 || pos+i+1 >= len(src) {
			return -1
		}
		switch src[pos+i+1] {
		case '{', '%', '#':
			return pos + i
		}
		pos += i + 1
	}
}

// lexBlock lexes the block that opens at start.
func lexBlock(src string, start int) (piece, *Error) {
	p := piece{start: start}
	pos := start + 2
	if pos < len(src) && src[pos] == '-' {
		p.trimBefore = true
		pos++
	}
	var closer string
	switch src[start+1] {
	case '#':
		p.kind = pieceComment
		end := strings.Index(src[pos:], "#}")
		if end < 0 {
			return p, errAt(start, "comment opened here is never closed", "end it with #}")
		}
		end += pos
		p.trimAfter = end > pos && src[end-1] == '-'
		p.closeAt = end
		p.end = end + 2
		return p, nil
	case '{':
		p.kind, closer = pieceOutput, "}}"
	default:
		p.kind, closer = pieceTag, "%}"
	}
	for {
		pos = skipSpace(src, pos)
		if pos >= len(src) {
			return p, errAt(start, "\""+src[start:start+2]+"\" opened here is never closed", "end it with "+closer)
		}
		if strings.HasPrefix(src[pos:], closer) {
			p.closeAt, p.end = pos, pos+2
			return p, nil
		}
		if src[pos] == '-' && strings.HasPrefix(src[pos+1:], closer) {
			p.trimAfter = true
			p.closeAt, p.end = pos, pos+3
			return p, nil
		}
		tok, err := lexToken(src, pos)
		if err != nil {
			return p, err
		}
		p.toks = append(p.toks, tok)
		pos = tok.at + len(tok.raw)
	}
}

func skipSpace(src string, pos int) int {
	for pos < len(src) {
		switch src[pos] {
		case ' ', '\t', '\n', '\r':
			pos++
		default:
			return pos
		}
	}
	return pos
}

// lexToken reads one token at pos (not at a space or at the end).
func lexToken(src string, pos int) (token, *Error) {
	c := src[pos]
	switch {
	case isIdentStart(c):
		end := pos + 1
		for end < len(src) && isIdentPart(src[end]) {
			end++
		}
		return token{kind: tokIdent, at: pos, raw: src[pos:end], val: src[pos:end]}, nil
	case c >= '0' && c <= '9':
		return lexNumber(src, pos)
	case c == '\'' || c == '"':
		return lexString(src, pos)
	}
	for _, op := range ops {
		if strings.HasPrefix(src[pos:], op) {
			return token{kind: tokOp, at: pos, raw: op, val: op}, nil
		}
	}
	r, _ := utf8.DecodeRuneInString(src[pos:])
	return token{}, errAt(pos, "unexpected character "+quoteRune(r)+" in template expression", supportedHint)
}

func lexNumber(src string, pos int) (token, *Error) {
	end := pos
	for end < len(src) && isDigit(src[end]) {
		end++
	}
	kind := tokInt
	if end+1 < len(src) && src[end] == '.' && isDigit(src[end+1]) {
		kind = tokFloat
		end++
		for end < len(src) && isDigit(src[end]) {
			end++
		}
	}
	if end < len(src) && (isIdentStart(src[end]) || src[end] == '.') {
		return token{}, errAt(pos, "malformed number "+quote(src[pos:end+1]), "numbers are written 42 or 4.2")
	}
	return token{kind: kind, at: pos, raw: src[pos:end], val: src[pos:end]}, nil
}

// lexString reads a quoted string. The escapes \\, \' and \" are decoded;
// others are rejected because the rendering engine underneath cannot
// represent them (a string literal there cannot hold a newline).
func lexString(src string, pos int) (token, *Error) {
	q := src[pos]
	var b strings.Builder
	i := pos + 1
	for i < len(src) {
		c := src[i]
		switch {
		case c == q:
			return token{kind: tokString, at: pos, raw: src[pos : i+1], val: b.String()}, nil
		case c == '\n':
			return token{}, errAt(pos, "string opened here runs into a line break", "close the quote on the same line")
		case c == '\\':
			if i+1 < len(src) && (src[i+1] == '\\' || src[i+1] == '\'' || src[i+1] == '"') {
				b.WriteByte(src[i+1])
				i += 2
				continue
			}
			return token{}, errAt(i, "unsupported escape sequence in string", `only \\, \' and \" are supported`)
		default:
			b.WriteByte(c)
			i++
		}
	}
	return token{}, errAt(pos, "string opened here is never closed", "close it with "+string(q))
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
