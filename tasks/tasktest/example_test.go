package tasktest_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/tasks/tasktest"

	_ "github.com/hotpass/hotpass/tasks/noop"
)

func ExamplePlan() {
	dir, err := os.MkdirTemp("", "tasktest")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	plan, err := tasktest.Plan(&testing.T{}, dir, "version: 1\nname: demo\ntasks:\n  a: {type: noop}\n  b: {type: noop, needs: [a]}\n")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plan.Order())
	// Output: [a b]
}

func TestCompileReportsSpecErrorsWithTheFileName(t *testing.T) {
	t.Parallel()
	_, err := tasktest.Compile(t, t.TempDir(), "version: 1\nname: bad\ntasks:\n  a: {type: nope}\n", tasktest.Options{File: "pipeline.yaml"})
	if err == nil {
		t.Fatal("an unknown task type compiled")
	}
	if got := err.Error(); !strings.Contains(got, "pipeline.yaml:4") {
		t.Errorf("error does not name pipeline.yaml:4: %s", got)
	}
}
