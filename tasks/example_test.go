package tasks_test

import (
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks"
)

// pingOptions is the `with:` block of a task type that pings a host: its
// tags give both the decoding (tasks.Decode) and the schema (tasks.Schema).
type pingOptions struct {
	Host  string         `yaml:"host" hotpass:"required" minlen:"1" doc:"Host to ping."`
	Count int            `yaml:"count" min:"1" max:"100" doc:"Pings to send (default 3)."`
	Wait  tasks.Duration `yaml:"wait" doc:"Pause between pings, such as 1s."`
}

func ExampleDecode() {
	// As rendered from `count: "{{ params.pings }}"` with pings=5.
	var with yaml.Node
	_ = yaml.Unmarshal([]byte("{host: db.internal, count: \"5\", wiat: 1s}"), &with)
	task := &specs.Task{ID: "ping", Type: "ping", With: with.Content[0]}
	var o pingOptions
	_, err := tasks.Decode(&specs.Spec{Path: "pipeline.yaml"}, task, &o)
	fmt.Println(err)
	fmt.Println(o.Host, o.Count)

	var schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	_ = json.Unmarshal(tasks.Schema("ping", "Pings a host.", &pingOptions{}), &schema)
	fmt.Println(string(schema.Properties["count"]))
	// Output:
	// pipeline.yaml:1:33: error: task "ping": unknown option with.wiat for type "ping" (did you mean "wait"?)
	// db.internal 5
	// {"description":"Pings to send (default 3).","maximum":100,"minimum":1,"type":"integer"}
}
