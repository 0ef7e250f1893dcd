package noop_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks/noop"
)

func prepare(t *testing.T, with string) (engine.Task, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(with), &doc); err != nil {
		t.Fatal(err)
	}
	task := &specs.Task{ID: "n", Type: "noop", Pos: specs.Pos{File: "p.yaml", Line: 1, Col: 1}}
	if len(doc.Content) > 0 {
		task.With = doc.Content[0]
	}
	return noop.Type{}.Prepare(&specs.Spec{Path: "p.yaml"}, task)
}

func TestNoop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		with       string
		prepareErr string
		failing    []int // attempts (1..3) that fail
	}{
		{"no options", "", "", nil},
		{"sleep", "sleep: 1ms", "", nil},
		{"fail", "fail: true", "", []int{1, 2, 3}},
		{"fail times", "fail_times: 2", "", []int{1, 2}},
		{"bad sleep", "sleep: later", `p.yaml:1:8: error: task "n": with.sleep: invalid duration "later" (write a duration like 500ms, 30s, 5m or 1h30m)`, nil},
		{"negative fail_times", "fail_times: -1", `p.yaml:1:13: error: task "n": with.fail_times: must not be negative, got -1`, nil},
		{"fail and fail_times", "{fail: true, fail_times: 1}", `p.yaml:1:26: error: task "n": with.fail_times: cannot be combined with fail: true (fail: true fails every attempt; remove one of the two)`, nil},
		{"unknown option", "slep: 1s", `p.yaml:1:1: error: task "n": unknown option with.slep for type "noop" (did you mean "sleep"?)`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			task, err := prepare(t, tc.with)
			if tc.prepareErr != "" {
				if err == nil || err.Error() != tc.prepareErr {
					t.Fatalf("err = %v, want %s", err, tc.prepareErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for attempt := 1; attempt <= 3; attempt++ {
				_, err := task.Run(context.Background(), &engine.Env{Attempt: attempt})
				wantFail := false
				for _, a := range tc.failing {
					wantFail = wantFail || a == attempt
				}
				if (err != nil) != wantFail {
					t.Errorf("attempt %d: err = %v, want failure %v", attempt, err, wantFail)
				}
			}
		})
	}
}

func TestNoopSleepHonoursCancel(t *testing.T) {
	t.Parallel()
	task, err := prepare(t, "sleep: 1h")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := task.Run(ctx, &engine.Env{Attempt: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestNoopSchema(t *testing.T) {
	t.Parallel()
	raw := noop.Type{}.Schema()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("noop.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("noop.json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		AdditionalProperties *bool                                         `json:"additionalProperties"`
		Properties           map[string]struct{ Type, Description string } `json:"properties"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.AdditionalProperties == nil || *m.AdditionalProperties {
		t.Error("additionalProperties must be false")
	}
	for name, p := range m.Properties {
		if p.Description == "" || p.Type == "" {
			t.Errorf("property %s lacks a type or description", name)
		}
	}
	for doc, valid := range map[string]bool{`{}`: true, `{"sleep": "1s", "fail_times": 2}`: true, `{"sleeep": "1s"}`: false, `{"fail": "yes"}`: false} {
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err := sch.Validate(v); (err == nil) != valid {
			t.Errorf("%s: valid=%v, want %v", doc, err == nil, valid)
		}
	}
}
