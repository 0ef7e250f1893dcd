package decode_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/specs/decode"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// Declared as a task type's options are, so that the tests decode with a
// declaration read once (BenchmarkInto measures that path).
func init() { decode.Declare(&sample{}) }

type item struct {
	Name   string  `yaml:"name" hotpass:"required"`
	Weight float64 `yaml:"weight" min:"0" max:"1"`
}

type nested struct {
	Depth int  `yaml:"depth" gt:"0"`
	On    bool `yaml:"on"`
}

type sample struct {
	Name    string            `yaml:"name" minlen:"1" doc:"A name." examples:"a|2"`
	Count   int               `yaml:"count" min:"0" doc:"How many."`
	Ratio   float64           `yaml:"ratio" max:"1"`
	Flag    *bool             `yaml:"flag"`
	Size    uint16            `yaml:"size"`
	Wait    time.Duration     `yaml:"wait"`
	Mode    string            `yaml:"mode" enum:"fast|slow" hint:"pick fast or slow"`
	Tags    []string          `yaml:"tags" minlen:"1"`
	Ports   []int             `yaml:"ports"`
	Items   []item            `yaml:"items"`
	Inner   *nested           `yaml:"inner"`
	Labels  map[string]string `yaml:"labels"`
	Raw     yaml.Node         `yaml:"raw" type:"object"`
	Later   decode.Node[item] `yaml:"later"`
	CSVOnly string            `yaml:"csv_only" only:"csv"`
	Hidden  string            `yaml:"-"`
}

func (sample) OptionRules() []decode.Rule {
	return []decode.Rule{decode.OneOf("name", "tags").WhenNone("give a name or tags", "name: x").WhenSeveral("name or tags, not both", "")}
}

func parse(t testing.TB, src string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

// problem is a Problem as a test states it.
func problem(p decode.Problem) string {
	return fmt.Sprintf("%d:%d %s: %s", p.Node.Line, p.Node.Column, p.Key, p.Msg)
}

func TestInto(t *testing.T) {
	t.Parallel()
	yes := true
	tests := []struct {
		name     string
		src      string
		want     sample
		problems []string
	}{
		{"literal values", "{name: a, count: 3, ratio: 0.5, flag: true, size: 7, wait: 1m, mode: fast}",
			sample{Name: "a", Count: 3, Ratio: 0.5, Flag: &yes, Size: 7, Wait: time.Minute, Mode: "fast"}, nil},
		{"rendered templates", `{name: a, count: " 3 ", ratio: "0.5", flag: "True", size: "7", wait: "1m"}`,
			sample{Name: "a", Count: 3, Ratio: 0.5, Flag: &yes, Size: 7, Wait: time.Minute}, nil},
		{"empty text leaves a number unset", `{name: a, count: "", flag: "", ratio: "  "}`, sample{Name: "a"}, nil},
		{"days", "{name: a, wait: 2d}", sample{Name: "a", Wait: 48 * time.Hour}, nil},
		{"lists and nesting", "{tags: [x], ports: [80, '443'], items: [{name: i, weight: '0.25'}], inner: {depth: '2', on: yes}}",
			sample{Tags: []string{"x"}, Ports: []int{80, 443}, Items: []item{{"i", 0.25}}, Inner: &nested{2, true}}, nil},
		{"not a number", "{name: a, count: many, ratio: x}", sample{}, []string{
			"1:18 count: cannot unmarshal !!str `many` into int", "1:31 ratio: cannot unmarshal !!str `x` into float64"}},
		{"out of range", "{name: a, count: -1, ratio: 2, items: [{name: i, weight: -0.5}], inner: {depth: 0}}", sample{}, []string{
			"1:18 count: must be at least 0, got -1", "1:29 ratio: must be at most 1, got 2",
			"1:58 items[0].weight: must be at least 0, got -0.5", "1:81 inner.depth: must be greater than 0, got 0"}},
		{"unsigned overflow", "{name: a, size: '70000'}", sample{}, []string{"1:17 size: cannot unmarshal !!str `70000` into uint16"}},
		{"enum", "{name: a, mode: medium}", sample{}, []string{`1:17 mode: must be fast or slow, got "medium"`}},
		{"empty", "{name: '  ', tags: []}", sample{}, []string{"1:8 name: is empty", "1:20 tags: is empty", "1:14 : name or tags, not both"}},
		{"unknown keys", "{nme: a, inner: {dept: 1}}", sample{}, []string{"1:2 nme: unknown option nme", "1:18 inner.dept: unknown option dept", "1:1 : give a name or tags"}},
		{"wrong shapes", "{name: [a], ports: x, inner: 3, wait: soon}", sample{}, []string{
			"1:8 name: cannot unmarshal !!seq into string", "1:20 ports: cannot unmarshal !!str `x` into []int",
			"1:30 inner: must be a mapping of options", `1:39 wait: invalid duration "soon"`}},
		{"rule: none", "{count: 1}", sample{}, []string{"1:1 : give a name or tags"}},
		{"hidden field is no option", "{name: a, Hidden: x}", sample{}, []string{"1:11 Hidden: unknown option Hidden"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got sample
			_, err := decode.Into(parse(t, tc.src), &got)
			var ps decode.Problems
			if err != nil && !errors.As(err, &ps) {
				t.Fatalf("error is not Problems: %v", err)
			}
			var msgs []string
			for _, p := range ps {
				msgs = append(msgs, problem(p))
			}
			if strings.Join(msgs, "\n") != strings.Join(tc.problems, "\n") {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(tc.problems, "\n"))
			}
			if len(tc.problems) == 0 && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("decoded %+v\nwant    %+v", got, tc.want)
			}
		})
	}
}

