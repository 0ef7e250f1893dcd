// Package docblocks finds the examples in documentation so that tests can
// run them: the fenced code blocks of a Markdown file, and the Examples
// section of a command's --help, each with the markers that say what the
// example needs.
//
// A marker is written after the language of a block's info string
// (```sh needs: server) or in an HTML comment on the line before the
// block (<!-- needs: secret CRM_TOKEN -->), several separated by ";":
//
//	needs: postgres        a PostgreSQL database (HOTPASS_DATABASE_URL)
//	needs: server          a running `hotpass serve`
//	needs: secret NAME     the environment variable NAME
//	skip: REASON           not run; the reason is printed
//	file: PATH             the block's text is the file PATH
//
// In a help text, a comment line "# needs: server" inside the Examples
// section marks the whole section.
package docblocks

import (
	"fmt"
	"strings"
)

// Block is one example: its text and what it needs.
type Block struct {
	// Lang is the first word of the info string (sh, yaml, ...); empty
	// for a block without one.
	Lang string
	// Line is the 1-based line of the opening fence, or of the Examples
	// heading in a help text.
	Line int
	// Text is the content, without the fences, ending in a newline.
	Text string
	// Needs lists what the example needs: "postgres", "server" or
	// "secret NAME".
	Needs []string
	// Skip, when not empty, is why the example is not run.
	Skip string
	// File, when not empty, is the path the block's text is written to.
	File string
}

// Secrets returns the names of the environment variables the block needs.
func (b Block) Secrets() []string {
	var names []string
	for _, n := range b.Needs {
		if name, ok := strings.CutPrefix(n, "secret "); ok {
			names = append(names, name)
		}
	}
	return names
}

// Has reports whether the block needs what (postgres or server).
func (b Block) Has(what string) bool {
	for _, n := range b.Needs {
		if n == what {
			return true
		}
	}
	return false
}

// Markdown returns the fenced code blocks of src in order. A block that is
// never closed, or an unknown marker, is an error naming its line: a typo
// in a marker must not quietly turn a test off.
func Markdown(src string) ([]Block, error) {
	lines := strings.Split(src, "\n")
	var blocks []Block
	for i := 0; i < len(lines); i++ {
		fence, info, ok := openingFence(lines[i])
		if !ok {
			continue
		}
		b := Block{Line: i + 1}
		words := strings.Fields(info)
		if len(words) > 0 {
			b.Lang = words[0]
			if err := b.addMarkers(strings.TrimSpace(strings.TrimPrefix(info, words[0]))); err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
		}
		if c, ok := commentBefore(lines, i); ok {
			if err := b.addMarkers(c); err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
		}
		var body strings.Builder
		closed := false
		for i++; i < len(lines); i++ {
			if closesFence(lines[i], fence) {
				closed = true
				break
			}
			body.WriteString(lines[i])
			body.WriteByte('\n')
		}
		if !closed {
			return nil, fmt.Errorf("line %d: the code block opened here is never closed (add a line %s)", b.Line, fence)
		}
		b.Text = body.String()
		blocks = append(blocks, b)
	}
	return blocks, nil
}

// openingFence recognises a line opening a fenced block (CommonMark: up to
// three spaces, then three or more backticks or tildes) and returns the
// fence and the info string.
func openingFence(line string) (fence, info string, ok bool) {
	trimmed := strings.TrimLeft(line, " ")
	if len(line)-len(trimmed) > 3 || len(trimmed) < 3 {
		return "", "", false
	}
	c := trimmed[0]
	if c != '`' && c != '~' {
		return "", "", false
	}
	n := 0
	for n < len(trimmed) && trimmed[n] == c {
		n++
	}
	if n < 3 {
		return "", "", false
	}
	info = strings.TrimSpace(trimmed[n:])
	if c == '`' && strings.ContainsRune(info, '`') {
		return "", "", false
	}
	return trimmed[:n], info, true
}

// closesFence reports whether line closes a block opened by fence: the
// same character, at least as many, and nothing else.
func closesFence(line, fence string) bool {
	trimmed := strings.TrimSpace(line)
	if len(line)-len(strings.TrimLeft(line, " ")) > 3 || len(trimmed) < len(fence) {
		return false
	}
	return strings.Trim(trimmed, fence[:1]) == ""
}

// commentBefore returns the text of an HTML comment that is the last
// non-blank line before line i.
func commentBefore(lines []string, i int) (string, bool) {
	for j := i - 1; j >= 0; j-- {
		s := strings.TrimSpace(lines[j])
		if s == "" {
			continue
		}
		inner, ok := strings.CutPrefix(s, "<!--")
		if !ok {
			return "", false
		}
		inner, ok = strings.CutSuffix(inner, "-->")
		return strings.TrimSpace(inner), ok
	}
	return "", false
}

// addMarkers adds the ";"-separated markers of s to b.
func (b *Block) addMarkers(s string) error {
	for _, m := range strings.Split(s, ";") {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		key, value, ok := strings.Cut(m, ":")
		value = strings.TrimSpace(value)
		if !ok || value == "" {
			return fmt.Errorf("marker %q is not key: value (use needs:, skip: or file:)", m)
		}
		switch strings.TrimSpace(key) {
		case "needs":
			if err := b.addNeed(value); err != nil {
				return err
			}
		case "skip":
			b.Skip = value
		case "file":
			b.File = value
		default:
			return fmt.Errorf("unknown marker %q (the markers are needs, skip and file)", m)
		}
	}
	return nil
}

func (b *Block) addNeed(value string) error {
	f := strings.Fields(value)
	switch {
	case len(f) == 1 && (f[0] == "postgres" || f[0] == "server"):
	case len(f) == 2 && f[0] == "secret":
	default:
		return fmt.Errorf("needs: %q: say needs: postgres, needs: server or needs: secret NAME", value)
	}
	b.Needs = append(b.Needs, strings.Join(f, " "))
	return nil
}

// HelpExamples returns the Examples section of a command's help text as a
// shell block, and false when the help has none. The section starts at a
// line "Examples:" (as cobra prints a command's Example) and runs to the
// next blank line; its lines lose the indentation cobra's convention adds.
func HelpExamples(help string) (Block, bool, error) {
	lines := strings.Split(help, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "Examples:" {
			continue
		}
		b := Block{Lang: "sh", Line: i + 1}
		var body strings.Builder
		for _, l := range lines[i+1:] {
			if strings.TrimSpace(l) == "" {
				break
			}
			l = strings.TrimPrefix(l, "  ")
			if m, ok := strings.CutPrefix(strings.TrimSpace(l), "#"); ok && isMarker(m) {
				if err := b.addMarkers(m); err != nil {
					return Block{}, false, fmt.Errorf("help line %d: %w", i+1, err)
				}
			}
			body.WriteString(l)
			body.WriteByte('\n')
		}
		b.Text = body.String()
		return b, true, nil
	}
	return Block{}, false, nil
}

// isMarker reports whether a comment is a marker rather than prose.
func isMarker(comment string) bool {
	c := strings.TrimSpace(comment)
	return strings.HasPrefix(c, "needs:") || strings.HasPrefix(c, "skip:") || strings.HasPrefix(c, "file:")
}
