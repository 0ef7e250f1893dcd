package temporal_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"

	"github.com/hotpass/hotpass/engine"

	hptemporal "github.com/hotpass/hotpass/internal/temporal"
)

// payloadLimit is Temporal's default limit on one payload (blob).
const payloadLimit = 2 << 20

// TestWorkflowLargeDAGContinuesAsNew runs a 10,000-task DAG: the workflow
// must continue as new every DefaultTasksPerRun tasks, with a carried
// state well under the payload limit, and finish every task exactly once
// in dependency order.
func TestWorkflowLargeDAGContinuesAsNew(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 activities take a few seconds")
	}
	t.Parallel()
	const n = 10000
	var b strings.Builder
	b.WriteString("version: 1\nname: large\nconcurrency: {max: 64}\ntasks:\n")
	for i := range n {
		if i >= 100 {
			fmt.Fprintf(&b, "  t%05d: {type: probe, needs: [t%05d]}\n", i, i-100)
		} else {
			fmt.Fprintf(&b, "  t%05d: {type: probe}\n", i)
		}
	}
	h := newHarness(t, b.String())
	in := h.input()
	runs := 0
	var rec engine.RunRecord
	for {
		runs++
		if runs > 20 {
			t.Fatal("more than 20 workflow runs for 10,000 tasks")
		}
		env := h.env()
		env.ExecuteWorkflow(hptemporal.WorkflowName, in)
		err := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			if size := proto.Size(can.Input); size > payloadLimit/4 {
				t.Fatalf("run %d continues with a %d-byte input, want well under %d", runs, size, payloadLimit)
			}
			in = hptemporal.RunInput{}
			if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &in); err != nil {
				t.Fatal(err)
			}
			if len(in.Source) != 0 {
				t.Fatal("the spec source travels with continue-as-new; it was kept in the artifact store")
			}
			continue
		}
		rec, err = result(t, env)
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if want := n/hptemporal.DefaultTasksPerRun + 1; runs != want {
		t.Errorf("%d workflow runs, want %d", runs, want)
	}
	if c := rec.Counts()[engine.StatusSucceeded]; c != n {
		t.Fatalf("%d tasks succeeded, want %d", c, n)
	}
	if len(h.rec.started) != n {
		t.Errorf("%d task attempts for %d tasks: some ran twice or never", len(h.rec.started), n)
	}
	if len(h.rec.violations) > 0 {
		t.Errorf("%d tasks started before a dependency, e.g. %s", len(h.rec.violations), h.rec.violations[0])
	}
	res, err := hptemporal.ResultOf(rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Record) > payloadLimit/4 {
		t.Errorf("the final record packs to %d bytes, want well under %d", len(res.Record), payloadLimit)
	}
}
