package temporal

import (
	"context"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

// Serve polls queue for runs and tasks until ctx is done. maxTasks bounds
// the tasks this worker runs at once (0: the SDK's default).
func Serve(ctx context.Context, c client.Client, queue string, maxTasks int, acts *Activities) error {
	if queue == "" {
		queue = DefaultTaskQueue
	}
	w := worker.New(c, queue, worker.Options{MaxConcurrentActivityExecutionSize: maxTasks})
	Register(w, acts)
	stop := make(chan any)
	go func() {
		<-ctx.Done()
		close(stop)
	}()
	return w.Run(stop)
}
