package docblocks

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []Block
	}{
		{
			name: "language and text",
			src:  "# T\n\n```sh\nhotpass version\n```\n",
			want: []Block{{Lang: "sh", Line: 3, Text: "hotpass version\n"}},
		},
		{
			name: "markers in the info string",
			src:  "```sh needs: server; needs: secret TOKEN\ncurl x\n```\n",
			want: []Block{{Lang: "sh", Line: 1, Text: "curl x\n", Needs: []string{"server", "secret TOKEN"}}},
		},
		{
			name: "markers in a comment before the block, blank lines between",
			src:  "<!-- file: pipelines/a.yaml; skip: shown only -->\n\n```yaml\na: 1\n```\n",
			want: []Block{{Lang: "yaml", Line: 3, Text: "a: 1\n", File: "pipelines/a.yaml", Skip: "shown only"}},
		},
		{
			name: "a comment further up does not count",
			src:  "<!-- needs: postgres -->\ntext\n```sh\nx\n```\n",
			want: []Block{{Lang: "sh", Line: 3, Text: "x\n"}},
		},
		{
			name: "no info string, tildes, longer closing fence",
			src:  "~~~\nplain\n~~~~\n```\n```\n",
			want: []Block{{Line: 1, Text: "plain\n"}, {Line: 4, Text: ""}},
		},
		{
			name: "a shorter fence inside a longer one is text",
			src:  "````md\n```sh\nx\n```\n````\n",
			want: []Block{{Lang: "md", Line: 1, Text: "```sh\nx\n```\n"}},
		},
		{
			name: "inline code is not a fence",
			src:  "``` a`b ```\n",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Markdown(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Markdown:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestMarkdownErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"unclosed", "a\n```sh\nx\n", "line 2: the code block opened here is never closed"},
		{"unknown marker", "```sh need: server\n```\n", `line 1: unknown marker "need: server"`},
		{"unknown need", "<!-- needs: redis -->\n```sh\n```\n", `line 2: needs: "redis"`},
		{"secret without a name", "```sh needs: secret\n```\n", `needs: "secret"`},
		{"marker without a value", "```sh skip:\n```\n", `marker "skip:" is not key: value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Markdown(tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Markdown(%q) error = %v, want it to contain %q", tt.src, err, tt.want)
			}
		})
	}
}

func TestBlockNeeds(t *testing.T) {
	t.Parallel()
	b := Block{Needs: []string{"server", "secret A", "secret B"}}
	if !b.Has("server") || b.Has("postgres") {
		t.Errorf("Has: server %v, postgres %v", b.Has("server"), b.Has("postgres"))
	}
	if got := b.Secrets(); !reflect.DeepEqual(got, []string{"A", "B"}) {
		t.Errorf("Secrets() = %v", got)
	}
}

func TestHelpExamples(t *testing.T) {
	t.Parallel()
	help := "Run a spec.\n\nUsage:\n  hotpass run SPEC\n\nExamples:\n  # needs: server\n  hotpass run a.yaml\n    --param x=1\n\nFlags:\n  -h, --help\n"
	b, ok, err := HelpExamples(help)
	if err != nil || !ok {
		t.Fatalf("HelpExamples: ok %v, err %v", ok, err)
	}
	want := Block{Lang: "sh", Line: 6, Text: "# needs: server\nhotpass run a.yaml\n  --param x=1\n", Needs: []string{"server"}}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("got %+v\nwant %+v", b, want)
	}
	if _, ok, _ := HelpExamples("Usage:\n  hotpass\n"); ok {
		t.Error("a help without Examples: has an example")
	}
	if _, _, err := HelpExamples("Examples:\n  # needs: nothing\n"); err == nil {
		t.Error("a bad marker in a help example is not an error")
	}
}

// FuzzMarkdown checks that any text parses or fails cleanly, and that the
// blocks found are in order and come from the text.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"```sh\nx\n```\n", "<!-- skip: y -->\n~~~yaml\na\n~~~", "```\n", "````a b;c\n````", "<!--needs: secret X-->\n```sh\n```"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		blocks, err := Markdown(src)
		if err != nil {
			return
		}
		last := 0
		for _, b := range blocks {
			if b.Line <= last {
				t.Fatalf("block at line %d after one at line %d", b.Line, last)
			}
			last = b.Line
			if !strings.Contains(src, strings.TrimSuffix(b.Text, "\n")) {
				t.Fatalf("block text %q is not in the source", b.Text)
			}
		}
	})
}

func ExampleMarkdown() {
	readme := "Try it:\n\n<!-- needs: secret CRM_DSN -->\n```sh\nhotpass run nightly.yaml\n```\n"
	blocks, err := Markdown(readme)
	if err != nil {
		panic(err)
	}
	for _, b := range blocks {
		fmt.Printf("line %d, %s, needs %v: %s", b.Line, b.Lang, b.Secrets(), b.Text)
	}
	// Output: line 4, sh, needs [CRM_DSN]: hotpass run nightly.yaml
}
