package tmpl

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flosch/pongo2/v6"
)

// maxWork bounds the text all filters and concatenations of one render may
// build together, conditions included, so that a template of many blocks,
// each under MaxOutputSize, cannot spend unbounded memory and time.
const maxWork = 16 * MaxOutputSize

// Every filter and every + of the generated code runs here rather than in
// pongo2's built-ins, so that no string is built past MaxOutputSize: the
// size of a result is known, or bounded, before it is allocated.

// grow charges n bytes of new text built at site against the limits.
func (s *renderState) grow(site *pongo2.Value, n int) error {
	if n > MaxOutputSize {
		return s.fail(site, fmt.Sprintf("this would build a value of %d bytes or more; the limit is %d", n, MaxOutputSize),
			"shorten the params or the separator it joins")
	}
	s.work += n
	if s.work > maxWork {
		return s.fail(site, fmt.Sprintf("the filters and + of this template build more text in total than the limit of %d bytes", maxWork),
			"build long values outside the spec and pass them in a file")
	}
	return nil
}

// add implements +, as pongo2 does (a string on either side joins the two,
// else the numbers add), but refuses a joined string over the limit before
// building it.
func (s *renderState) add(site, l, r *pongo2.Value) (*pongo2.Value, error) {
	switch {
	case l.IsString() || r.IsString():
		ls, rs := l.String(), r.String()
		if err := s.grow(site, len(ls)+len(rs)); err != nil {
			return nil, err
		}
		return pongo2.AsValue(ls + rs), nil
	case l.IsFloat() || r.IsFloat():
		return pongo2.AsValue(l.Float() + r.Float()), nil
	}
	return pongo2.AsValue(l.Integer() + r.Integer()), nil
}

// filter implements the filters: filter(site, name, in[, arg]).
func (s *renderState) filter(site, name, in *pongo2.Value, args ...*pongo2.Value) (*pongo2.Value, error) {
	arg := pongo2.AsValue(nil)
	if len(args) > 0 {
		arg = args[0]
	}
	switch name.String() {
	case "default":
		if !in.IsTrue() {
			return arg, nil
		}
		return in, nil
	case "length":
		if in.IsString() {
			return pongo2.AsValue(utf8.RuneCountInString(in.String())), nil
		}
		return pongo2.AsValue(in.Len()), nil
	case "join":
		return s.join(site, in, arg)
	case "date":
		t, ok := in.Interface().(time.Time)
		if !ok {
			return nil, s.fail(site, "filter date works on timestamps", "only run.ts is a timestamp")
		}
		layout := arg.String()
		// A layout element expands to at most three times its own length
		// (Wednesday for Mon), so bounding the layout bounds the result.
		if len(layout) > MaxOutputSize/4 {
			return nil, s.fail(site, fmt.Sprintf("the date layout is %d bytes long; the limit is %d", len(layout), MaxOutputSize/4),
				"date layouts are short, e.g. \"2006-01-02\"")
		}
		out := t.Format(layout)
		if err := s.grow(site, len(out)); err != nil {
			return nil, err
		}
		return pongo2.AsValue(out), nil
	}
	text := in.String()
	if err := s.grow(site, len(text)); err != nil {
		return nil, err
	}
	var out string
	switch name.String() {
	case "lower":
		out = strings.ToLower(text)
	case "upper":
		out = strings.ToUpper(text)
	case "title":
		if !in.IsString() {
			return pongo2.AsValue(""), nil
		}
		//lint:ignore SA1019 strings.Title's word rule is the filter's documented behaviour.
		out = strings.Title(strings.ToLower(text))
	case "capfirst":
		r, size := utf8.DecodeRuneInString(text)
		if size == 0 {
			return pongo2.AsValue(""), nil
		}
		out = strings.ToUpper(string(r)) + text[size:]
	case "trim":
		return pongo2.AsValue(strings.TrimSpace(text)), nil
	default:
		return nil, s.fail(site, "unknown filter "+quote(name.String()), "supported filters: "+filterList)
	}
	// Case mapping can lengthen some characters' UTF-8 form.
	if len(out) > len(text) {
		if err := s.grow(site, len(out)); err != nil {
			return nil, err
		}
	}
	return pongo2.AsValue(out), nil
}

// join joins a list's items with sep, after checking the joined length.
func (s *renderState) join(site, in, sep *pongo2.Value) (*pongo2.Value, error) {
	if !in.CanSlice() {
		return in, nil
	}
	sepText := sep.String()
	n := in.Len()
	items := make([]string, n)
	size := 0
	if n > 1 {
		size = (n - 1) * len(sepText)
		if len(sepText) > 0 && size/len(sepText) != n-1 {
			size = MaxOutputSize + 1 // overflowed: far over the limit anyway
		}
	}
	for i := range items {
		items[i] = in.Index(i).String()
		size += len(items[i])
		if size > MaxOutputSize {
			break
		}
	}
	if err := s.grow(site, size); err != nil {
		return nil, err
	}
	return pongo2.AsValue(strings.Join(items, sepText)), nil
}
