// Package temporal runs Hotpass pipelines on a Temporal cluster.
package temporal

// WorkflowName is the registered name of the workflow that runs one
// compiled spec. workflow.go, with the workflow itself, declares it too;
// when both are present this file goes.
const WorkflowName = "hotpass.run"