func TestIntoProblemDetails(t *testing.T) {
	t.Parallel()
	var s sample
	_, err := decode.Into(parse(t, "{name: a, cuont: 1, mode: x, count: -2}"), &s)
	var ps decode.Problems
	if !errors.As(err, &ps) || len(ps) != 3 {
		t.Fatalf("problems = %v", err)
	}
	if p := ps[0]; p.Kind != decode.Unknown || p.Suggest != "count" || p.UnknownHint("options: ") != `did you mean "count"?` {
		t.Errorf("unknown: %+v", p)
	}
	if p := ps[1]; p.Kind != decode.Invalid || p.Hint != "pick fast or slow" {
		t.Errorf("enum: %+v", p)
	}
	if p := ps[2]; p.Kind != decode.Range || p.Op != ">=" || p.Bound != "0" {
		t.Errorf("range: %+v", p)
	}
	far := decode.Problem{Known: []string{"a", "b"}}
	if h := far.UnknownHint("options: "); h != "options: a, b" {
		t.Errorf("hint without a close name = %q", h)
	}
}

func TestIntoBlock(t *testing.T) {
	t.Parallel()
	var s sample
	b, err := decode.Into(parse(t, "name: a\nlater: {name: x}\n"), &s)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Has("name") || b.Has("count") || b.Key("name").Line != 1 || b.Value("later").Line != 2 || b.Value("later").Column != 8 {
		t.Errorf("block positions wrong")
	}
	if got := strings.Join(b.Names(), ","); got != "name,later" {
		t.Errorf("Names = %s", got)
	}
	if s.Later.Node == nil || s.Later.Line != 2 {
		t.Errorf("Node[T] did not keep its node: %+v", s.Later)
	}
	var later item
	if _, err := decode.Into(s.Later.Node, &later); err != nil || later.Name != "x" {
		t.Errorf("decoding the kept node: %+v, %v", later, err)
	}
	// An absent block decodes as empty, but its rules still hold.
	if _, err := decode.Into(nil, &s); err == nil || !strings.Contains(err.Error(), "give a name or tags") {
		t.Errorf("nil block: %v", err)
	}
	if _, err := decode.Into(parse(t, "x"), &map[string]any{}); err == nil {
		t.Error("a map destination was accepted")
	}
}

