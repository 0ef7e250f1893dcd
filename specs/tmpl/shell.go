package tmpl

import (
	"strconv"
	"strings"
)

// A template rendered for a shell command line (RenderShell) never lets a
// value change the shape of the command: the value of every {{ }} is
// written as one word, escaped for the quoting context the literal text
// around it leaves it in. Literal text, including the text a {% if %}
// chooses, is the spec author's and is kept as it is.
//
// Rendering first leaves a placeholder (NUL, index, NUL) for each value;
// substituteShell then reads the rendered literal text as /bin/sh would,
// and replaces each placeholder with the value quoted for where it stands:
//
//	unquoted             'value' (with ' written '\''); a value made only of
//	                     letters, digits and _ . / : @ % + , - stays bare
//	inside '...'         ' written '\''
//	inside "..."         $ ` " \ escaped with a backslash
//	inside $(...)        as unquoted, nested in any of the above
//
// Places where no quoting is safe, or where this reader could not tell the
// context for sure, are errors: after a backslash or a $, inside `...` or
// ${...}, anywhere after a here-document (<<), $'...' or a case inside
// $(...), and a value with a line break inside a # comment.

// placeholder marks the value of the i-th {{ }} in shell mode. NUL cannot
// appear in the literal text of a shell template (RenderShell refuses it),
// so placeholders are unambiguous.
func placeholder(i int) string { return "\x00" + strconv.Itoa(i) + "\x00" }

// shellState is where the shell's reader stands in a command line.
type shellState int

const (
	shUnquoted shellState = iota
	shSingle              // inside '...'
	shDouble              // inside "..."
	shBacktick            // inside `...`
	shBrace               // inside ${...}
	shComment             // after # up to the end of the line
)

// shellValue is a rendered {{ }} value waiting for its quoting context.
type shellValue struct {
	text string
	site int // index into the template's sites, for errors
}

