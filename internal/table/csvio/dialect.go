package csvio

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/locale"
)

// Dialect is how a Reader reads its input: the options given, or what it
// detected. The *Why fields are empty for what was given and say what the
// decision rests on otherwise.
type Dialect struct {
	Encoding     string
	EncodingWhy  string
	Delimiter    rune
	DelimiterWhy string
	Header       bool
	HeaderWhy    string
}

// Dialect returns the encoding, delimiter and header in effect.
func (r *Reader) Dialect() Dialect { return r.dialect }

// logDialect reports detected settings, so that a surprising result can be
// traced to its evidence and pinned with the option, then the warnings.
func (r *Reader) logDialect() {
	d := r.dialect
	if r.opts.Logger == nil {
		return
	}
	defer func() {
		for _, w := range r.warnings {
			r.opts.Logger.Warn(w)
		}
	}()
	if d.EncodingWhy == "" && d.DelimiterWhy == "" && d.HeaderWhy == "" {
		return
	}
	attrs := []any{"file", r.opts.Name, "encoding", d.Encoding, "delimiter", delimName(byte(d.Delimiter)), "header", d.Header}
	for _, w := range []struct{ k, v string }{{"encoding_from", d.EncodingWhy}, {"delimiter_from", d.DelimiterWhy}, {"header_from", d.HeaderWhy}} {
		if w.v != "" {
			attrs = append(attrs, w.k, w.v)
		}
	}
	r.opts.Logger.Info("csv dialect detected", attrs...)
}

var errHeaderUnclear = errors.New("cannot tell whether the first line is a header")

// sniffHeader decides whether first holds column names by comparing it with
// the sample below it: a cell that does not parse as its column's type
// (inferred from the sample) is a name; one that does is data. When the
// columns are all text, or the evidence points both ways, it is an error
// asking for header: true or false rather than a guess.
func sniffHeader(first []string, sample []pendingRecord, nulls []string, rewrite []*locale.Column) (bool, string, error) {
	infer := make([]table.Inferrer, len(first))
	rows := 0
	for _, p := range sample {
		if p.err != nil || len(p.fields) != len(first) {
			continue
		}
		rows++
		for i, f := range p.fields {
			if !isNullIn(f, nulls) {
				if v, ok := rewrite[i].Rewrite(f); ok {
					f = v
				}
				infer[i].Observe(f)
			}
		}
	}
	if rows == 0 {
		return true, "no data lines with as many fields to compare with", nil
	}
	var names, data []string
	for i, f := range first {
		t := infer[i].Type()
		if t == table.String || isNullIn(f, nulls) {
			continue
		}
		v := f
		if w, ok := rewrite[i].Rewrite(f); ok {
			v = w
		}
		cb := table.NewColumnBuilder(t, 1)
		if cb.AppendParse(v) != nil {
			names = append(names, fmt.Sprintf("%q is not %s like the rest of column %d", f, t, i+1))
		} else {
			data = append(data, fmt.Sprintf("%q is %s like the rest of column %d", f, t, i+1))
		}
	}
	switch {
	case len(names) > 0 && len(data) == 0:
		return true, strings.Join(names, "; "), nil
	case len(data) > 0 && len(names) == 0:
		return false, strings.Join(data, "; "), nil
	case len(names) == 0:
		return false, "", fmt.Errorf("%w: every column is text: set header: true or header: false", errHeaderUnclear)
	}
	return false, "", fmt.Errorf("%w (%s, but %s): set header: true or header: false", errHeaderUnclear, names[0], data[0])
}

func isNullIn(f string, nulls []string) bool {
	for _, n := range nulls {
		if f == n {
			return true
		}
	}
	return false
}