func TestAlias(t *testing.T) {
	t.Parallel()
	doc := parse(t, "base: &b {name: a, count: '2', inner: &i {depth: 1}}\nuse: *b\n")
	alias := doc.Content[0].Content[3]
	var s sample
	if _, err := decode.Into(alias, &s); err != nil || s.Name != "a" || s.Count != 2 || s.Inner.Depth != 1 {
		t.Fatalf("decoded %+v, %v", s, err)
	}
}

func TestApplies(t *testing.T) {
	t.Parallel()
	s := sample{CSVOnly: "x", Name: "n"}
	if ps := decode.Applies(&s, "csv"); len(ps) != 0 {
		t.Errorf("csv: %v", ps)
	}
	ps := decode.Applies(s, "xlsx")
	if len(ps) != 1 || ps[0].Key != "csv_only" || ps[0].Msg != "does not apply to xlsx" || ps[0].Hint != "csv_only is an option of csv" {
		t.Errorf("xlsx: %+v", ps)
	}
	only := decode.OnlyFor(reflect.TypeFor[sample](), "xlsx")
	if only["csv_only"] || !only["name"] {
		t.Errorf("OnlyFor = %v", only)
	}
}

func TestScalars(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want any
		ok   bool
	}{
		{"1_000", int64(1000), true}, {"010", int64(10), true}, {"1.5", nil, false},
	} {
		got, err := decode.Int(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("Int(%q) = %v, %v", tc.in, got, err)
		}
	}
	for in, want := range map[string]bool{"True": true, "off": false, " 1 ": true, "NO": false} {
		if got, err := decode.Bool(in); err != nil || got != want {
			t.Errorf("Bool(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := decode.Bool("maybe"); err == nil {
		t.Error("Bool(maybe) succeeded")
	}
	if _, err := decode.Float("NaN"); err == nil {
		t.Error("Float(NaN) succeeded")
	}
	if _, err := decode.Duration("-1s"); err == nil {
		t.Error("a negative duration was accepted")
	}
}

// TestSchema keeps the schema a declaration gives in a golden file
// (rewrite it with -update).
func TestSchema(t *testing.T) {
	t.Parallel()
	got, err := json.MarshalIndent(decode.Schema(reflect.TypeFor[*sample]()), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "sample.schema.golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("schema differs from %s (run go test -update if the change is intended):\n%s", path, got)
	}
}

func FuzzInto(f *testing.F) {
	for _, s := range []string{"", "{name: a}", "count: '4'", "ratio: x", "[1]", "a: &x 1\nb: *x",
		"items: [{name: i, weight: '0.5'}]", "inner: {depth: ''}", "later: {name: x}", "wait: 1d", "size: -1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(src), &doc) != nil {
			return
		}
		var s sample
		_, err := decode.Into(&doc, &s)
		var ps decode.Problems
		if err != nil && !errors.As(err, &ps) {
			t.Fatalf("error that is not Problems: %v", err)
		}
		for _, p := range ps {
			if p.Msg == "" {
				t.Fatalf("problem without a message: %+v", p)
			}
			if p.Node == nil && p.Kind != decode.Broken {
				t.Fatalf("problem without a position: %+v", p)
			}
		}
	})
}

// BenchmarkInto decodes a small options block, as every task of a spec
// has one decoded when the spec is validated.
func BenchmarkInto(b *testing.B) {
	node := parse(b, "{name: a, count: '3', items: [{name: i}], inner: {depth: 1}}")
	b.ReportAllocs()
	for b.Loop() {
		var s sample
		if _, err := decode.Into(node, &s); err != nil {
			b.Fatal(err)
		}
	}
}