// substituteShell replaces the placeholders of out with their values, each
// quoted for its context. It returns the command line, or an error at the
// offending {{ }}, positioned through sites.
func substituteShell(out string, values []shellValue, sites []int) (string, *Error) {
	var b strings.Builder
	b.Grow(len(out))
	state := shUnquoted
	var stack []shellState // states to return to when a $( or ( closes
	braceDepth := 0
	wordStart := true
	lost := ""    // why the quoting context can no longer be told, once it cannot
	var prev byte // the previous literal byte in the current state
	errAtSite := func(v shellValue, msg, hint string) *Error {
		off := noPos
		if v.site >= 0 && v.site < len(sites) {
			off = sites[v.site]
		}
		return errAt(off, msg, hint)
	}
	for i := 0; i < len(out); i++ {
		c := out[i]
		if c == 0 {
			end := strings.IndexByte(out[i+1:], 0)
			if end < 0 {
				return "", errAt(noPos, "internal error: malformed shell placeholder", "")
			}
			idx, err := strconv.Atoi(out[i+1 : i+1+end])
			if err != nil || idx < 0 || idx >= len(values) {
				return "", errAt(noPos, "internal error: malformed shell placeholder", "")
			}
			i += end + 1
			v := values[idx]
			text, err2 := quoteFor(state, prev, lost, v.text)
			if err2 != "" {
				return "", errAtSite(v, err2, "pass the value through env: and write \"$NAME\" in the command")
			}
			if b.Len()+len(text) > MaxOutputSize {
				return "", errAtSite(v, outputTooLong().Msg, "")
			}
			b.WriteString(text)
			wordStart, prev = false, 0
			continue
		}
		if b.Len() >= MaxOutputSize {
			return "", errAt(noPos, outputTooLong().Msg, "")
		}
		b.WriteByte(c)
		switch state {
		case shSingle:
			if c == '\'' {
				state = shUnquoted
			}
		case shComment:
			if c == '\n' {
				state, wordStart = shUnquoted, true
			}
		case shBacktick:
			switch c {
			case '\\':
				if i+1 < len(out) && out[i+1] != 0 {
					i++
					b.WriteByte(out[i])
				}
			case '`':
				state = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case shBrace:
			switch c {
			case '\'', '"', '`', '\\':
				if lost == "" {
					lost = "a value cannot be placed after quotes inside ${...} in a shell command"
				}
			case '{':
				braceDepth++
			case '}':
				braceDepth--
				if braceDepth == 0 {
					state = stack[len(stack)-1]
					stack = stack[:len(stack)-1]
				}
			}
		case shDouble:
			switch c {
			case '\\':
				if i+1 < len(out) && out[i+1] != 0 {
					i++
					b.WriteByte(out[i])
					c = 0
				}
			case '"':
				state = shUnquoted
			case '`':
				stack = append(stack, state)
				state = shBacktick
			case '(', '{':
				if prev == '$' {
					stack = append(stack, state)
					if c == '(' {
						state, wordStart = shUnquoted, true
					} else {
						state, braceDepth = shBrace, 1
					}
					c = 0
				}
			}
		default: // shUnquoted
			atWord := wordStart
			wordStart = false
			switch c {
			case '\\':
				if i+1 < len(out) && out[i+1] != 0 {
					i++
					b.WriteByte(out[i])
					c = 0
				}
			case '\'':
				state = shSingle
				if prev == '$' && lost == "" {
					lost = "a value cannot be placed after $'...' in a shell command"
				}
			case '"':
				state = shDouble
			case '`':
				stack = append(stack, state)
				state = shBacktick
			case 'c':
				// A case pattern's ")" would close a $( early.
				if atWord && len(stack) > 0 && strings.HasPrefix(out[i:], "case") && lost == "" {
					lost = "a value cannot be placed after a case statement inside $(...) in a shell command"
				}
			case '#':
				if atWord {
					state = shComment
				}
			case '{':
				if prev == '$' {
					stack = append(stack, state)
					state, braceDepth = shBrace, 1
					c = 0
				}
			case '(':
				stack = append(stack, state)
				wordStart = true
				c = 0
			case ')':
				if len(stack) > 0 {
					state = stack[len(stack)-1]
					stack = stack[:len(stack)-1]
				}
				wordStart = true
			case '<':
				if prev == '<' && lost == "" {
					lost = "a value cannot be placed after a here-document (<<) in a shell command"
				}
				wordStart = true
			case ' ', '\t', '\n', ';', '&', '|', '>':
				wordStart = true
			}
		}
		prev = c
	}
	return b.String(), nil
}

// quoteFor quotes value for the state the command line is in, or returns
// why it cannot be placed there safely. prev is the literal byte just
// before the value (0 when there is none, or it was escaped); lost, when
// set, says why no context can be trusted any more.
func quoteFor(state shellState, prev byte, lost, value string) (string, string) {
	if strings.IndexByte(value, 0) >= 0 {
		return "", "the value holds a NUL character, which a command line cannot carry"
	}
	if lost != "" {
		return "", lost
	}
	switch state {
	case shSingle:
		return strings.ReplaceAll(value, "'", `'\''`), ""
	case shDouble:
		if prev == '$' || prev == '\\' {
			return "", "a value cannot follow " + quote(string(prev)) + " in a shell command"
		}
		return escapeDouble(value), ""
	case shBacktick:
		return "", "a value cannot be placed inside `...` in a shell command"
	case shBrace:
		return "", "a value cannot be placed inside ${...} in a shell command"
	case shComment:
		if strings.ContainsAny(value, "\n\r") {
			return "", "a value with a line break cannot be placed in a shell comment"
		}
		return ShellQuote(value), ""
	}
	if prev == '$' || prev == '\\' {
		return "", "a value cannot follow " + quote(string(prev)) + " in a shell command"
	}
	return ShellQuote(value), ""
}

// escapeDouble escapes the characters that keep their meaning inside "...".
func escapeDouble(s string) string {
	if !strings.ContainsAny(s, "$`\"\\") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '$', '`', '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ShellQuote writes s as one POSIX shell word: as it is when it holds only
// letters, digits and _ . / : @ % + , - (none of which the shell treats
// specially), otherwise in single quotes, each ' written as '\”.
func ShellQuote(s string) string {
	if s != "" && isBareWord(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func isBareWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("_./:@%+,-", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// quotedSecrets returns, for every value that holds a secret, the value
// as quoting may have written it, so that the redaction of logs, which
// matches exact text, still finds it in the command line.
func quotedSecrets(values []shellValue, secrets []string) []string {
	if len(secrets) == 0 {
		return nil
	}
	var out []string
	for _, v := range values {
		for _, s := range secrets {
			if !strings.Contains(v.text, s) {
				continue
			}
			for _, q := range []string{ShellQuote(v.text), escapeDouble(v.text), strings.ReplaceAll(v.text, "'", `'\''`)} {
				if q != v.text {
					out = append(out, q)
				}
			}
			break
		}
	}
	return out
}
