package linkage

import (
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/specs/decode"
	"github.com/hotpass/hotpass/tasks"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

// Options written as templates ("{{ params.x }}") render to strings, so the
// optional numbers and booleans below accept a number or a string, and an
// empty string means "not set": a pipeline can pass a param through
// whether or not the user gave it.

// OptFloat is an optional number option.
type OptFloat struct {
	Set   bool
	Value float64
}

// UnmarshalYAML reads a number, a numeric string, or "" (unset).
func (o *OptFloat) UnmarshalYAML(n *yaml.Node) error {
	v, ok, err := scalar(n)
	if err != nil || !ok {
		return err
	}
	f, err := decode.Float(v)
	if err != nil {
		return optError{msg: err.Error(), hint: "write a number such as 0.9"}
	}
	*o = OptFloat{Set: true, Value: f}
	return nil
}

// Ptr returns the value, or nil when unset.
func (o OptFloat) Ptr() *float64 {
	if !o.Set {
		return nil
	}
	v := o.Value
	return &v
}

// OptInt is an optional whole-number option.
type OptInt struct {
	Set   bool
	Value int64
}

// UnmarshalYAML reads an integer, an integer string, or "" (unset).
func (o *OptInt) UnmarshalYAML(n *yaml.Node) error {
	v, ok, err := scalar(n)
	if err != nil || !ok {
		return err
	}
	i, err := decode.Int(v)
	if err != nil {
		return optError{msg: err.Error(), hint: "write a whole number such as 3"}
	}
	*o = OptInt{Set: true, Value: i}
	return nil
}

// Ptr returns the value, or nil when unset.
func (o OptInt) Ptr() *int64 {
	if !o.Set {
		return nil
	}
	v := o.Value
	return &v
}

// OptBool is an optional boolean option.
type OptBool struct {
	Set   bool
	Value bool
}

// UnmarshalYAML reads true/false in any case (templates render booleans
// as True/False), or "" (unset).
func (o *OptBool) UnmarshalYAML(n *yaml.Node) error {
	v, ok, err := scalar(n)
	if err != nil || !ok {
		return err
	}
	b, err := decode.Bool(v)
	if err != nil {
		return optError{msg: err.Error(), hint: "write true or false"}
	}
	*o = OptBool{Set: true, Value: b}
	return nil
}

// JSONSchema describes the option: a number, or the string a template
// renders to.
func (OptFloat) JSONSchema() map[string]any { return map[string]any{"type": []any{"number", "string"}} }

// JSONSchema describes the option: a whole number, or the string a
// template renders to.
func (OptInt) JSONSchema() map[string]any { return map[string]any{"type": []any{"integer", "string"}} }

// JSONSchema describes the option: a boolean, or the string a template
// renders to.
func (OptBool) JSONSchema() map[string]any { return map[string]any{"type": []any{"boolean", "string"}} }

func scalar(n *yaml.Node) (string, bool, error) {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || n.Tag == "!!null" {
		return "", false, nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", false, optError{msg: "must be a single value", hint: "write a value, not a list or mapping"}
	}
	v := strings.TrimSpace(n.Value)
	return v, v != "", nil
}

// optError carries a hint for tasks.Decode.
type optError struct{ msg, hint string }

func (e optError) Error() string { return e.msg }
func (e optError) Hint() string  { return e.hint }

// LabelStudioOptions are the `label_studio:` options. Review is off when
// url is empty, so a pipeline can template every field from params.
type LabelStudioOptions struct {
	URL string `yaml:"url" examples:"http://localhost:8080"`
	// Token should come from the environment, which keeps it out of specs
	// and run records (values read from the environment are redacted from
	// logs).
	Token    string         `yaml:"token" doc:"API token; take it from the environment: \"{{ env_var('HOTPASS_LABEL_STUDIO_TOKEN') }}\"."`
	Project  OptInt         `yaml:"project" doc:"Id of the review project."`
	Required OptBool        `yaml:"required" doc:"Fail the task when Label Studio fails (default false: warn and keep the linkage result)."`
	Timeout  tasks.Duration `yaml:"timeout" doc:"Bound on each Label Studio operation, such as 2m."`
}

// Enabled reports whether review is configured.
func (o *LabelStudioOptions) Enabled() bool { return o != nil && strings.TrimSpace(o.URL) != "" }

// Check returns a problem with the options, or "".
func (o *LabelStudioOptions) Check() string {
	if !o.Enabled() {
		return ""
	}
	if !o.Project.Set || o.Project.Value <= 0 {
		return "label_studio.project: give the id of the review project (a positive number)"
	}
	return ""
}

// Config returns the job's Label Studio configuration, or nil when review
// is off.
func (o *LabelStudioOptions) Config() *linkjob.LabelStudio {
	if !o.Enabled() {
		return nil
	}
	return &linkjob.LabelStudio{URL: strings.TrimSpace(o.URL), Token: o.Token, Project: o.Project.Value,
		Required: o.Required.Value, Timeout: time.Duration(o.Timeout)}
}
