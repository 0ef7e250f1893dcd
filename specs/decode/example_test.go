package decode_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/specs/decode"
)

// fetchOptions declares the options of a task that fetches a URL: the
// same declaration gives their decoding and their JSON Schema.
type fetchOptions struct {
	URL     string `yaml:"url" hotpass:"required" minlen:"1" doc:"What to fetch."`
	Retries int    `yaml:"retries" min:"0" max:"10" doc:"Attempts after the first."`
	Verbose bool   `yaml:"verbose"`
}

func Example() {
	// "{{ params.retries }}" rendered to "3": text, which decodes into an
	// int all the same.
	var doc yaml.Node
	_ = yaml.Unmarshal([]byte("url: https://example.org\nretries: \"3\"\nverbos: true\n"), &doc)
	var o fetchOptions
	_, err := decode.Into(&doc, &o)
	var ps decode.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Printf("line %d, column %d: %s (%s)\n", p.Node.Line, p.Node.Column, p.Msg, p.UnknownHint("options: "))
		}
	}
	fmt.Println(o.URL, o.Retries)

	schema, _ := json.Marshal(decode.Schema(reflect.TypeFor[fetchOptions]())["properties"].(map[string]any)["retries"])
	fmt.Println(string(schema))
	// Output:
	// line 3, column 1: unknown option verbos (did you mean "verbose"?)
	// https://example.org 3
	// {"description":"Attempts after the first.","maximum":10,"minimum":0,"type":"integer"}
}
