package specs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/specs/decode"
)

// MaxFileSize bounds how large a spec file may be. Real specs are a few
// kilobytes; a 1,000-task spec is about 100 KB, so the limit leaves room for
// ten times that (as MaxMappingKeys does). The parsed node tree takes about a
// hundred times the file's size in the worst case, which this keeps in the
// low hundreds of megabytes.
const MaxFileSize = 1 << 20

// Load reads and parses the spec at path and checks it against the schema of v.
// Every problem is reported as a Diagnostic with its file, line and column;
// the returned error is then a Diagnostics that wraps ErrInvalid.
func Load(path string, v *Validator) (*Spec, error) {
	return LoadContext(context.Background(), path, v)
}

// LoadContext is Load that stops when ctx is done, returning an error that
// wraps ctx.Err() (and no diagnostics).
func LoadContext(ctx context.Context, path string, v *Validator) (*Spec, error) {
	src, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseContext(ctx, path, src, v)
}

func describeFSError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func humanBytes(n int64) string { return decode.FormatByteSize(n) }

// Parse parses spec source. path is used in positions and to resolve relative
// paths; it need not exist.
func Parse(path string, src []byte, v *Validator) (*Spec, error) {
	return ParseContext(context.Background(), path, src, v)
}

// ParseContext is Parse that stops when ctx is done, returning an error that
// wraps ctx.Err() (and no diagnostics).
func ParseContext(ctx context.Context, path string, src []byte, v *Validator) (*Spec, error) {
	res := parse(ctx, path, src, v)
	if res.err != nil {
		return nil, fmt.Errorf("%s: loading interrupted: %w", path, res.err)
	}
	spec, ds := res.spec, res.diags
	ds.AttachSource(path, src)
	if ds.HasErrors() {
		ds.Sort()
		return nil, ds
	}
	return spec, nil
}

type parseResult struct {
	spec  *Spec
	diags Diagnostics
	// err is the context's error when parsing was interrupted.
	err error
}

