// Package builtin registers every built-in task type with the tasks
// registry. Programs import it for its side effect:
//
//	import _ "github.com/hotpass/hotpass/tasks/builtin"
package builtin

import (
	// Each import registers one task type from its init function.
	_ "github.com/hotpass/hotpass/tasks/backfill"
	_ "github.com/hotpass/hotpass/tasks/compliance"
	_ "github.com/hotpass/hotpass/tasks/enrich"
	_ "github.com/hotpass/hotpass/tasks/exec"
	_ "github.com/hotpass/hotpass/tasks/geocode"
	_ "github.com/hotpass/hotpass/tasks/linkage"
	_ "github.com/hotpass/hotpass/tasks/noop"
	_ "github.com/hotpass/hotpass/tasks/read"
	_ "github.com/hotpass/hotpass/tasks/refine"
	_ "github.com/hotpass/hotpass/tasks/validate"
	_ "github.com/hotpass/hotpass/tasks/write"
)
