// Command hotpass runs declarative data pipelines written as YAML specs.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hotpass/hotpass/internal/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	// Runs flush their own telemetry as they end; this catches whatever a
	// command left open, within telemetry.ShutdownTimeout.
	if err := telemetry.Shutdown(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "warning: %v\n", err)
	}
	os.Exit(code)
}
