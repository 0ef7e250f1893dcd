package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs"
)

// quotingType refuses its `value:` option with a message that quotes it,
// as task types do ("invalid duration \"...\"").
type quotingType struct{ diagnostic bool }

func (q quotingType) Name() string {
	if q.diagnostic {
		return "quoting"
	}
	return "quoting_plain"
}
func (quotingType) Schema() json.RawMessage { return json.RawMessage(`{"type":"object"}`) }
func (q quotingType) Prepare(_ *specs.Spec, t *specs.Task) (engine.Task, error) {
	var with struct {
		Value string `yaml:"value"`
	}
	if err := t.With.Decode(&with); err != nil {
		return nil, err
	}
	if q.diagnostic {
		return nil, specs.Errorf(specs.PosOf("pipeline.yaml", t.With), "task %q: with.value: invalid %q", t.ID, with.Value).
			WithHint("not %s", with.Value)
	}
	return nil, fmt.Errorf("task %q: invalid value %q", t.ID, with.Value)
}

// A task's options are checked once rendered, so their errors may quote a
// value read from the environment: Prepare masks it, whether the task type
// answers with a diagnostic or a plain error.
func TestPrepareMasksSecretsInOptionErrors(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-from-the-env"
	l, err := engine.NewLoader(registry(t, quotingType{diagnostic: true}, quotingType{}))
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(name string) (string, bool) { return secret, name == "DB_PASSWORD" }
	for _, typ := range []string{"quoting", "quoting_plain"} {
		src := "version: 1\nname: p\ntasks:\n  a:\n    type: " + typ + "\n    with:\n      value: \"{{ env_var('DB_PASSWORD') }}\"\n"
		spec, _, err := l.ParseContext(context.Background(), "pipeline.yaml", []byte(src), false, lookup)
		if err != nil {
			t.Fatal(err)
		}
		_, err = l.Prepare(spec, engine.PrepareOptions{LookupEnv: lookup})
		if err == nil {
			t.Fatalf("%s: prepared a task its type refuses", typ)
		}
		var shown strings.Builder
		_ = specs.AsDiagnostics(err).Print(&shown)
		for what, text := range map[string]string{"error": err.Error(), "printed diagnostics": shown.String()} {
			if strings.Contains(text, secret) || !strings.Contains(text, "***") {
				t.Errorf("%s: the %s quotes the secret unmasked:\n%s", typ, what, text)
			}
		}
		if !errors.Is(err, specs.ErrInvalid) {
			t.Errorf("%s: %v does not wrap specs.ErrInvalid", typ, err)
		}
	}
}
