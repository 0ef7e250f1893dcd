package backfill

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// DefaultArchivePattern names input archives when a config does not.
const DefaultArchivePattern = "hotpass-inputs-{date:%Y%m%d}-v{version}.zip"

// Pattern is a parsed archive name pattern: literal text with {date:<fmt>},
// {date} (YYYY-MM-DD) and {version} placeholders. <fmt> is a subset of
// strftime: %Y %m %d %j %y %b and %%.
type Pattern struct {
	src   string
	parts []part
}

type partKind int

const (
	literal partKind = iota
	datePart
	versionPart
)

// part is a literal or a placeholder; a date part holds its Go layout
// pieces (strftime converted once at parse time).
type part struct {
	kind partKind
	text string
	date []dateVerb
}

// dateVerb is one element of a date format: a literal (verb 0) or a
// strftime conversion.
type dateVerb struct {
	verb byte
	text string
}

// supportedVerbs lists the strftime conversions a date placeholder knows.
const supportedVerbs = "%Y %m %d %j %y %b %%"

// ParsePattern parses an archive name pattern. Errors name the byte offset
// and what is wrong.
func ParsePattern(s string) (Pattern, error) {
	p := Pattern{src: s}
	var lit strings.Builder
	hasDate := false
	for i := 0; i < len(s); {
		c := s[i]
		switch c {
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return Pattern{}, fmt.Errorf("archive pattern %q: '{' at offset %d is never closed; placeholders are {date:<format>} and {version}", s, i)
			}
			body := s[i+1 : i+end]
			if lit.Len() > 0 {
				p.parts = append(p.parts, part{kind: literal, text: lit.String()})
				lit.Reset()
			}
			switch {
			case body == "version":
				p.parts = append(p.parts, part{kind: versionPart})
			case body == "date":
				p.parts = append(p.parts, part{kind: datePart, date: []dateVerb{{verb: 'Y'}, {text: "-"}, {verb: 'm'}, {text: "-"}, {verb: 'd'}}})
				hasDate = true
			case strings.HasPrefix(body, "date:"):
				verbs, err := parseStrftime(body[len("date:"):])
				if err != nil {
					return Pattern{}, fmt.Errorf("archive pattern %q: %w", s, err)
				}
				p.parts = append(p.parts, part{kind: datePart, date: verbs})
				hasDate = true
			default:
				return Pattern{}, fmt.Errorf("archive pattern %q: unknown placeholder {%s} at offset %d; placeholders are {date:<format>} and {version}", s, body, i)
			}
			i += end + 1
		case '}':
			return Pattern{}, fmt.Errorf("archive pattern %q: '}' at offset %d closes no placeholder", s, i)
		default:
			lit.WriteByte(c)
			i++
		}
	}
	if lit.Len() > 0 {
		p.parts = append(p.parts, part{kind: literal, text: lit.String()})
	}
	if !hasDate {
		return Pattern{}, fmt.Errorf("archive pattern %q has no {date:<format>} placeholder, so every date would name the same archive", s)
	}
	return p, nil
}

// parseStrftime splits a strftime format into literals and conversions,
// refusing conversions outside the supported subset.
func parseStrftime(f string) ([]dateVerb, error) {
	if f == "" {
		return nil, fmt.Errorf("empty date format in {date:}; for example {date:%%Y%%m%%d}")
	}
	var out []dateVerb
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, dateVerb{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			lit.WriteByte(f[i])
			continue
		}
		if i+1 == len(f) {
			return nil, fmt.Errorf("date format %q ends with a lone '%%'; write %%%% for a literal percent sign", f)
		}
		i++
		switch v := f[i]; v {
		case '%':
			lit.WriteByte('%')
		case 'Y', 'm', 'd', 'j', 'y', 'b':
			flush()
			out = append(out, dateVerb{verb: v})
		default:
			return nil, fmt.Errorf("date format %q: %%%c is not supported; supported: %s", f, v, supportedVerbs)
		}
	}
	flush()
	return out, nil
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.src }

// Version returns v as the pattern names archives by it. A pattern whose
// text before {version} already ends in "v", as the default's -v{version}
// does, writes that "v" itself, so a version given as "v1" is "1": both
// spellings name hotpass-inputs-20240101-v1.zip and are the same version.
func (p Pattern) Version(v string) string {
	if len(v) < 2 || (v[0] != 'v' && v[0] != 'V') || v[1] < '0' || v[1] > '9' {
		return v
	}
	prefixed := false
	for i, pt := range p.parts {
		if pt.kind != versionPart {
			continue
		}
		if i == 0 || p.parts[i-1].kind != literal {
			return v
		}
		prev := p.parts[i-1].text
		if last := prev[len(prev)-1]; last != 'v' && last != 'V' {
			return v
		}
		prefixed = true
	}
	if !prefixed {
		return v
	}
	return v[1:]
}

// Render names the archive of date and version. The result is a relative
// path; Render refuses one that would leave the archive root.
func (p Pattern) Render(date time.Time, version string) (string, error) {
	version = p.Version(version)
	var b strings.Builder
	for _, pt := range p.parts {
		switch pt.kind {
		case literal:
			b.WriteString(pt.text)
		case versionPart:
			b.WriteString(version)
		case datePart:
			for _, v := range pt.date {
				b.WriteString(formatVerb(date, v))
			}
		}
	}
	name := b.String()
	if !filepath.IsLocal(name) {
		return "", fmt.Errorf("archive pattern %q gives %q for %s, version %q, which is not a path inside the archive root",
			p.src, name, date.Format(time.DateOnly), version)
	}
	return name, nil
}

func formatVerb(t time.Time, v dateVerb) string {
	switch v.verb {
	case 0:
		return v.text
	case 'Y':
		return fmt.Sprintf("%04d", t.Year())
	case 'm':
		return fmt.Sprintf("%02d", int(t.Month()))
	case 'd':
		return fmt.Sprintf("%02d", t.Day())
	case 'j':
		return fmt.Sprintf("%03d", t.YearDay())
	case 'y':
		return fmt.Sprintf("%02d", t.Year()%100)
	case 'b':
		return t.Format("Jan")
	}
	return ""
}
