package temporal

import (
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"
)

// Registry is where a worker (or a test environment) registers the
// workflow and activities; worker.Worker and testsuite environments
// implement it.
type Registry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register registers RunWorkflow as WorkflowName and a's activities under
// their names.
func Register(r Registry, a *Activities) {
	r.RegisterWorkflowWithOptions(RunWorkflow, workflow.RegisterOptions{Name: WorkflowName})
	r.RegisterActivityWithOptions(a.Plan, activity.RegisterOptions{Name: PlanActivityName})
	r.RegisterActivityWithOptions(a.Task, activity.RegisterOptions{Name: TaskActivityName})
	r.RegisterActivityWithOptions(a.Finish, activity.RegisterOptions{Name: finishActivityName})
	r.RegisterWorkflowWithOptions(SemaphoreWorkflow, workflow.RegisterOptions{Name: SemaphoreWorkflowName})
	r.RegisterActivityWithOptions(a.Acquire, activity.RegisterOptions{Name: acquireActivityName})
	r.RegisterActivityWithOptions(a.ClosedHolders, activity.RegisterOptions{Name: ClosedHoldersActivityName})
	r.RegisterWorkflowWithOptions(BackfillWorkflow, workflow.RegisterOptions{Name: BackfillWorkflowName})
	r.RegisterActivityWithOptions(a.Extract, activity.RegisterOptions{Name: extractActivityName})
}