func parse(ctx context.Context, path string, src []byte, v *Validator) parseResult {
	if d, ok := checkText(path, src); !ok {
		return parseResult{diags: Diagnostics{d}}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		return parseResult{diags: Diagnostics{yamlError(path, src, err)}}
	}
	if err := ctx.Err(); err != nil {
		return parseResult{err: err}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return parseResult{diags: Diagnostics{Errorf(PosOf(path, &extra), "a spec file holds one YAML document; found a second one").
			WithHint("remove the '---' separator or split the file")}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return parseResult{diags: Diagnostics{emptyDiag(path)}}
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return parseResult{diags: Diagnostics{emptyDiag(path)}}
	}
	if root.Kind != yaml.MappingNode {
		return parseResult{diags: Diagnostics{Errorf(PosOf(path, root), "a spec must be a mapping of keys (version, name, tasks, ...), got %s", nodeKindName(root))}}
	}
	diags, err := checkShape(ctx, path, root)
	if err != nil {
		return parseResult{err: err}
	}
	if diags.HasErrors() {
		return parseResult{diags: diags}
	}
	diags = append(diags, checkKeys(path, root, scopeRoot)...)
	if diags.HasErrors() {
		return parseResult{diags: diags}
	}
	if err := ctx.Err(); err != nil {
		return parseResult{err: err}
	}
	if v != nil {
		diags = append(diags, v.validate(ctx, path, root)...)
		if err := ctx.Err(); err != nil {
			return parseResult{err: err}
		}
		if diags.HasErrors() {
			return parseResult{diags: diags}
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	sum := sha256.Sum256(src)
	spec := &Spec{
		Path:   path,
		Dir:    filepath.Dir(abs),
		Source: src,
		Hash:   hex.EncodeToString(sum[:]),
		Root:   root,
	}
	d := &decoder{file: path, spec: spec}
	d.decode(root)
	diags = append(diags, d.diags...)
	return parseResult{spec: spec, diags: diags}
}

func emptyDiag(path string) Diagnostic {
	return Errorf(Pos{File: path, Line: 1, Col: 1}, "spec file is empty").
		WithHint("a spec needs at least `version: 1`, `name:` and `tasks:`; run `hotpass schema` to see every key")
}

// checkText rejects content that is not text before the YAML parser produces a
// confusing message about it.
func checkText(path string, src []byte) (Diagnostic, bool) {
	if len(bytes.TrimSpace(src)) == 0 {
		return emptyDiag(path), false
	}
	if len(src) > MaxFileSize {
		return Errorf(Pos{File: path}, "spec is %s; the limit is %s", humanBytes(int64(len(src))), humanBytes(MaxFileSize)), false
	}
	if i := bytes.IndexByte(src, 0); i >= 0 {
		line, col := lineColAt(src, i)
		return Errorf(Pos{File: path, Line: line, Col: col}, "file is binary (NUL byte at offset %d), not a YAML spec", i).
			WithHint("check the path: specs are UTF-8 YAML text"), false
	}
	if !utf8.Valid(src) {
		off := firstInvalidUTF8(src)
		line, col := lineColAt(src, off)
		return Errorf(Pos{File: path, Line: line, Col: col}, "invalid UTF-8 at offset %d", off).
			WithHint("save the file as UTF-8"), false
	}
	return Diagnostic{}, true
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func lineColAt(src []byte, off int) (int, int) {
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	return line, utf8.RuneCount(src[start:off]) + 1
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a yaml.v3 parse error into a positioned diagnostic. yaml.v3
// reports only the line, so the column is recovered from the source where the
// message allows it.
func yamlError(path string, src []byte, err error) Diagnostic {
	msg := err.Error()
	m := yamlLineRe.FindStringSubmatch(msg)
	if m == nil {
		return Errorf(Pos{File: path}, "%s", strings.TrimPrefix(msg, "yaml: "))
	}
	line, _ := strconv.Atoi(m[1])
	text := m[2]
	// yaml.v3 reports parser errors at the 0-based line of the construct that
	// is still open (a flow mapping, a block mapping); scanner errors it
	// reports 1-based. The parser's messages all start "did not find expected".
	parserErr := strings.HasPrefix(text, "did not find expected")
	if parserErr {
		line++
	}
	lines := strings.Split(string(src), "\n")
	src1 := ""
	if line >= 1 && line <= len(lines) {
		src1 = lines[line-1]
	}
	pos := Pos{File: path, Line: line, Col: 1}
	if i := strings.IndexByte(src1, '\t'); i >= 0 && strings.TrimLeft(src1[:i], " ") == "" {
		pos.Col = colOfByte(src1, i)
		return Diagnostic{Pos: pos, Severity: SeverityError, Message: "tab character used for indentation",
			Hint: "YAML allows only spaces for indentation; replace the tab with spaces"}
	}
	if i := strings.IndexByte(src1, '\t'); i >= 0 && strings.Contains(text, "cannot start any token") {
		pos.Col = colOfByte(src1, i)
		return Diagnostic{Pos: pos, Severity: SeverityError, Message: "tab character where YAML expects a value",
			Hint: "replace the tab with spaces"}
	}
	if trimmed := strings.TrimLeft(src1, " "); trimmed != "" {
		pos.Col = colOfByte(src1, len(src1)-len(trimmed))
	}
	hint := "check indentation, quotes and colons on this line and the one above"
	if parserErr {
		opener := map[string]string{"'}'": "{", "']'": "["}
		for closer, open := range opener {
			if strings.Contains(text, closer) {
				if i := strings.LastIndex(src1, open); i >= 0 {
					pos.Col = colOfByte(src1, i)
				}
				return Diagnostic{Pos: pos, Severity: SeverityError, Message: "YAML syntax: " + text,
					Hint: fmt.Sprintf("the %q opened here is not closed; add %s or fix the item separators", open, strings.Trim(closer, "'"))}
			}
		}
		if ln, col, ok := misindented(lines, line); ok {
			return Diagnostic{Pos: Pos{File: path, Line: ln, Col: col}, Severity: SeverityError,
				Message: "YAML syntax: this line is not indented like the keys of the block above it",
				Hint:    fmt.Sprintf("align it with the other keys of the block that starts at line %d, or indent it under one of them", line)}
		}
		hint = "the block that starts here has a line that is not indented as a key of it; check the lines below"
	}
	switch {
	case strings.Contains(text, "mapping values are not allowed"):
		if i := strings.Index(src1, ": "); i >= 0 {
			if j := strings.Index(src1[i+2:], ":"); j >= 0 {
				pos.Col = colOfByte(src1, i+2+j)
			}
		}
		hint = "a value containing ': ' must be quoted, e.g. key: \"a: b\""
	case strings.Contains(text, "end of stream") && (strings.Count(src1, "\"")%2 == 1 || strings.Count(src1, "'")%2 == 1):
		hint = "a quoted string on this line is not closed"
	}
	return Diagnostic{Pos: pos, Severity: SeverityError, Message: "YAML syntax: " + text, Hint: hint}
}

func nodeKindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing (null)"
		}
		return fmt.Sprintf("%s %q", strings.TrimPrefix(n.Tag, "!!"), n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "an unknown node"
}

// keyScope says what the keys of a mapping are, for the duplicate-key message.
type keyScope int

const (
	scopeOther keyScope = iota
	scopeRoot           // the spec's top-level keys
	scopeTasks          // the keys of `tasks:`, which are task ids
)

// checkKeys reports duplicate keys anywhere in the document. yaml.v3 only
// catches them when decoding into Go values, and we work on the node tree.
func checkKeys(path string, n *yaml.Node, scope keyScope) Diagnostics {
	var diags Diagnostics
	switch n.Kind {
	case yaml.MappingNode:
		seen := make(map[string]*yaml.Node, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if prev, dup := seen[k.Value]; dup {
				what := fmt.Sprintf("duplicate key %q", k.Value)
				if scope == scopeTasks {
					what = fmt.Sprintf("duplicate task id %q", k.Value)
				}
				diags = append(diags, Errorf(PosOf(path, k), "%s", what).
					WithHint("first defined at line %d; remove or rename one of them", prev.Line))
				continue
			}
			seen[k.Value] = k
			child := scopeOther
			if scope == scopeRoot && k.Value == "tasks" {
				child = scopeTasks
			}
			diags = append(diags, checkKeys(path, val, child)...)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			diags = append(diags, checkKeys(path, c, scopeOther)...)
		}
	}
	return diags
}

// misindented finds the first line below the block starting at 1-based line
// start that is indented deeper than the block's key but shallower than its
// content: the usual cause of yaml.v3's "did not find expected key".
func misindented(lines []string, start int) (line, col int, ok bool) {
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	skip := func(l string) bool { t := strings.TrimSpace(l); return t == "" || strings.HasPrefix(t, "#") }
	if start < 1 || start > len(lines) {
		return 0, 0, false
	}
	key := indent(lines[start-1])
	content := -1
	for i := start; i < len(lines); i++ {
		l := lines[i]
		if skip(l) {
			continue
		}
		in := indent(l)
		if content < 0 {
			content = in
			if in <= key {
				return 0, 0, false
			}
			continue
		}
		switch {
		case in >= content:
			continue
		case in < key:
			return 0, 0, false
		case in == key && !strings.HasPrefix(strings.TrimSpace(l), "-"):
			continue
		default:
			return i + 1, in + 1, true
		}
	}
	return 0, 0, false
}
